// mtc — FuseOps tests: anchors with their epilogues, boundaries, constants, values kept.
// SPDX-License-Identifier: Apache-2.0
#include "pass_test_util.h"

#include "ir/eval.h"
#include "passes/bind_params.h"

using mtc::testutil::countOp;
using mtc::testutil::PassFixture;

namespace {

// What QnnCanonicalize + AlterOpLayout leave for conv + bias + requantize (zero points folded).
const char *kConvEpilogue = R"(
def @main(%x: Tensor[(1, 8, 8, 16), int8], %w: Tensor[(1, 1, 16, 8), int8],
          %bias: Tensor[(8), int32]) {
  %0 = nn.conv2d(%x, %w, data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32");
  %1 = nn.bias_add(%0, %bias, axis=3);
  %2 = fixed_point_multiply(%1, multiplier=1234567890, shift=-5);
  %3 = add(%2, 3);
  %4 = clip(%3, a_min=-128f, a_max=127f);
  cast(%4, dtype="int8")
}
)";

const char *kConvEpilogueFused = R"(
def @main(%x: Tensor[(1, 8, 8, 16), int8], %w: Tensor[(1, 1, 16, 8), int8],
          %bias: Tensor[(8), int32]) {
  %0 = fn (%p0: Tensor[(1, 8, 8, 16), int8], %p1: Tensor[(1, 1, 16, 8), int8],
           %p2: Tensor[(8), int32], Primitive=1) -> Tensor[(1, 8, 8, 8), int8] {
    %0 = nn.conv2d(%p0, %p1, data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32");
    %1 = nn.bias_add(%0, %p2, axis=3);
    %2 = fixed_point_multiply(%1, multiplier=1234567890, shift=-5);
    %3 = add(%2, 3);
    %4 = clip(%3, a_min=-128f, a_max=127f);
    cast(%4, dtype="int8")
  };
  %0(%x, %w, %bias)
}
)";

} // namespace

TEST_CASE("FuseOps: conv + bias_add + requantize epilogue is one kernel", "[passes][fuse]") {
  PassFixture f;
  mtc::passes::PipelineLog log;
  mtc::ir::Module m = f.parse(kConvEpilogue);
  mtc::ir::Module out = f.runOk(m, {"FuseOps"}, "host", &log);
  f.checkEqual(out, kConvEpilogueFused);
  CHECK(log.allReports() ==
        std::vector<std::string>{"FuseOps: 1 group (largest: nn.conv2d + 5 ops)"});
}

TEST_CASE("FuseOps: group boundaries", "[passes][fuse]") {
  // %5 has two consumers, so the conv's group ends there; the zero-point term is a reduction
  // with its cast prologue and multiply epilogue; the injective reshape starts an anchor-free
  // chain; the weight transform is opaque; the scalar constants stay inside, the tensor
  // constant %k (bound below) becomes a parameter.
  const char *text = R"(
def @main(%x: Tensor[(1, 6, 6, 4), uint8], %w: Tensor[(1, 1, 4, 4), uint8],
          %y: Tensor[(1, 6, 6, 4), int32], %k: Tensor[(36, 4), int32]) {
  %0 = nn.contrib_conv2d_gemm_weight_transform(%w, tile_N=4, tile_K=16);
  %1 = nn.contrib_conv2d_gemm_without_weight_transform(%x, %0, channels=4, kernel_size=[1, 1],
      data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32");
  %2 = cast(%x, dtype="int32");
  %3 = sum(%2, axis=[3], keepdims=True);
  %4 = multiply(%3, 7);
  %5 = subtract(%1, %4);
  %6 = add(%5, %y);
  %7 = multiply(%5, 2);
  %8 = reshape(%7, newshape=[36, 4]);
  %9 = add(%8, %k);
  (%6, %9)
}
)";
  const char *expected = R"(
def @main(%x: Tensor[(1, 6, 6, 4), uint8], %w: Tensor[(1, 1, 4, 4), uint8],
          %y: Tensor[(1, 6, 6, 4), int32], %k: Tensor[(36, 4), int32]) {
  %0 = fn (%p0: Tensor[(1, 6, 6, 4), uint8], Primitive=1) -> Tensor[(1, 6, 6, 1), int32] {
    %0 = cast(%p0, dtype="int32");
    %1 = sum(%0, axis=[3], keepdims=True);
    multiply(%1, 7)
  };
  %1 = %0(%x);
  %2 = fn (%p0: Tensor[(1, 1, 4, 4), uint8], Primitive=1) -> Tensor[(1, 1, 4, 16), uint8] {
    nn.contrib_conv2d_gemm_weight_transform(%p0, tile_N=4, tile_K=16)
  };
  %3 = %2(%w);
  %4 = fn (%p0: Tensor[(1, 6, 6, 4), uint8], %p1: Tensor[(1, 1, 4, 16), uint8],
           %p2: Tensor[(1, 6, 6, 1), int32], Primitive=1) -> Tensor[(1, 6, 6, 4), int32] {
    %0 = nn.contrib_conv2d_gemm_without_weight_transform(%p0, %p1, channels=4,
        kernel_size=[1, 1], data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32");
    subtract(%0, %p2)
  };
  %5 = %4(%x, %3, %1);
  %6 = fn (%p0: Tensor[(1, 6, 6, 4), int32], %p1: Tensor[(1, 6, 6, 4), int32], Primitive=1)
      -> Tensor[(1, 6, 6, 4), int32] {
    add(%p0, %p1)
  };
  %7 = %6(%5, %y);
  %8 = fn (%p0: Tensor[(1, 6, 6, 4), int32], %p1: Tensor[(36, 4), int32], Primitive=1)
      -> Tensor[(36, 4), int32] {
    %0 = multiply(%p0, 2);
    %1 = reshape(%0, newshape=[36, 4]);
    add(%1, %p1)
  };
  %9 = %8(%5, %k);
  (%7, %9)
}
)";
  PassFixture f;
  mtc::ir::Tensor k = mtc::ir::Tensor::zeros({36, 4}, mtc::ir::DType::Int32);
  for (int64_t i = 0; i < k.numElements(); ++i) k.setInt(i, i * 3 - 50);
  auto bound = mtc::passes::bindParams(f.parse(text), {{"k", k}}, f.diag);
  auto want = mtc::passes::bindParams(f.parse(expected), {{"k", k}}, f.diag);
  INFO(f.errors);
  REQUIRE(bound);
  REQUIRE(want);
  mtc::passes::PipelineLog log;
  mtc::ir::Module out = f.runOk(*bound, {"FuseOps"}, "aarch64", &log);
  std::string why;
  bool eq = mtc::ir::structurallyEqual(out, *want, &why);
  INFO(why << "\n--- got:\n" << mtc::ir::printModule(out));
  CHECK(eq);
  CHECK(log.allReports() == std::vector<std::string>{"FuseOps: 5 groups (largest: sum + 2 ops)"});

  // Fusion keeps every value.
  std::map<std::string, mtc::ir::Tensor> in;
  mtc::ir::Tensor x = mtc::ir::Tensor::zeros({1, 6, 6, 4}, mtc::ir::DType::UInt8);
  mtc::ir::Tensor w = mtc::ir::Tensor::zeros({1, 1, 4, 4}, mtc::ir::DType::UInt8);
  mtc::ir::Tensor y = mtc::ir::Tensor::zeros({1, 6, 6, 4}, mtc::ir::DType::Int32);
  for (int64_t i = 0; i < x.numElements(); ++i) x.setInt(i, (i * 71) % 256);
  for (int64_t i = 0; i < w.numElements(); ++i) w.setInt(i, (i * 29 + 3) % 256);
  for (int64_t i = 0; i < y.numElements(); ++i) y.setInt(i, i - 70);
  in = {{"x", x}, {"w", w}, {"y", y}};
  auto before = mtc::ir::evaluate(*bound, in, f.diag);
  auto after = mtc::ir::evaluate(out, in, f.diag);
  REQUIRE(before);
  REQUIRE(after);
  auto b = mtc::ir::flattenOutputs(*before), a = mtc::ir::flattenOutputs(*after);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i].bitEqual(b[i]));
}

TEST_CASE("FuseOps: a fused module re-parses and fuses nothing twice", "[passes][fuse]") {
  PassFixture f;
  mtc::ir::Module out = f.runOk(f.parse(kConvEpilogue), {"FuseOps", "DeadCodeElimination"});
  std::string text = mtc::ir::printModule(out);
  CHECK(text.find("Primitive=1") != std::string::npos);
  mtc::ir::Module re = f.parse(text, "fused.relay");
  CHECK(mtc::ir::printModule(re) == text);
  CHECK_FALSE(f.run(re, {"FuseOps"}));
  CHECK(f.errors.find("FuseOps cannot run on fused IR") != std::string::npos);
}

TEST_CASE("FuseOps: tuples, projections and module functions", "[passes][fuse]") {
  // concatenate takes a tuple: the tuple is rebuilt inside its group from parameters. The
  // projection of a tuple result and the @helper call are boundaries; @helper's own body is
  // fused separately.
  const char *text = R"(
def @helper(%a: Tensor[(2, 3), int32]) -> Tensor[(2, 3), int32] {
  %0 = multiply(%a, 3);
  add(%0, 1)
}
def @main(%x: Tensor[(2, 3), int32], %y: Tensor[(2, 3), int32]) {
  %0 = add(%x, 1);
  %1 = subtract(%y, 2);
  %2 = concatenate((%0, %1), axis=0);
  %3 = cast(%2, dtype="int8");
  %4 = (%3, %x);
  %5 = %4.0;
  %6 = @helper(%x);
  %7 = cast(%5, dtype="int32");
  (%7, %6)
}
)";
  PassFixture f;
  mtc::ir::Module m = f.parse(text);
  mtc::passes::PipelineLog log;
  mtc::ir::Module out = f.runOk(m, {"FuseOps"}, "host", &log);
  // Groups: add(x,1); subtract(y,2); concatenate+cast (the tuple rebuilt inside); cast after the
  // projection; @helper's multiply+add.
  CHECK(log.allReports() ==
        std::vector<std::string>{"FuseOps: 5 groups (largest: multiply + 1 ops)"});
  std::map<std::string, int> primitives;
  for (const auto &[name, fn] : out.functions())
    for (mtc::ir::Expr e : mtc::ir::postOrder(fn))
      if (const auto *lf = mtc::ir::dyn<mtc::ir::FunctionNode>(e); lf && lf != fn) {
        CHECK(lf->attrs.count("Primitive") == 1);
        ++primitives[name];
        // Every parameter of a primitive function is a tensor.
        for (const mtc::ir::VarNode *p : lf->params) CHECK(p->annotation.isTensor());
      }
  CHECK(primitives["main"] == 4);
  CHECK(primitives["helper"] == 1);
  // @main calls: no op call is left outside a primitive function.
  for (mtc::ir::Expr e : mtc::ir::postOrder(out.main()->body)) {
    if (mtc::ir::dyn<mtc::ir::FunctionNode>(e)) continue;
    const auto *c = mtc::ir::dyn<mtc::ir::CallNode>(e);
    if (c && c->op) {
      bool insidePrimitive = false;
      for (const auto &[name, fn] : out.functions())
        for (mtc::ir::Expr g : mtc::ir::postOrder(fn))
          if (const auto *lf = mtc::ir::dyn<mtc::ir::FunctionNode>(g); lf && lf != fn)
            for (mtc::ir::Expr h : mtc::ir::postOrder(lf->body)) insidePrimitive |= h == e;
      CHECK(insidePrimitive);
    }
  }

  mtc::ir::Tensor x = mtc::ir::Tensor::zeros({2, 3}, mtc::ir::DType::Int32);
  mtc::ir::Tensor y = mtc::ir::Tensor::zeros({2, 3}, mtc::ir::DType::Int32);
  for (int64_t i = 0; i < 6; ++i) {
    x.setInt(i, i * 61 - 100);
    y.setInt(i, 200 - i * 47);
  }
  auto before = mtc::ir::evaluate(m, {{"x", x}, {"y", y}}, f.diag);
  auto after = mtc::ir::evaluate(out, {{"x", x}, {"y", y}}, f.diag);
  INFO(f.errors);
  REQUIRE(before);
  REQUIRE(after);
  auto b = mtc::ir::flattenOutputs(*before), a = mtc::ir::flattenOutputs(*after);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i].bitEqual(b[i]));

  // The dump re-parses and prints back identically (the printer adds the inferred return
  // type of @main, so the text, not the module, is the fixed point).
  std::string printed = mtc::ir::printModule(out);
  mtc::ir::Module re = f.parse(printed, "fused.relay");
  CHECK(mtc::ir::printModule(re) == printed);
}
