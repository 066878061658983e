// mtc — the GEMM convolution's A panel and row buffer live in the module's workspace: the
// workspace grows by exactly that scratch, the scratch of different kernels shares memory, and
// convolutions of any K use the GEMM lowering with a small stack (run under qemu with a 64 KiB
// stack and compared bit for bit with the evaluator).
// SPDX-License-Identifier: Apache-2.0
#include "gemm_conv_util.h"

#include "codegen/compile.h"
#include "ir/infer_type.h"
#include "ir/parser.h"
#include "passes/bind_params.h"
#include "passes/pass_manager.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>

using namespace mtc;
using namespace mtc::codegen;
using namespace mtc::codegen::testing;

namespace {

// Sets an environment variable for the lifetime of the object (children inherit it).
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : name_(name) {
    if (const char *old = std::getenv(name)) old_ = old;
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv &) = delete;
  ScopedEnv &operator=(const ScopedEnv &) = delete;

private:
  const char *name_;
  std::optional<std::string> old_;
};

// -O3 with `params` bound, lowered for `target` into an object file (no linker needed).
CompileResult compileObject(const std::string &text, const std::map<std::string, ir::Tensor> &params,
                            const std::string &target, const std::string &name) {
  SourceManager sm;
  DiagEngine diag(sm);
  std::string log;
  diag.captureTo(&log);
  INFO(text << "\n" << log);
  auto m = ir::parseModule(text, name + ".relay", diag);
  REQUIRE(m);
  REQUIRE(ir::inferTypes(*m, diag));
  auto bound = passes::bindParams(*m, params, diag);
  REQUIRE(bound);
  passes::PassOptions po;
  po.pipeline = passes::optLevelPipeline(3);
  const passes::Target t = targetOf(target);
  auto opt = passes::runPipeline(*bound, po, t, diag);
  REQUIRE(opt);
  const std::string dir = std::string(MTC_BINARY_DIR) + "/tests/gemm_scratch";
  std::filesystem::create_directories(dir);
  CompileOptions co;
  co.output = dir + "/" + name + "_" + t.qemuCpu() + ".o";
  co.emit = EmitFormat::Object;
  co.name = "model";
  auto res = compileToFile(*opt, t, co, diag);
  REQUIRE(res);
  return std::move(*res);
}

std::string allImpls(const CompileResult &r) {
  std::string s;
  for (const KernelSummary &k : r.kernels)
    for (const std::string &i : k.impls) s += i + "\n";
  return s;
}

ConvCase gemmOp(const char *name, int64_t ic, int64_t k, int64_t tileN, int64_t tileK) {
  ConvCase c;
  c.name = name;
  c.kind = "gemm";
  c.data = c.weight = ir::DType::Int8;
  c.h = c.w = 6;
  c.ic = ic;
  c.oc = 8;
  c.kh = c.kw = k;
  c.tileN = tileN;
  c.tileK = tileK;
  return c;
}

} // namespace

TEST_CASE("GEMM conv: the workspace holds the panel and row buffer", "[gemm][workspace]") {
  // One kernel from the input to the output: the workspace is the scratch alone.
  // Units, 4x16 tiles: K = 144, 9 blocks, panel 4 x 144 = 576 bytes.
  ConvCase units = gemmOp("scratch_units", 16, 3, 4, 16);
  CompileResult r = compileObject(units.text(), units.params(), "aarch64", units.name);
  INFO(allImpls(r));
  CHECK(allImpls(r).find("gemm_neon_4x4x16") != std::string::npos);
  CHECK(r.meta.workspaceBytes == 576);

  // Rows, 4x16 tiles: K = 45 padded to 48; panel 192, row buffer at 192: 240, rounded to 256.
  ConvCase rows = gemmOp("scratch_rows", 5, 3, 4, 16);
  r = compileObject(rows.text(), rows.params(), "aarch64", rows.name);
  CHECK(allImpls(r).find("im2col rows") != std::string::npos);
  CHECK(r.meta.workspaceBytes == 256);

  // Rows, 12x4 tiles on dotprod: K = 27 padded to 28; panel 8 x 28 = 224, row buffer at 256.
  ConvCase dot = gemmOp("scratch_rows_dotprod", 3, 3, 12, 4);
  r = compileObject(dot.text(), dot.params(), "aarch64+dotprod", dot.name);
  CHECK(allImpls(r).find("dotprod_s8_8x12x4") != std::string::npos);
  CHECK(r.meta.workspaceBytes == 320);

  // The generic host lowering needs no scratch.
  r = compileObject(units.text(), units.params(), "host", units.name);
  CHECK(r.meta.workspaceBytes == 0);
}

TEST_CASE("GEMM conv: the scratch of different kernels shares memory", "[gemm][workspace]") {
  // conv1 (3x3, K = 144, panel 576) -> int8 intermediate (1024 bytes) -> conv2 (5x5, K = 400,
  // panel 1600). Each scratch lives for its kernel only, the intermediate for both, so the
  // workspace is 1024 + max(576, 1600), not the sum of all three.
  const std::string text = R"(def @main(%data: Tensor[(1, 8, 8, 16), int8], %w1: Tensor[(3, 3, 16, 16), int8],
          %w2: Tensor[(5, 5, 16, 8), int8]) {
  %0 = nn.contrib_conv2d_gemm_weight_transform(%w1, tile_N=4, tile_K=16);
  %1 = nn.contrib_conv2d_gemm_without_weight_transform(%data, %0, padding=[1, 1, 1, 1], channels=16, kernel_size=[3, 3], data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32");
  %2 = cast(%1, dtype="int8");
  %3 = nn.contrib_conv2d_gemm_weight_transform(%w2, tile_N=4, tile_K=16);
  nn.contrib_conv2d_gemm_without_weight_transform(%2, %3, padding=[2, 2, 2, 2], channels=8, kernel_size=[5, 5], data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32")
}
)";
  const std::map<std::string, ir::Tensor> params = {
      {"w1", ir::Tensor::zeros({3, 3, 16, 16}, ir::DType::Int8)},
      {"w2", ir::Tensor::zeros({5, 5, 16, 8}, ir::DType::Int8)}};
  CompileResult r = compileObject(text, params, "aarch64", "two_convs");
  INFO(allImpls(r));
  REQUIRE(r.kernels.size() == 2);
  CHECK(r.plan.unsharedBytes == 1024 + 576 + 1600);
  CHECK(r.meta.workspaceBytes == 1024 + 1600);
  // On the host the intermediate is all there is.
  CHECK(compileObject(text, params, "host", "two_convs").meta.workspaceBytes == 1024);
}

// K = 36864 (and 36855 with Rows packing): above the 32768 that the A panel's old 256 KiB stack
// allocation allowed for 8-row tiles, and a 144 KiB panel for 4-row tiles, which used to be on
// the stack. qemu runs the guest with a 64 KiB stack (QEMU_STACK_SIZE); the lowering must
// still be the GEMM one and the result bit-exact.
TEST_CASE("GEMM conv: any K on a 64 KiB stack", "[gemm][qemu]") {
  ConvCase units;
  units.name = "large_k_units_mixed";
  units.kind = "qnn";
  units.data = ir::DType::UInt8;
  units.weight = ir::DType::Int8;
  units.h = units.w = 3;
  units.ic = 4096;
  units.oc = 13;
  units.pad = {1, 1, 1, 1};
  units.dataZp = 128;
  units.perChannel = true;
  units.out = "uint8";
  units.outZp = 3;

  ConvCase rows;
  rows.name = "large_k_rows_u8_int32";
  rows.kind = "nn";
  rows.data = rows.weight = ir::DType::UInt8;
  rows.h = 4;
  rows.w = 3;
  rows.ic = 4095;
  rows.oc = 7;
  rows.pad = {1, 0, 1, 2};

  const ScopedEnv stack("QEMU_STACK_SIZE", "65536");
  for (const char *target : {"aarch64", "aarch64+dotprod", "aarch64+i8mm"}) {
    for (const ConvCase *c : {&units, &rows}) {
      DYNAMIC_SECTION(target << " " << c->name) {
        const std::string t = target;
        const std::string su = c->weight == ir::DType::Int8 ? "s8" : "u8";
        const std::string kernel = t == "aarch64"           ? "neon_" + su + "_4x4x16"
                                   : t == "aarch64+dotprod" ? "dotprod_" + su + "_8x12x4"
                                                            : "i8mm_" + su + "_8x12x8";
        RunOutcome r = checkOnTarget(*c, targetOf(target), 1);
        std::string all;
        for (const std::string &i : r.impls) all += i + "\n";
        INFO(all);
        CHECK(all.find("gemm_") != std::string::npos);
        CHECK(all.find("(" + kernel + ", ") != std::string::npos);
        CHECK(all.find(c == &rows ? "im2col rows" : "im2col units") != std::string::npos);
      }
    }
  }
}
