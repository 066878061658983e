// mtc — the lowering framework: workspace planning, kernel partition and fusion, entry-point
// argument checks, module metadata, and errors for graphs it cannot lower.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/lower_ops.h"
#include "codegen/memory_plan.h"
#include "codegen_test_util.h"

using namespace mtc;
using namespace mtc::codegen;
using namespace mtc::codegen::testing;

TEST_CASE("the workspace plan never overlaps live buffers and reuses dead ones",
          "[codegen][memory]") {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<BufferLifetime> bufs;
    const int n = 1 + static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) {
      int a = static_cast<int>(rng() % 20), b = a + static_cast<int>(rng() % 6);
      bufs.push_back({static_cast<uint64_t>(rng() % 5000), a, b});
    }
    MemoryPlan p = planMemory(bufs);
    std::string why;
    INFO(why);
    REQUIRE(planIsValid(bufs, p, &why));
    for (uint64_t off : p.offsets) REQUIRE(off % 64 == 0);
    REQUIRE(p.peakBytes <= p.unsharedBytes);
  }
  // A chain: each buffer dies when the next is written, so two slots suffice.
  std::vector<BufferLifetime> chain;
  for (int i = 0; i < 10; ++i) chain.push_back({1000, i, i + 1});
  MemoryPlan p = planMemory(chain);
  REQUIRE(p.peakBytes == 2 * 1024);
}

TEST_CASE("an unfused chain reuses workspace memory", "[codegen][memory]") {
  auto hm = checkAgainstEvaluator(R"(
def @main(%x: Tensor[(64, 64), int32]) {
  %0 = add(%x, 1);
  %1 = multiply(%0, 3);
  %2 = subtract(%1, 5);
  %3 = negative(%2);
  %4 = right_shift(%3, 1);
  %4
}
)", "-O0", 1, 1);
  // Four intermediates of 16 KiB; only two are ever live together.
  REQUIRE(hm->meta.workspaceBytes == 2 * 64 * 64 * 4);
  REQUIRE(hm->kernels.size() == 5);
}

TEST_CASE("the entry point rejects mismatched tensors with a status naming them",
          "[codegen][entry]") {
  TestDiag d;
  ir::Module m = parseText("def @main(%a: Tensor[(2, 3), int8], %b: Tensor[(3), int32]) {\n"
                           "  %0 = cast(%a, dtype=\"int32\");\n  add(%0, %b)\n}", d);
  auto hm = jitModule(m, d);
  REQUIRE(hm);
  int64_t sa[] = {2, 3}, sb[] = {3}, bad[] = {2, 4};
  alignas(64) int8_t a[6] = {};
  alignas(64) int32_t b[3] = {}, o[6] = {};
  alignas(64) static uint8_t ws[4096];
  REQUIRE(hm->workspaceSize() <= sizeof ws);
  mtc_tensor in[2] = {{a, sa, 2, MTC_INT8}, {b, sb, 1, MTC_INT32}};
  mtc_tensor out[1] = {{o, sa, 2, MTC_INT32}};
  REQUIRE(hm->run(in, out, ws) == MTC_OK);
  in[1].dtype = MTC_INT8;
  int s = hm->run(in, out, ws);
  REQUIRE(MTC_STATUS_CODE(s) == MTC_ERR_DTYPE);
  REQUIRE(MTC_STATUS_TENSOR(s) == 1);
  in[1].dtype = MTC_INT32;
  in[0].shape = bad;
  s = hm->run(in, out, ws);
  REQUIRE(MTC_STATUS_CODE(s) == MTC_ERR_SHAPE);
  REQUIRE(MTC_STATUS_TENSOR(s) == 0);
  in[0].shape = sa;
  out[0].ndim = 1;
  s = hm->run(in, out, ws);
  REQUIRE(MTC_STATUS_CODE(s) == MTC_ERR_NDIM);
  REQUIRE(MTC_STATUS_TENSOR(s) == 2);
  out[0].ndim = 2;
  out[0].data = nullptr;
  REQUIRE(MTC_STATUS_CODE(hm->run(in, out, ws)) == MTC_ERR_NULL);
  out[0].data = reinterpret_cast<int8_t *>(o) + 1;
  REQUIRE(MTC_STATUS_CODE(hm->run(in, out, ws)) == MTC_ERR_ALIGN);
  REQUIRE(MTC_STATUS_CODE(hm->run(nullptr, out, ws)) == MTC_ERR_NULL);
}

TEST_CASE("a module needing a workspace refuses a missing or misaligned one", "[codegen][entry]") {
  TestDiag d;
  ir::Module m = parseText("def @main(%a: Tensor[(8), int32]) {\n"
                           "  %0 = add(%a, 1);\n  %1 = multiply(%0, %0);\n  add(%1, %0)\n}", d);
  auto hm = jitModule(m, d);
  REQUIRE(hm);
  REQUIRE(hm->workspaceSize() > 0);
  int64_t s[] = {8};
  alignas(64) int32_t a[8] = {}, o[8] = {};
  alignas(64) static uint8_t ws[4096];
  mtc_tensor in{a, s, 1, MTC_INT32}, out{o, s, 1, MTC_INT32};
  REQUIRE(hm->run(&in, &out, nullptr) == MTC_ERR_WORKSPACE);
  REQUIRE(hm->run(&in, &out, ws + 8) == MTC_ERR_WORKSPACE);
  REQUIRE(hm->run(&in, &out, ws) == MTC_OK);
}

TEST_CASE("unlowerable graphs are errors naming the op", "[codegen][errors]") {
  TestDiag d;
  ir::Module m = parseText(R"(
def @main(%x: Tensor[(1, 4, 4, 2), uint8], %w: Tensor[(1, 1, 2, 2), uint8]) {
  qnn.conv2d(%x, %w, 1, 2, 0.5f, 0.5f, channels=2, kernel_size=[1, 1], data_layout="NHWC",
             kernel_layout="HWIO", out_dtype="int32")
}
)", d);
  REQUIRE_FALSE(jitModule(m, d));
  REQUIRE(d.text.find("no lowering for qnn.conv2d") != std::string::npos);
  REQUIRE(d.text.find("-O1") != std::string::npos);
  REQUIRE(d.text.find("test.relay:3:3") != std::string::npos);
}

TEST_CASE("module metadata round-trips through its text form", "[codegen][meta]") {
  ModuleMeta m;
  m.name = "net";
  m.target = "llvm -mtriple=aarch64-linux-gnu -mattr=+v8.2a,+dotprod";
  m.qemuCpu = "cortex-a76";
  m.workspaceBytes = 12345;
  m.constantBytes = 77;
  m.inputs = {{"data", ir::DType::UInt8, {1, 9, 9, 8}}, {"s", ir::DType::Float32, {}}};
  m.outputs = {{"output_0", ir::DType::Int8, {1, 10}}};
  std::string err;
  auto back = ModuleMeta::parse(m.serialize(), &err);
  INFO(err);
  REQUIRE(back);
  REQUIRE(*back == m);
  REQUIRE_FALSE(ModuleMeta::parse("hello\n", &err));
  REQUIRE_FALSE(ModuleMeta::parse("mtc-module 1\ninput x int9 1\n", &err));
  REQUIRE(isValidModuleName("model_2"));
  REQUIRE_FALSE(isValidModuleName("2model"));
  REQUIRE_FALSE(isValidModuleName("a-b"));
}

TEST_CASE("scalar constants reach anchors and inline ops alike", "[codegen][graph]") {
  // At -O0 nothing folds: the constant is a kernel argument of its own.
  checkAgainstEvaluator("def @main(%x: Tensor[(4), int32]) {\n"
                        "  %0 = sum(7, axis=[]);\n  add(%x, %0)\n}", "-O0", 1, 3);
  checkAgainstEvaluator("def @main(%x: Tensor[(2, 3), int8]) {\n"
                        "  concatenate((%x, %x), axis=0)\n}", "-O0", 1, 4);
}

TEST_CASE("simple elementwise loops are vectorized", "[codegen][graph]") {
  auto hm = checkAgainstEvaluator("def @main(%x: Tensor[(4096), int8], %y: Tensor[(4096), int8]) {\n"
                                  "  %0 = add(%x, %y);\n  %1 = clip(%0, a_min=-100, a_max=100);\n"
                                  "  multiply(%1, 3i8)\n}", "-O3", 1, 5);
  REQUIRE(hm->kernels.size() == 1);
  // LLVM's loop vectorizer names the loop it produced.
  REQUIRE(hm->optimizedIr.find("vector.body") != std::string::npos);
  REQUIRE(hm->optimizedIr.find("x i8>") != std::string::npos);
}

TEST_CASE("a reduction reads an inline producer without materialising it", "[codegen][graph]") {
  // The uint8 zero-point sum of QnnCanonicalize: cast to int32, sum over the channels. The
  // cast runs inside the sum's loop (no int32 copy in the workspace), the 32- and 96-channel
  // runs are vectorized, and every shape of reduction still equals the evaluator.
  for (const char *shape : {"1, 5, 7, 3", "1, 5, 7, 32", "2, 3, 4, 96", "1, 2, 2, 200"}) {
    INFO(shape);
    auto hm = checkAgainstEvaluator(std::string("def @main(%x: Tensor[(") + shape +
                                        "), uint8]) {\n"
                                        "  %0 = cast(%x, dtype=\"int32\");\n"
                                        "  %1 = sum(%0, axis=[3], keepdims=True);\n"
                                        "  multiply(%1, 127)\n}",
                                    "-O3", 2, 11);
    REQUIRE(hm->kernels.size() == 1);
    REQUIRE(hm->meta.workspaceBytes == 0);
  }
  auto hm = checkAgainstEvaluator("def @main(%x: Tensor[(4, 32), int8]) {\n"
                                  "  %0 = cast(%x, dtype=\"int32\");\n"
                                  "  sum(%0, axis=[1])\n}", "-O3", 2, 12);
  REQUIRE(hm->optimizedIr.find("vector.body") != std::string::npos);
  // Reductions over leading dims keep the nested walk; means and max too.
  checkAgainstEvaluator("def @main(%x: Tensor[(3, 4, 5), int8]) {\n"
                        "  %0 = cast(%x, dtype=\"int32\");\n"
                        "  %1 = sum(%0, axis=[0]);\n  %2 = max(%0, axis=[1, 2]);\n"
                        "  (%1, %2)\n}", "-O3", 2, 13);
}

TEST_CASE("every registered op has a lowering, except the qnn ops the passes remove",
          "[codegen][graph]") {
  for (const auto &[name, def] : ir::OpRegistry::global().all()) {
    INFO(name);
    if (name.rfind("qnn.", 0) == 0) continue;
    REQUIRE(LoweringTable::global().find(name) != nullptr);
  }
}
