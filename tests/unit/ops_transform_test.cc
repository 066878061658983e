// mtc — tests of the data movement ops: reshape, transpose, concatenate, repeat, expand_dims,
// squeeze.
// SPDX-License-Identifier: Apache-2.0
#include "tests/unit/ops_generic_util.h"

using namespace mtc::ir;
using namespace mtc::ir::testing;

namespace {

Inferred reshapeTo(Type t, std::vector<int64_t> ns) {
  return inferOp("reshape", {t},
                 makeAttrs<ReshapeAttrs>([&](ReshapeAttrs &a) { a.newshape = ns; }));
}

AttrsPtr axesAttrs(std::vector<int64_t> axes) {
  return makeAttrs<TransposeAttrs>([&](TransposeAttrs &a) { a.axes = axes; });
}

AttrsPtr concatAxis(int64_t axis) {
  return makeAttrs<ConcatenateAttrs>([&](ConcatenateAttrs &a) { a.axis = axis; });
}

std::vector<int64_t> iota(int64_t n, int64_t from = 0) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = from + i;
  return v;
}

} // namespace

TEST_CASE("reshape: -1, 0 and element count checks", "[ops][transform]") {
  Type t = tensorType({2, 3, 4}, DType::Int8);
  CHECK(reshapeTo(t, {6, 4}).type == tensorType({6, 4}, DType::Int8));
  CHECK(reshapeTo(t, {0, -1}).type == tensorType({2, 12}, DType::Int8));
  CHECK(reshapeTo(t, {-1, 0, 2}).type == tensorType({4, 3, 2}, DType::Int8));
  CHECK(reshapeTo(tensorType({1}, DType::Int8), {}).type == tensorType({}, DType::Int8));
  CHECK(reshapeTo(tensorType({2, 3}, DType::Int8), {4, 2}).error ==
        "reshape from (2, 3) to (4, 2): element counts 6 and 8 differ");
  CHECK(reshapeTo(t, {5, -1}).error ==
        "reshape from (2, 3, 4) to [5, -1]: cannot infer the -1 dim (24 elements, other dims "
        "give 5)");
  CHECK(reshapeTo(t, {-1, -1}).error == "newshape [-1, -1] has more than one -1");
  CHECK(reshapeTo(t, {-2}).error == "newshape code -2 is not supported (only -1 and 0 are)");
  CHECK(reshapeTo(t, {1, 1, 1, 0}).error ==
        "newshape[3] = 0 copies input dim 3, but 'data' has rank 3");
  Tensor x = ints(DType::Int16, {2, 3}, iota(6));
  Tensor y = evalOp("reshape", {x}, makeAttrs<ReshapeAttrs>([](ReshapeAttrs &a) {
                      a.newshape = {3, -1};
                    }));
  CHECK(y.shape() == Shape{3, 2});
  CHECK(toInts(y) == iota(6));
}

TEST_CASE("transpose permutes axes", "[ops][transform]") {
  std::mt19937_64 rng(1);
  Tensor x = randomInts(DType::Int32, {2, 3, 4}, rng, -100, 100);
  Tensor t = evalOp("transpose", {x}, axesAttrs({1, -1, 0}));
  REQUIRE(t.shape() == Shape{3, 4, 2});
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k)
        CHECK(t.intAt((j * 4 + k) * 2 + i) == x.intAt((i * 3 + j) * 4 + k));
  Tensor r = evalOp("transpose", {x}); // empty axes reverse
  REQUIRE(r.shape() == Shape{4, 3, 2});
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k)
        CHECK(r.intAt((k * 3 + j) * 2 + i) == x.intAt((i * 3 + j) * 4 + k));
  Type ty = tensorType({2, 3, 4}, DType::Int8);
  CHECK(inferOp("transpose", {ty}, axesAttrs({0, 1})).error ==
        "axes [0, 1] has 2 entries, expected 3 (the rank of 'data')");
  CHECK(inferOp("transpose", {ty}, axesAttrs({0, 2, -1})).error ==
        "axes [0, 2, -1] is not a permutation");
  CHECK(inferOp("transpose", {ty}, axesAttrs({0, 1, 3})).error ==
        "axis 3 is out of range for rank 3");
}

TEST_CASE("concatenate joins a tuple along an axis", "[ops][transform]") {
  Tensor a = ints(DType::Int8, {2, 2}, {1, 2, 3, 4});
  Tensor b = ints(DType::Int8, {2, 1}, {5, 6});
  Tensor c = ints(DType::Int8, {2, 3}, {7, 8, 9, 10, 11, 12});
  Tensor out = evalOp("concatenate", {Value::tuple({a, b, c})}, concatAxis(-1));
  REQUIRE(out.shape() == Shape{2, 6});
  CHECK(toInts(out) == std::vector<int64_t>{1, 2, 5, 7, 8, 9, 3, 4, 6, 10, 11, 12});
  Tensor rows = evalOp("concatenate", {Value::tuple({a, ints(DType::Int8, {1, 2}, {9, 9})})});
  CHECK(toInts(rows) == std::vector<int64_t>{1, 2, 3, 4, 9, 9});
  Tensor empty = ints(DType::Int8, {2, 0}, {});
  CHECK(toInts(evalOp("concatenate", {Value::tuple({empty, b})}, concatAxis(1))) ==
        std::vector<int64_t>{5, 6});

  Context ctx;
  Builder bld(ctx);
  auto *x = bld.var("x", tensorType({1, 4}, DType::Int8));
  auto *y = bld.var("y", tensorType({1, 2}, DType::Int8));
  Inferred ok = inferCall(bld.call("concatenate", {bld.tuple({x, y})}, concatAxis(1)));
  CHECK(ok.type == tensorType({1, 6}, DType::Int8));
  Inferred bad = inferCall(bld.call("concatenate", {bld.tuple({x, y})}, concatAxis(0)));
  CHECK(bad.error == "field 1 of 'data' has shape (1, 2), incompatible with (1, 4) outside axis 0");
  auto *z = bld.var("z", tensorType({1, 4}, DType::Int32));
  CHECK(inferCall(bld.call("concatenate", {bld.tuple({x, z})}, concatAxis(1))).error ==
        "field 1 of 'data' has dtype int32, field 0 has int8");
  CHECK(inferCall(bld.call("concatenate", {x})).error ==
        "argument 'data' must be a tuple of tensors, got Tensor[(1, 4), int8]");
  CHECK(inferCall(bld.call("concatenate", {bld.tuple({x})}, concatAxis(2))).error ==
        "axis 2 is out of range for rank 2");
  CHECK(inferCall(bld.call("concatenate", {bld.tuple({})})).error ==
        "argument 'data' is an empty tuple; need at least one tensor");
}

TEST_CASE("repeat copies each element along the axis", "[ops][transform]") {
  Tensor x = ints(DType::Int32, {2, 2}, {1, 2, 3, 4});
  auto rep = [](int64_t n, int64_t axis) {
    return makeAttrs<RepeatAttrs>([&](RepeatAttrs &a) {
      a.repeats = n;
      a.axis = axis;
    });
  };
  CHECK(toInts(evalOp("repeat", {x}, rep(2, 1))) == std::vector<int64_t>{1, 1, 2, 2, 3, 3, 4, 4});
  CHECK(toInts(evalOp("repeat", {x}, rep(3, -2))) ==
        std::vector<int64_t>{1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4});
  // The depthwise canonicalization repeats a per-channel vector by the channel multiplier.
  Tensor zp = ints(DType::Int32, {3}, {5, 6, 7});
  Tensor r = evalOp("repeat", {zp}, rep(2, 0));
  CHECK(r.shape() == Shape{6});
  CHECK(toInts(r) == std::vector<int64_t>{5, 5, 6, 6, 7, 7});
  CHECK(inferOp("repeat", {x.type()}, rep(0, 0)).error == "repeats 0 must be >= 1");
  CHECK(inferOp("repeat", {x.type()}, rep(1, -3)).error == "axis -3 is out of range for rank 2");
}

TEST_CASE("expand_dims and squeeze", "[ops][transform]") {
  auto expand = [](int64_t axis, int64_t n) {
    return makeAttrs<ExpandDimsAttrs>([&](ExpandDimsAttrs &a) {
      a.axis = axis;
      a.num_newaxis = n;
    });
  };
  auto squeeze = [](std::vector<int64_t> axes) {
    return makeAttrs<SqueezeAttrs>([&](SqueezeAttrs &a) { a.axis = axes; });
  };
  Type t = tensorType({2, 3}, DType::Int8);
  CHECK(inferOp("expand_dims", {t}, expand(0, 1)).type == tensorType({1, 2, 3}, DType::Int8));
  CHECK(inferOp("expand_dims", {t}, expand(2, 2)).type == tensorType({2, 3, 1, 1}, DType::Int8));
  CHECK(inferOp("expand_dims", {t}, expand(-1, 1)).type == tensorType({2, 3, 1}, DType::Int8));
  CHECK(inferOp("expand_dims", {t}, expand(3, 1)).error == "axis 3 is out of range for rank 3");
  Type u = tensorType({1, 2, 1, 3}, DType::Int8);
  CHECK(inferOp("squeeze", {u}).type == tensorType({2, 3}, DType::Int8));
  CHECK(inferOp("squeeze", {u}, squeeze({-2})).type == tensorType({1, 2, 3}, DType::Int8));
  CHECK(inferOp("squeeze", {u}, squeeze({1})).error ==
        "axis 1 has size 2; only size-1 axes can be squeezed");
  Tensor x = ints(DType::Int8, {1, 2, 1, 3}, iota(6, -3));
  Tensor s = evalOp("squeeze", {x});
  CHECK(s.shape() == Shape{2, 3});
  CHECK(toInts(s) == iota(6, -3));
  Tensor e = evalOp("expand_dims", {s}, expand(1, 1));
  CHECK(e.shape() == Shape{2, 1, 3});
  CHECK(toInts(e) == iota(6, -3));
}

TEST_CASE("strided_slice follows Python slicing with clamped bounds", "[ops][transform]") {
  auto sl = [](std::vector<int64_t> b, std::vector<int64_t> e, std::vector<int64_t> s,
               std::vector<int64_t> axes = {}) {
    return makeAttrs<StridedSliceAttrs>([&](StridedSliceAttrs &a) {
      a.begin = b;
      a.end = e;
      a.strides = s;
      a.axes = axes;
    });
  };
  Tensor x = ints(DType::Int32, {10}, iota(10));
  CHECK(toInts(evalOp("strided_slice", {x}, sl({2}, {8}, {3}))) == std::vector<int64_t>{2, 5});
  CHECK(toInts(evalOp("strided_slice", {x}, sl({-3}, {}, {}))) == std::vector<int64_t>{7, 8, 9});
  CHECK(toInts(evalOp("strided_slice", {x}, sl({8}, {2}, {-2}))) == std::vector<int64_t>{8, 6, 4});
  CHECK(toInts(evalOp("strided_slice", {x}, sl({100}, {-100}, {-4}))) ==
        std::vector<int64_t>{9, 5, 1});
  CHECK(evalOp("strided_slice", {x}, sl({5}, {3}, {})).shape() == Shape{0});
  Tensor m = ints(DType::Int8, {3, 4}, iota(12));
  CHECK(toInts(evalOp("strided_slice", {m}, sl({1}, {3}, {}))) ==
        std::vector<int64_t>{4, 5, 6, 7, 8, 9, 10, 11});
  CHECK(toInts(evalOp("strided_slice", {m}, sl({-1}, {-5}, {-1}, {1}))) ==
        std::vector<int64_t>{3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8});
  // Trimming padded output channels of an NHWC tensor, checked by index math.
  std::mt19937_64 rng(4);
  Tensor y = randomInts(DType::Int32, {1, 2, 2, 8}, rng, -9, 9);
  Tensor t = evalOp("strided_slice", {y}, sl({0}, {6}, {}, {3}));
  REQUIRE(t.shape() == Shape{1, 2, 2, 6});
  for (int64_t p = 0; p < 4; ++p)
    for (int64_t c = 0; c < 6; ++c) CHECK(t.intAt(p * 6 + c) == y.intAt(p * 8 + c));

  Type ty = tensorType({3, 4}, DType::Int8);
  CHECK(inferOp("strided_slice", {ty}, sl({0}, {2}, {0})).error == "strides [0] contain a 0 step");
  CHECK(inferOp("strided_slice", {ty}, sl({0, 0, 0}, {}, {})).error ==
        "begin [0, 0, 0] has more entries than the rank 2 of 'data'");
  CHECK(inferOp("strided_slice", {ty}, sl({0}, {1}, {}, {2})).error ==
        "axis 2 is out of range for rank 2");
  CHECK(inferOp("strided_slice", {ty}, sl({0, 1}, {1}, {}, {1, -1})).error ==
        "axis 1 is sliced twice");
}
