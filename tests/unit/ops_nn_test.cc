// mtc — tests of nn.bias_add, nn.pad, nn.dense and the reductions (pooling is in
// ops_nn_pool_test.cc).
// SPDX-License-Identifier: Apache-2.0
#include "tests/unit/ops_generic_util.h"

#include <limits>

using namespace mtc::ir;
using namespace mtc::ir::testing;

namespace {

AttrsPtr reduceAttrs(std::vector<int64_t> axis, bool keepdims = false, bool exclude = false) {
  return makeAttrs<ReduceAttrs>([&](ReduceAttrs &a) {
    a.axis = axis;
    a.keepdims = keepdims;
    a.exclude = exclude;
  });
}

AttrsPtr padAttrs(std::vector<std::vector<int64_t>> w, std::string mode = "constant") {
  return makeAttrs<PadAttrs>([&](PadAttrs &a) {
    a.pad_width = w;
    a.pad_mode = mode;
  });
}

AttrsPtr denseAttrs(int64_t units, std::string outDtype) {
  return makeAttrs<DenseAttrs>([&](DenseAttrs &a) {
    a.units = units;
    a.out_dtype = outDtype;
  });
}

AttrsPtr biasAxis(int64_t axis) {
  return makeAttrs<BiasAddAttrs>([&](BiasAddAttrs &a) { a.axis = axis; });
}

} // namespace

TEST_CASE("nn.bias_add adds along the axis and wraps", "[ops][nn]") {
  std::mt19937_64 rng(11);
  Tensor nhwc = randomInts(DType::Int32, {2, 3, 2, 4}, rng, -50, 50);
  Tensor bias = randomInts(DType::Int32, {4}, rng, -50, 50);
  Tensor out = evalOp("nn.bias_add", {nhwc, bias}, biasAxis(-1));
  for (int64_t i = 0; i < nhwc.numElements(); ++i)
    CHECK(out.intAt(i) == nhwc.intAt(i) + bias.intAt(i % 4));
  Tensor nchw = randomInts(DType::Int32, {2, 3, 2, 2}, rng, -50, 50);
  Tensor b3 = randomInts(DType::Int32, {3}, rng, -50, 50);
  Tensor o2 = evalOp("nn.bias_add", {nchw, b3}); // default axis 1
  for (int64_t i = 0; i < nchw.numElements(); ++i)
    CHECK(o2.intAt(i) == nchw.intAt(i) + b3.intAt((i / 4) % 3));
  CHECK(toInts(evalOp("nn.bias_add",
                      {ints(DType::Int8, {1, 2}, {127, -128}), ints(DType::Int8, {2}, {1, -1})})) ==
        std::vector<int64_t>{-128, 127});

  auto err = [](Type d, Type b, int64_t axis) {
    return inferOp("nn.bias_add", {d, b}, biasAxis(axis)).error;
  };
  CHECK(err(tensorType({1, 4, 4, 8}, DType::Int32), tensorType({8}, DType::Int32), 4) ==
        "axis 4 is out of range for rank 4");
  CHECK(err(tensorType({1, 4, 4, 8}, DType::Int32), tensorType({4}, DType::Int32), 3) ==
        "argument 'bias' must have shape (8) (dim 3 of 'data'), got (4)");
  CHECK(err(tensorType({1, 8}, DType::Int32), tensorType({8}, DType::Int8), 1) ==
        "argument 'bias' has dtype int8, expected int32 (the dtype of 'data')");
}

TEST_CASE("nn.pad pads with the converted scalar", "[ops][nn]") {
  Tensor d = ints(DType::Int8, {2, 2}, {1, 2, 3, 4});
  // int32 300 converts to int8 by wrap-around: 44.
  Tensor out =
      evalOp("nn.pad", {d, Tensor::scalarInt(DType::Int32, 300)}, padAttrs({{1, 0}, {0, 2}}));
  REQUIRE(out.shape() == Shape{3, 4});
  CHECK(toInts(out) == std::vector<int64_t>{44, 44, 44, 44, 1, 2, 44, 44, 3, 4, 44, 44});
  // Float pad values convert as cast does: truncation toward zero, saturation.
  Tensor f1 = evalOp("nn.pad", {d, Tensor::scalarFloat(-1.7f)}, padAttrs({{0, 0}, {1, 0}}));
  CHECK(toInts(f1) == std::vector<int64_t>{-1, 1, 2, -1, 3, 4});
  Tensor f2 = evalOp("nn.pad", {d, Tensor::scalarFloat(1000.0f)}, padAttrs({{0, 1}, {0, 0}}));
  CHECK(toInts(f2) == std::vector<int64_t>{1, 2, 3, 4, 127, 127});
  // NHWC spatial padding with a zero point, checked by index math.
  std::mt19937_64 rng(3);
  Tensor x = randomInts(DType::UInt8, {1, 3, 2, 2}, rng, 0, 255);
  Tensor p = evalOp("nn.pad", {x, Tensor::scalarInt(DType::Int32, 128)},
                    padAttrs({{0, 0}, {1, 2}, {2, 1}, {0, 0}}));
  REQUIRE(p.shape() == Shape{1, 6, 5, 2});
  for (int64_t h = 0; h < 6; ++h)
    for (int64_t w = 0; w < 5; ++w)
      for (int64_t c = 0; c < 2; ++c) {
        int64_t ih = h - 1, iw = w - 2;
        int64_t want =
            ih >= 0 && ih < 3 && iw >= 0 && iw < 2 ? x.intAt((ih * 2 + iw) * 2 + c) : 128;
        CHECK(p.intAt((h * 5 + w) * 2 + c) == want);
      }

  Type i8 = tensorType({2, 2}, DType::Int8), s32 = tensorType({}, DType::Int32);
  CHECK(inferOp("nn.pad", {i8, s32}, padAttrs({{1, 1}, {0, 0}}, "reflect")).error ==
        "pad_mode 'reflect' is not supported (only \"constant\")");
  CHECK(inferOp("nn.pad", {i8, s32}, padAttrs({{1, 1}})).error ==
        "pad_width has 1 pairs, expected 2 (one per axis of 'data')");
  CHECK(inferOp("nn.pad", {i8, s32}, padAttrs({{1, 1}, {0, -1}})).error ==
        "pad_width[1] = [0, -1] has a negative entry");
  CHECK(inferOp("nn.pad", {i8, s32}, padAttrs({{1, 1}, {0}})).error ==
        "pad_width[1] must be [before, after], got [0]");
  CHECK(inferOp("nn.pad", {i8, tensorType({1}, DType::Int32)}, padAttrs({{1, 1}, {0, 0}})).error ==
        "argument 'pad_value' must be a scalar, got Tensor[(1), int32]");
}

TEST_CASE("nn.dense matches a naive matrix product", "[ops][nn]") {
  std::mt19937_64 rng(5);
  Tensor a = randomInts(DType::Int8, {2, 2, 5}, rng, -128, 127);
  Tensor w = randomInts(DType::Int8, {3, 5}, rng, -128, 127);
  Tensor out = evalOp("nn.dense", {a, w}, denseAttrs(3, "int32"));
  REQUIRE(out.shape() == Shape{2, 2, 3});
  REQUIRE(out.dtype() == DType::Int32);
  for (int64_t m = 0; m < 4; ++m)
    for (int64_t n = 0; n < 3; ++n) {
      int64_t acc = 0;
      for (int64_t k = 0; k < 5; ++k) acc += a.intAt(m * 5 + k) * w.intAt(n * 5 + k);
      CHECK(out.intAt(m * 3 + n) == acc);
    }
  // Default out_dtype is the input dtype: the exact sum wraps. 100*100*2 = 20000 ≡ 32 (mod 256).
  Tensor wrapped = evalOp(
      "nn.dense", {ints(DType::Int8, {1, 2}, {100, 100}), ints(DType::Int8, {1, 2}, {100, 100})});
  CHECK(toInts(wrapped) == std::vector<int64_t>{32});
  Tensor f = evalOp("nn.dense", {floats({1, 2}, {1.5f, -2.0f}), floats({2, 2}, {2, 1, 0.5f, 4})});
  CHECK(toFloats(f) == std::vector<float>{1.0f, -7.25f});

  Type d = tensorType({4, 5}, DType::Int8);
  CHECK(inferOp("nn.dense", {d, tensorType({3, 6}, DType::Int8)}).error ==
        "reduction dims differ: 'data' (4, 5) has K = 5, 'weight' (3, 6) has K = 6");
  CHECK(inferOp("nn.dense", {d, tensorType({3, 5}, DType::Int8)}, denseAttrs(4, "")).error ==
        "units 4 does not match 'weight' (3, 5) (N = 3)");
  CHECK(inferOp("nn.dense", {d, tensorType({3, 5}, DType::Int8)}, denseAttrs(0, "float32")).error ==
        "out_dtype float32 does not fit input dtype int8 (integer inputs need an "
        "integer)");
  CHECK(inferOp("nn.dense", {d, tensorType({3, 5}, DType::UInt8)}).error ==
        "argument 'weight' has dtype uint8, expected int8 (the dtype of 'data')");
  CHECK(inferOp("nn.dense", {d, tensorType({5}, DType::Int8)}).error ==
        "argument 'weight' must have rank 2 (N, K), got (5)");
}

TEST_CASE("reductions: axes, keepdims, exclude and integer semantics", "[ops][nn][reduce]") {
  Type t = tensorType({2, 3, 4}, DType::Int32);
  CHECK(inferOp("sum", {t}, reduceAttrs({1})).type == tensorType({2, 4}, DType::Int32));
  CHECK(inferOp("sum", {t}, reduceAttrs({-1, 0}, true)).type ==
        tensorType({1, 3, 1}, DType::Int32));
  CHECK(inferOp("sum", {t}, reduceAttrs({1}, false, true)).type == tensorType({3}, DType::Int32));
  CHECK(inferOp("mean", {t}).type == tensorType({}, DType::Int32));
  CHECK(inferOp("max", {t}, reduceAttrs({3})).error == "axis 3 is out of range for rank 3");
  CHECK(inferOp("min", {t}, reduceAttrs({1, -2})).error == "axis -2 is listed twice in [1, -2]");
  CHECK(inferOp("max", {tensorType({2, 0}, DType::Int8)}, reduceAttrs({1})).error ==
        "cannot reduce over zero elements (shape (2, 0))");
  CHECK(inferOp("sum", {tensorType({2, 0}, DType::Int8)}, reduceAttrs({1})).type ==
        tensorType({2}, DType::Int8));

  // Random sums over every axis subset against index math.
  std::mt19937_64 rng(9);
  Tensor x = randomInts(DType::Int32, {2, 3, 4}, rng, -1000, 1000);
  for (int mask = 1; mask < 8; ++mask) {
    std::vector<int64_t> axes;
    for (int d = 0; d < 3; ++d)
      if (mask & (1 << d)) axes.push_back(d);
    Tensor s = evalOp("sum", {x}, reduceAttrs(axes, true));
    Tensor mx = evalOp("max", {x}, reduceAttrs(axes, true));
    std::vector<int64_t> wantSum(s.numElements(), 0);
    std::vector<int64_t> wantMax(s.numElements(), std::numeric_limits<int64_t>::min());
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j)
        for (int64_t k = 0; k < 4; ++k) {
          int64_t oi = mask & 1 ? 0 : i, oj = mask & 2 ? 0 : j, ok = mask & 4 ? 0 : k;
          int64_t o = (oi * s.shape()[1] + oj) * s.shape()[2] + ok;
          int64_t v = x.intAt((i * 3 + j) * 4 + k);
          wantSum[o] += v;
          wantMax[o] = std::max(wantMax[o], v);
        }
    INFO("mask " << mask);
    CHECK(toInts(s) == wantSum);
    CHECK(toInts(mx) == wantMax);
  }

  // Integer sum wraps in the input dtype; mean divides the exact sum, truncating toward zero.
  Tensor i8 = ints(DType::Int8, {2, 2}, {100, 100, -3, -4});
  CHECK(toInts(evalOp("sum", {i8}, reduceAttrs({1}))) == std::vector<int64_t>{-56, -7});
  CHECK(toInts(evalOp("mean", {i8}, reduceAttrs({1}))) == std::vector<int64_t>{100, -3});
  CHECK(toInts(evalOp("mean", {i8}, reduceAttrs({0}))) == std::vector<int64_t>{48, 48});
  CHECK(toInts(evalOp("min", {i8})) == std::vector<int64_t>{-4});
  const int64_t big = std::numeric_limits<int64_t>::max();
  CHECK(toInts(evalOp("mean", {ints(DType::Int64, {2}, {big, big - 2})})) ==
        std::vector<int64_t>{big - 1}); // the sum overflows int64; the mean does not
  CHECK(toFloats(evalOp("mean", {floats({4}, {1, 2, 3, 5})})) == std::vector<float>{2.75f});
  CHECK(toFloats(evalOp("sum", {floats({2, 2}, {1, 2, 3, 5})}, reduceAttrs({0}))) ==
        std::vector<float>{4, 7});
  std::vector<float> fm =
      toFloats(evalOp("max", {floats({3}, {1, std::numeric_limits<float>::quiet_NaN(), 2})}));
  CHECK(std::isnan(fm[0]));
}
