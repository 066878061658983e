// mtc — FoldConstant and bindParams tests.
// SPDX-License-Identifier: Apache-2.0
#include "pass_test_util.h"

#include "ir/builder.h"
#include "ir/eval.h"
#include "passes/bind_params.h"

using mtc::testutil::countOp;
using mtc::testutil::PassFixture;

namespace {

mtc::ir::Tensor iota(mtc::ir::Shape shape, mtc::ir::DType dt, int64_t mul, int64_t add) {
  mtc::ir::Tensor t = mtc::ir::Tensor::zeros(std::move(shape), dt);
  for (int64_t i = 0; i < t.numElements(); ++i) t.setInt(i, i * mul + add);
  return t;
}

const mtc::ir::ConstantNode *constantArg(const mtc::ir::Module &m, const std::string &op,
                                         size_t arg) {
  for (mtc::ir::Expr e : mtc::ir::postOrder(m.main()))
    if (mtc::ir::isOpCall(e, op))
      return mtc::ir::dyn<mtc::ir::ConstantNode>(
          static_cast<const mtc::ir::CallNode *>(e)->args.at(arg));
  return nullptr;
}

} // namespace

TEST_CASE("FoldConstant: scalar arithmetic, tuples and projections", "[passes][fold]") {
  const char *text = R"(
def @main(%x: Tensor[(4), int32]) {
  %0 = add(3, 4);
  %1 = multiply(%0, -2);
  %2 = (%1, 5);
  %3 = %2.0;
  %4 = add(%x, %3);
  %5 = subtract(%x, %x);
  (%4, %5)
}
)";
  const char *expected = R"(
def @main(%x: Tensor[(4), int32]) {
  %0 = add(%x, -14);
  %1 = subtract(%x, %x);
  (%0, %1)
}
)";
  PassFixture f;
  mtc::passes::PipelineLog log;
  mtc::ir::Module out = f.runOk(f.parse(text), {"FoldConstant"}, "host", &log);
  f.checkEqual(out, expected);
  CHECK(log.allReports() ==
        std::vector<std::string>{"FoldConstant: 2 calls folded, 1 tuple projections"});
}

TEST_CASE("FoldConstant: the weight transform of bound weights vanishes", "[passes][fold]") {
  const char *text = R"(
def @main(%x: Tensor[(1, 6, 6, 5), int8], %w: Tensor[(3, 3, 5, 7), int8]) {
  %0 = nn.conv2d(%x, %w, data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32");
  %1 = cast(%w, dtype="int32");
  %2 = sum(%1, axis=[0, 1, 2]);
  %3 = multiply(%2, 3);
  subtract(%0, %3)
}
)";
  PassFixture f;
  mtc::ir::Module m = f.parse(text);
  mtc::ir::Tensor w = iota({3, 3, 5, 7}, mtc::ir::DType::Int8, 7, -100);
  std::optional<mtc::ir::Module> bound = mtc::passes::bindParams(m, {{"w", w}}, f.diag);
  INFO(f.errors);
  REQUIRE(bound);
  REQUIRE(bound->main()->params.size() == 1);

  mtc::passes::PipelineLog log;
  mtc::ir::Module out =
      f.runOk(*bound, {"InferType", "FoldConstant", "AlterOpLayout", "FoldConstant"},
              "aarch64+dotprod", &log);
  // The transform and the weight-sum term are constants now; the conv on %x is not.
  CHECK(countOp(out, "nn.contrib_conv2d_gemm_weight_transform") == 0);
  CHECK(countOp(out, "sum") == 0);
  CHECK(countOp(out, "cast") == 0);
  CHECK(countOp(out, "multiply") == 0);
  CHECK(countOp(out, "nn.contrib_conv2d_gemm_without_weight_transform") == 1);
  CHECK(countOp(out, "subtract") == 1);
  const mtc::ir::ConstantNode *packed =
      constantArg(out, "nn.contrib_conv2d_gemm_without_weight_transform", 1);
  REQUIRE(packed);
  // K = 45 -> 48 (tile_K 4), N = 7 -> 12 (tile_N 12).
  CHECK(packed->value.type().str() == "Tensor[(1, 12, 12, 4), int8]");
  // Closed form of the packing: B'[nb, kb, ni, ki] = W[h, w, c, o] with k = kb*4 + ki.
  const mtc::ir::Tensor &pv = packed->value;
  for (int64_t kb = 0; kb < 12; ++kb)
    for (int64_t ni = 0; ni < 12; ++ni)
      for (int64_t ki = 0; ki < 4; ++ki) {
        int64_t k = kb * 4 + ki, o = ni;
        int64_t want = 0;
        if (k < 45 && o < 7) {
          int64_t h = (k / 5) / 3, wi = (k / 5) % 3, c = k % 5;
          want = w.intAt(((h * 3 + wi) * 5 + c) * 7 + o);
        }
        CHECK(pv.intAt((kb * 12 + ni) * 4 + ki) == want);
      }
  std::vector<std::string> reports = log.allReports();
  REQUIRE(reports.size() == 3);
  CHECK(reports[0] == "FoldConstant: 3 calls folded");
  CHECK(reports[1] == "AlterOpLayout: 1 conv2d rewritten (gemm_dotprod_8x12x4)");
  CHECK(reports[2] == "FoldConstant: 1 call folded");

  // Same values as the unbound, unfolded model.
  mtc::ir::Tensor x = iota({1, 6, 6, 5}, mtc::ir::DType::Int8, 13, -128);
  auto want = mtc::ir::evaluate(m, {{"x", x}, {"w", w}}, f.diag);
  auto got = mtc::ir::evaluate(out, {{"x", x}}, f.diag);
  REQUIRE(want);
  REQUIRE(got);
  CHECK(want->tensor.bitEqual(got->tensor));
}

TEST_CASE("FoldConstant: non-constant parts and zero-argument ops stay", "[passes][fold]") {
  const char *text = R"(
def @main(%x: Tensor[(1, 4, 4, 3), uint8], %w: Tensor[(1, 1, 3, 2), uint8]) {
  %0 = nn.contrib_conv2d_gemm_weight_transform(%w, tile_N=4, tile_K=16);
  nn.contrib_conv2d_gemm_without_weight_transform(%x, %0, channels=2, kernel_size=[1, 1],
      data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32")
}
)";
  PassFixture f;
  mtc::passes::PipelineLog log;
  mtc::ir::Module m = f.parse(text);
  mtc::ir::Module out = f.runOk(m, {"FoldConstant"}, "aarch64", &log);
  f.checkEqual(out, text);
  CHECK(log.allReports() == std::vector<std::string>{"FoldConstant: 0 calls folded"});
}

TEST_CASE("bindParams: errors name the parameter", "[passes][bind_params]") {
  PassFixture f;
  mtc::ir::Module m = f.parse(R"(
def @main(%x: Tensor[(2), int8], %w: Tensor[(3, 2), int8]) {
  (%x, %w)
}
)");
  CHECK_FALSE(mtc::passes::bindParams(m, {{"v", iota({3, 2}, mtc::ir::DType::Int8, 1, 0)}},
                                      f.diag));
  CHECK(f.errors.find("bound parameter 'v' is not a parameter of @main (parameters: x, w)") !=
        std::string::npos);
  CHECK_FALSE(mtc::passes::bindParams(m, {{"w", iota({2, 3}, mtc::ir::DType::Int8, 1, 0)}},
                                      f.diag));
  CHECK(f.errors.find("parameter 'w' of @main has type Tensor[(3, 2), int8], but the bound "
                      "value is Tensor[(2, 3), int8]") != std::string::npos);
  CHECK_FALSE(mtc::passes::bindParams(m, {{"w", iota({3, 2}, mtc::ir::DType::UInt8, 1, 0)}},
                                      f.diag));
  CHECK(f.errors.find("but the bound value is Tensor[(3, 2), uint8]") != std::string::npos);

  auto ok = mtc::passes::bindParams(m, {{"w", iota({3, 2}, mtc::ir::DType::Int8, 1, 0)}}, f.diag);
  REQUIRE(ok);
  REQUIRE(ok->main()->params.size() == 1);
  CHECK(ok->main()->params[0]->name == "x");
  // The input module is untouched.
  CHECK(m.main()->params.size() == 2);
}
