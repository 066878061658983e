// mtc — pass manager tests: pipeline specs, order errors, dumps that re-parse, reports, timings,
// DeadCodeElimination and SimplifyExpr.
// SPDX-License-Identifier: Apache-2.0
#include "pass_test_util.h"

#include "ir/eval.h"
#include "passes/bind_params.h"
#include "passes/pass.h"

using mtc::testutil::countOp;
using mtc::testutil::PassFixture;

namespace {

// The spec's example: a quantized conv + bias + requantize, weights as parameters.
const char *kQnnModel = R"(
def @main(%data: Tensor[(1, 12, 12, 16), uint8], %weight: Tensor[(3, 3, 16, 8), uint8],
          %bias: Tensor[(8), int32]) -> Tensor[(1, 12, 12, 8), uint8] {
  %0 = qnn.conv2d(%data, %weight, 128, 119, 0.0235f, 0.0113f, padding=[1, 1, 1, 1],
                  channels=8, kernel_size=[3, 3], data_layout="NHWC", kernel_layout="HWIO",
                  out_dtype="int32");
  %1 = nn.bias_add(%0, %bias, axis=3);
  %2 = qnn.requantize(%1, 0.000265555f, 0, 0.0471f, 128, rounding="UPWARD", out_dtype="uint8");
  %2
}
)";

// Splits a dump stream into (header line, module text) pieces.
std::vector<std::pair<std::string, std::string>> splitDumps(const std::string &s) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while ((pos = s.find("// IR ", pos)) != std::string::npos) {
    size_t eol = s.find('\n', pos);
    size_t next = s.find("// IR ", eol);
    out.emplace_back(s.substr(pos, eol - pos),
                     s.substr(eol + 1, (next == std::string::npos ? s.size() : next) - eol - 1));
    pos = eol;
  }
  return out;
}

} // namespace

TEST_CASE("pass manager: registry and pipeline specs", "[passes][pass_manager]") {
  for (const char *name : {"InferType", "QnnLegalize", "QnnCanonicalize", "Legalize",
                           "AlterOpLayout", "FoldConstant", "FuseOps", "DeadCodeElimination",
                           "SimplifyExpr"}) {
    INFO(name);
    const mtc::passes::PassInfo *p = mtc::passes::findPass(name);
    REQUIRE(p);
    CHECK(p->name == name);
    CHECK_FALSE(p->summary.empty());
  }
  CHECK(mtc::passes::findPass("Nope") == nullptr);

  PassFixture f;
  using V = std::vector<std::string>;
  CHECK(*mtc::passes::parsePipelineSpec("-O0", f.diag) == V{"InferType"});
  CHECK(*mtc::passes::parsePipelineSpec("-O1", f.diag) ==
        V{"InferType", "QnnLegalize", "QnnCanonicalize", "Legalize", "DeadCodeElimination"});
  CHECK(*mtc::passes::parsePipelineSpec("-O3", f.diag) ==
        V{"InferType", "QnnLegalize", "QnnCanonicalize", "Legalize", "FoldConstant",
          "SimplifyExpr", "AlterOpLayout", "FoldConstant", "FuseOps", "DeadCodeElimination"});
  CHECK(*mtc::passes::parsePipelineSpec("O2", f.diag) == mtc::passes::optLevelPipeline(2));
  CHECK(*mtc::passes::parsePipelineSpec(" InferType, FoldConstant ,FuseOps", f.diag) ==
        V{"InferType", "FoldConstant", "FuseOps"});
  CHECK(f.errors.empty());
  // Every named pipeline passes its own order check.
  for (int level = 0; level <= 3; ++level)
    CHECK(mtc::passes::checkPipelineOrder(mtc::passes::optLevelPipeline(level), f.diag));
}

TEST_CASE("pass manager: unknown passes and impossible orders", "[passes][pass_manager]") {
  struct Row {
    const char *spec, *message;
  };
  const Row rows[] = {
      {"InferType,FoldConstnat",
       "unknown pass 'FoldConstnat' in pipeline (valid passes: InferType, QnnLegalize"},
      {"InferType,,FuseOps", "empty pass name in pipeline"},
      {"-O4", "unknown optimisation level '-O4'"},
      {"FuseOps,FoldConstant",
       "impossible pass order: FoldConstant after FuseOps (only InferType and "
       "DeadCodeElimination can run on fused IR)"},
      {"FuseOps,FuseOps", "impossible pass order: FuseOps after FuseOps"},
      {"QnnCanonicalize,QnnLegalize", "impossible pass order: QnnLegalize after QnnCanonicalize"},
  };
  for (const Row &r : rows) {
    INFO(r.spec);
    PassFixture f;
    CHECK_FALSE(mtc::passes::parsePipelineSpec(r.spec, f.diag));
    CHECK(f.errors.find(r.message) != std::string::npos);
    CHECK(f.errors.find("error: ") != std::string::npos);
  }
  PassFixture f;
  CHECK(mtc::passes::parsePipelineSpec("FuseOps,DeadCodeElimination,InferType", f.diag));
  CHECK_FALSE(mtc::passes::parsePassNameSet("AlterOpLayout,Fold", f.diag, "--print-ir-after"));
  CHECK(f.errors.find("unknown pass 'Fold' in --print-ir-after") != std::string::npos);
  CHECK(mtc::passes::parsePassNameSet("all", f.diag, "--print-ir-after")->size() ==
        mtc::passes::allPasses().size());
}

TEST_CASE("pass manager: preconditions name the pass and the node", "[passes][pass_manager]") {
  SECTION("AlterOpLayout before QnnCanonicalize") {
    PassFixture f;
    mtc::ir::Module m = f.parse(kQnnModel, "model.relay");
    CHECK_FALSE(f.run(m, {"InferType", "AlterOpLayout"}));
    CHECK(f.errors.find("model.relay:4:8: error: AlterOpLayout needs qnn.conv2d lowered") !=
          std::string::npos);
    CHECK(f.errors.find("run QnnCanonicalize before AlterOpLayout") != std::string::npos);
  }
  SECTION("FuseOps with QNN ops left") {
    PassFixture f;
    mtc::ir::Module m = f.parse(kQnnModel, "model.relay");
    CHECK_FALSE(f.run(m, {"FuseOps"}));
    CHECK(f.errors.find("FuseOps needs QNN ops lowered, but this qnn.conv2d remains") !=
          std::string::npos);
  }
  SECTION("a fused module given as input") {
    PassFixture f;
    mtc::ir::Module m = f.parse(R"(
def @main(%x: Tensor[(4), int32]) {
  %0 = fn (%p0: Tensor[(4), int32], Primitive=1) -> Tensor[(4), int32] {
    add(%p0, 1)
  };
  %0(%x)
}
)");
    CHECK_FALSE(f.run(m, {"FoldConstant"}));
    CHECK(f.errors.find("FoldConstant cannot run on fused IR") != std::string::npos);
    CHECK(f.run(m, {"InferType", "DeadCodeElimination"}));
  }
  SECTION("a model that does not type-check") {
    PassFixture f;
    std::optional<mtc::ir::Module> m = mtc::ir::parseModule(R"(
def @main(%x: Tensor[(4), int32], %y: Tensor[(5), int32]) {
  add(%x, %y)
}
)", "bad.relay", f.diag);
    REQUIRE(m);
    CHECK_FALSE(f.run(*m, {"InferType"}));
    CHECK(f.errors.find("bad.relay:3:3: error: add") != std::string::npos);
  }
}

TEST_CASE("pass manager: -O3 dumps re-parse and reports say what changed",
          "[passes][pass_manager]") {
  for (const char *target : {"host", "aarch64", "aarch64+dotprod", "aarch64+i8mm"}) {
    INFO(target);
    PassFixture f;
    mtc::ir::Module m = f.parse(kQnnModel);
    mtc::passes::PassOptions opts;
    opts.printBeforeAll = true;
    opts.printAfterAll = true;
    opts.printPassTimes = true;
    mtc::passes::PipelineLog log;
    std::optional<mtc::ir::Module> out =
        f.run(m, mtc::passes::optLevelPipeline(3), target, &log, opts);
    INFO(f.errors);
    REQUIRE(out);

    auto dumps = splitDumps(f.dumps.str());
    REQUIRE(dumps.size() == 2 * mtc::passes::optLevelPipeline(3).size());
    CHECK(dumps.front().first == "// IR before InferType");
    CHECK(dumps.back().first == "// IR after DeadCodeElimination");
    for (const auto &[header, text] : dumps) {
      INFO(header);
      // The timing table follows the last dump; cut it off.
      std::string body = text.substr(0, text.find("Pass    "));
      PassFixture g;
      mtc::ir::Module re = g.parse(body, "dump.relay");
      CHECK(mtc::ir::printModule(re) == body);
    }
    // The final module is the last dump.
    CHECK(mtc::ir::printModule(*out) ==
          dumps.back().second.substr(0, dumps.back().second.find("Pass    ")));
    // Reports: one or more per pass (InferType reports nothing).
    std::vector<std::string> reports = log.allReports();
    auto has = [&](const std::string &prefix) {
      for (const std::string &r : reports)
        if (r.rfind(prefix, 0) == 0) return true;
      return false;
    };
    CHECK(has("FoldConstant: "));
    CHECK(has("FuseOps: "));
    CHECK(has("DeadCodeElimination: 0 functions removed"));
    bool aarch64 = std::string(target) != "host";
    CHECK(has(aarch64 ? "AlterOpLayout: 1 conv2d rewritten (gemm_"
                      : "AlterOpLayout: 0 conv2d rewritten, 1 left generic"));
    CHECK(countOp(*out, "nn.contrib_conv2d_gemm_without_weight_transform") == (aarch64 ? 1 : 0));
    // Weights are parameters here: the transform stays (it is not constant).
    CHECK(countOp(*out, "nn.contrib_conv2d_gemm_weight_transform") == (aarch64 ? 1 : 0));
    CHECK(countOp(*out, "qnn.conv2d") == 0);
    CHECK(f.dumps.str().find("Pass                    Time (ms)") != std::string::npos);
    CHECK(f.dumps.str().find("FuseOps   ") != std::string::npos);
  }
}

TEST_CASE("pass manager: print before/after selected passes", "[passes][pass_manager]") {
  PassFixture f;
  mtc::ir::Module m = f.parse(kQnnModel);
  mtc::passes::PassOptions opts;
  opts.printBefore = {"AlterOpLayout"};
  opts.printAfter = {"AlterOpLayout", "FoldConstant"};
  opts.printReports = true;
  REQUIRE(f.run(m, mtc::passes::optLevelPipeline(2), "aarch64", nullptr, opts));
  auto dumps = splitDumps(f.dumps.str());
  std::vector<std::string> headers;
  for (auto &d : dumps) headers.push_back(d.first);
  CHECK(headers ==
        std::vector<std::string>{"// IR after FoldConstant", "// IR before AlterOpLayout",
                                 "// IR after AlterOpLayout", "// IR after FoldConstant"});
  CHECK(f.dumps.str().find("// AlterOpLayout: 1 conv2d rewritten (gemm_neon_4x4x16)") !=
        std::string::npos);
}

TEST_CASE("pass manager: the pipeline keeps the model's values", "[passes][pass_manager]") {
  PassFixture f;
  mtc::ir::Module m = f.parse(kQnnModel);
  std::map<std::string, mtc::ir::Tensor> in;
  mtc::ir::Tensor data = mtc::ir::Tensor::zeros({1, 12, 12, 16}, mtc::ir::DType::UInt8);
  mtc::ir::Tensor weight = mtc::ir::Tensor::zeros({3, 3, 16, 8}, mtc::ir::DType::UInt8);
  mtc::ir::Tensor bias = mtc::ir::Tensor::zeros({8}, mtc::ir::DType::Int32);
  for (int64_t i = 0; i < data.numElements(); ++i) data.setInt(i, (i * 37 + 11) % 256);
  for (int64_t i = 0; i < weight.numElements(); ++i) weight.setInt(i, (i * 91 + 5) % 256);
  for (int64_t i = 0; i < bias.numElements(); ++i) bias.setInt(i, i * 1000 - 3000);
  in = {{"data", data}, {"weight", weight}, {"bias", bias}};
  auto want = mtc::ir::evaluate(m, in, f.diag);
  REQUIRE(want);
  for (const char *target : {"host", "aarch64", "aarch64+dotprod", "aarch64+i8mm"})
    for (int level = 0; level <= 3; ++level) {
      INFO(target << " -O" << level);
      mtc::ir::Module out = f.runOk(m, mtc::passes::optLevelPipeline(level), target);
      auto got = mtc::ir::evaluate(out, in, f.diag);
      INFO(f.errors);
      REQUIRE(got);
      CHECK(got->tensor.bitEqual(want->tensor));
    }
}

TEST_CASE("DeadCodeElimination: unreachable functions go, @main's signature stays",
          "[passes][dce]") {
  const char *text = R"(
def @helper(%a: Tensor[(4), int32]) -> Tensor[(4), int32] {
  add(%a, %a)
}
def @unused(%a: Tensor[(4), int32]) -> Tensor[(4), int32] {
  multiply(%a, 3)
}
def @unused2(%a: Tensor[(4), int32]) -> Tensor[(4), int32] {
  @unused(%a)
}
def @main(%x: Tensor[(4), int32], %unused_param: Tensor[(2), int8]) -> Tensor[(4), int32] {
  @helper(%x)
}
)";
  const char *expected = R"(
def @helper(%a: Tensor[(4), int32]) -> Tensor[(4), int32] {
  add(%a, %a)
}
def @main(%x: Tensor[(4), int32], %unused_param: Tensor[(2), int8]) -> Tensor[(4), int32] {
  @helper(%x)
}
)";
  PassFixture f;
  mtc::passes::PipelineLog log;
  mtc::ir::Module out = f.runOk(f.parse(text), {"DeadCodeElimination"}, "host", &log);
  f.checkEqual(out, expected);
  CHECK(log.allReports() == std::vector<std::string>{"DeadCodeElimination: 2 functions removed "
                                                     "(@unused, @unused2)"});
}

TEST_CASE("SimplifyExpr: exact identities only", "[passes][simplify]") {
  const char *text = R"(
def @main(%x: Tensor[(2, 6), int8], %y: Tensor[(2, 6), int32], %f: Tensor[(2, 6), float32],
          %b: Tensor[(6), int32]) {
  %0 = cast(%x, dtype="int8");
  %1 = cast(%0, dtype="int32");
  %2 = cast(%1, dtype="int16");
  %3 = add(%y, 0);
  %4 = multiply(1, %3);
  %5 = subtract(%4, 0);
  %6 = right_shift(%5, 0);
  %7 = clip(%2, a_min=-32768f, a_max=32767f);
  %8 = reshape(%7, newshape=[3, 4]);
  %9 = reshape(%8, newshape=[12]);
  %10 = reshape(%9, newshape=[12]);
  %11 = add(%f, 0f);
  %12 = cast(%y, dtype="int8");
  %13 = cast(%12, dtype="int32");
  %14 = add(%y, %b);
  %15 = clip(%y, a_min=0f, a_max=255f);
  (%10, %6, %11, %13, %14, %15)
}
)";
  // Not simplified: float add 0 (-0.0), a narrowing cast chain, a broadcasting add of a
  // non-constant, a clip that does clip.
  const char *expected = R"(
def @main(%x: Tensor[(2, 6), int8], %y: Tensor[(2, 6), int32], %f: Tensor[(2, 6), float32],
          %b: Tensor[(6), int32]) {
  %0 = cast(%x, dtype="int16");
  %1 = reshape(%0, newshape=[12]);
  %2 = add(%f, 0f);
  %3 = cast(%y, dtype="int8");
  %4 = cast(%3, dtype="int32");
  %5 = add(%y, %b);
  %6 = clip(%y, a_min=0f, a_max=255f);
  (%1, %y, %2, %4, %5, %6)
}
)";
  PassFixture f;
  mtc::passes::PipelineLog log;
  mtc::ir::Module m = f.parse(text);
  mtc::ir::Module out = f.runOk(m, {"SimplifyExpr"}, "host", &log);
  f.checkEqual(out, expected);
  REQUIRE(log.allReports().size() == 1);
  CHECK(log.allReports()[0].rfind("SimplifyExpr: 9 rewrites (", 0) == 0);
}

TEST_CASE("SimplifyExpr: constant offsets (zero-point terms and bias) combine",
          "[passes][simplify]") {
  const char *text = R"(
def @main(%x: Tensor[(1, 2, 2, 3), int32], %c1: Tensor[(3), int32], %c2: Tensor[(3), int32],
          %c3: Tensor[(2), int32]) {
  %0 = add(%x, %c1);
  %1 = nn.bias_add(%0, %c2, axis=3);
  %2 = add(%c1, %x);
  %3 = nn.bias_add(%2, %c3, axis=1);
  %4 = add(%x, %c2);
  %5 = add(%4, %c1);
  %6 = subtract(%x, 146);
  %7 = add(%6, 146);
  %8 = subtract(%x, %c1);
  %9 = subtract(%8, %c2);
  (%1, %3, %5, %4, %7, %9)
}
)";
  // %1 merges into one add; %3 is a bias on axis 1 (not a last-axis offset); %4 has two users;
  // (x - 146) + 146 is x; two subtractions stay one subtraction.
  const char *expected = R"(
def @main(%x: Tensor[(1, 2, 2, 3), int32], %c1: Tensor[(3), int32], %c2: Tensor[(3), int32],
          %c3: Tensor[(2), int32], %c12: Tensor[(3), int32]) {
  %0 = add(%x, %c12);
  %1 = add(%c1, %x);
  %2 = nn.bias_add(%1, %c3, axis=1);
  %3 = add(%x, %c2);
  %4 = add(%3, %c1);
  %5 = subtract(%x, %c12);
  (%0, %2, %4, %3, %x, %5)
}
)";
  auto vec = [](std::vector<int64_t> v) {
    mtc::ir::Tensor t = mtc::ir::Tensor::zeros({static_cast<int64_t>(v.size())},
                                               mtc::ir::DType::Int32);
    for (size_t i = 0; i < v.size(); ++i) t.setInt(static_cast<int64_t>(i), v[i]);
    return t;
  };
  // c1 + c2 wraps in its last element, exactly as the evaluator's add does.
  std::map<std::string, mtc::ir::Tensor> consts{{"c1", vec({1, 2, 2147483647})},
                                                {"c2", vec({-5, 7, 1})},
                                                {"c3", vec({100, -100})}};
  PassFixture f;
  mtc::ir::Module m = *mtc::passes::bindParams(f.parse(text), consts, f.diag);
  consts["c12"] = vec({-4, 9, -2147483648LL});
  mtc::ir::Module want = *mtc::passes::bindParams(f.parse(expected), consts, f.diag);
  mtc::passes::PipelineLog log;
  mtc::ir::Module out = f.runOk(m, {"SimplifyExpr"}, "host", &log);
  std::string why;
  bool eq = mtc::ir::structurallyEqual(out, want, &why);
  INFO(why << "\n" << mtc::ir::printModule(out));
  CHECK(eq);
  CHECK(log.allReports() ==
        std::vector<std::string>{"SimplifyExpr: 3 rewrites (constant offsets combined: 3)"});

  mtc::ir::Tensor x = mtc::ir::Tensor::zeros({1, 2, 2, 3}, mtc::ir::DType::Int32);
  for (int64_t i = 0; i < x.numElements(); ++i) x.setInt(i, i * 1000003 - 5);
  auto a = mtc::ir::evaluate(m, {{"x", x}}, f.diag), b = mtc::ir::evaluate(out, {{"x", x}}, f.diag);
  REQUIRE(a);
  REQUIRE(b);
  auto fa = mtc::ir::flattenOutputs(*a), fb = mtc::ir::flattenOutputs(*b);
  REQUIRE(fa.size() == fb.size());
  for (size_t i = 0; i < fa.size(); ++i) CHECK(fa[i].bitEqual(fb[i]));
}

TEST_CASE("SimplifyExpr: value ranges remove requantize round trips", "[passes][simplify]") {
  // Two requantize lowerings back to back (as QnnCanonicalize writes them): the uint8 cast of a
  // value already clipped to [0, 255] and the cast back are exact, the offsets cancel.
  const char *text = R"(
def @main(%x: Tensor[(1, 4, 4, 8), int32]) {
  %0 = clip(%x, a_min=-146f, a_max=109f);
  %1 = add(%0, 146);
  %2 = cast(%1, dtype="uint8");
  %3 = cast(%2, dtype="int32");
  %4 = subtract(%3, 146);
  %5 = add(%4, 146);
  %6 = clip(%5, a_min=0f, a_max=255f);
  %7 = cast(%6, dtype="uint8");
  %8 = cast(%x, dtype="uint8");
  %9 = cast(%8, dtype="int32");
  %10 = clip(%9, a_min=-5f, a_max=300f);
  (%7, %10)
}
)";
  // %9 keeps its casts (x is any int32) but its clip cannot clip a uint8 value.
  const char *expected = R"(
def @main(%x: Tensor[(1, 4, 4, 8), int32]) {
  %0 = clip(%x, a_min=-146f, a_max=109f);
  %1 = add(%0, 146);
  %2 = cast(%1, dtype="uint8");
  %3 = cast(%x, dtype="uint8");
  %4 = cast(%3, dtype="int32");
  (%2, %4)
}
)";
  PassFixture f;
  mtc::ir::Module m = f.parse(text);
  mtc::passes::PipelineLog log;
  mtc::ir::Module out = f.runOk(m, {"SimplifyExpr"}, "host", &log);
  f.checkEqual(out, expected);
  REQUIRE(log.allReports().size() == 1);
  CHECK(log.allReports()[0] == "SimplifyExpr: 4 rewrites (cast of an exact cast: 1, clip that "
                               "cannot clip: 2, constant offsets combined: 1)");
  mtc::ir::Tensor x = mtc::ir::Tensor::zeros({1, 4, 4, 8}, mtc::ir::DType::Int32);
  for (int64_t i = 0; i < x.numElements(); ++i) x.setInt(i, i * 7919 - 500);
  auto a = mtc::ir::evaluate(m, {{"x", x}}, f.diag), b = mtc::ir::evaluate(out, {{"x", x}}, f.diag);
  REQUIRE(a);
  REQUIRE(b);
  auto fa = mtc::ir::flattenOutputs(*a), fb = mtc::ir::flattenOutputs(*b);
  for (size_t i = 0; i < fa.size(); ++i) CHECK(fa[i].bitEqual(fb[i]));
}
