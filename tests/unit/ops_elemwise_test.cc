// mtc — tests of the elementwise ops: broadcasting, same-dtype rule, wrap-around, shifts,
// comparisons, clip and cast edge cases.
// SPDX-License-Identifier: Apache-2.0
#include "tests/unit/ops_generic_util.h"

#include <limits>

using namespace mtc::ir;
using namespace mtc::ir::testing;

namespace {

Tensor binary(const std::string &op, const Tensor &a, const Tensor &b) {
  return evalOp(op, {a, b});
}

template <class A> Tensor unary(const std::string &op, const Tensor &x, A attrs) {
  return evalOp(op, {x}, attrs);
}

AttrsPtr castTo(const char *dt) {
  return makeAttrs<CastAttrs>([&](CastAttrs &a) { a.dtype = dt; });
}

AttrsPtr clipTo(double lo, double hi) {
  return makeAttrs<ClipAttrs>([&](ClipAttrs &a) {
    a.a_min = lo;
    a.a_max = hi;
  });
}

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

} // namespace

TEST_CASE("binary ops are registered with broadcast pattern and build with Builder",
          "[ops][elemwise]") {
  for (const char *op :
       {"add", "subtract", "multiply", "maximum", "minimum", "right_shift", "left_shift", "equal",
        "not_equal", "less", "less_equal", "greater", "greater_equal"}) {
    const OpDef &d = opDef(op);
    CHECK(d.pattern == OpPattern::Broadcast);
    CHECK(d.argNames == std::vector<std::string>{"lhs", "rhs"});
    CHECK_FALSE(d.makeAttrs);
  }
  Context c;
  Builder b(c);
  auto *x = b.var("x", tensorType({1, 56, 56, 64}, DType::Int32));
  auto *y = b.var("y", tensorType({64}, DType::Int32));
  Inferred t = inferCall(b.call("add", {x, y}));
  CHECK(t.error.empty());
  CHECK(t.type == tensorType({1, 56, 56, 64}, DType::Int32));
  Inferred cmp = inferCall(b.call("less", {y, b.scalarInt(3)}));
  CHECK(cmp.type == tensorType({64}, DType::Bool));
}

TEST_CASE("binary type errors name the mismatch", "[ops][elemwise]") {
  auto err = [](const char *op, Type a, Type b) { return inferOp(op, {a, b}).error; };
  CHECK(err("add", tensorType({2}, DType::Int8), tensorType({2}, DType::Int32)) ==
        "operands have dtypes int8 and int32; both must be the same");
  CHECK(err("multiply", tensorType({1, 56, 56, 64}, DType::Int32),
            tensorType({32}, DType::Int32)) == "cannot broadcast shapes (1, 56, 56, 64) and (32)");
  CHECK(err("subtract", tensorType({2, 3}, DType::Int8), tensorType({3, 3}, DType::Int8)) ==
        "cannot broadcast shapes (2, 3) and (3, 3)");
  CHECK(err("right_shift", tensorType({2}, DType::Float32), tensorType({2}, DType::Float32)) ==
        "argument 'lhs' has dtype float32, expected one of int8, uint8, int16, int32, int64");
  CHECK(err("add", tensorType({2}, DType::Bool), tensorType({2}, DType::Bool)) ==
        "argument 'lhs' has dtype bool, expected one of int8, uint8, int16, int32, int64, "
        "float32");
  CHECK(err("add", Type::tuple({tensorType({2}, DType::Int8)}), tensorType({2}, DType::Int8)) ==
        "argument 'lhs' must be a tensor, got (Tensor[(2), int8],)");
  CHECK(err("add", tensorType({1 << 20, 1}, DType::Int8), tensorType({1, 1 << 20}, DType::Int8)) ==
        "output shape (1048576, 1048576) is too large");
  // Comparisons accept bool and produce bool.
  CHECK(inferOp("equal", {tensorType({2}, DType::Bool), tensorType({}, DType::Bool)}).type ==
        tensorType({2}, DType::Bool));
}

TEST_CASE("broadcasting add matches explicit index math", "[ops][elemwise]") {
  std::mt19937_64 rng(7);
  Tensor a = randomInts(DType::Int32, {2, 1, 4}, rng, -1000, 1000);
  Tensor b = randomInts(DType::Int32, {3, 1}, rng, -1000, 1000);
  Tensor out = binary("add", a, b);
  REQUIRE(out.shape() == Shape{2, 3, 4});
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k)
        CHECK(out.intAt((i * 3 + j) * 4 + k) == a.intAt(i * 4 + k) + b.intAt(j));
  // Both operands broadcast (size-1 dims on both sides) and a scalar.
  Tensor c = randomInts(DType::Int16, {4, 1}, rng, -100, 100);
  Tensor d = randomInts(DType::Int16, {1, 5}, rng, -100, 100);
  Tensor m = binary("multiply", c, d);
  REQUIRE(m.shape() == Shape{4, 5});
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 5; ++j) CHECK(m.intAt(i * 5 + j) == c.intAt(i) * d.intAt(j));
  Tensor s = binary("subtract", Tensor::scalarInt(DType::Int16, 10), c);
  for (int64_t i = 0; i < 4; ++i) CHECK(s.intAt(i) == 10 - c.intAt(i));
}

TEST_CASE("integer arithmetic wraps at the dtype width", "[ops][elemwise]") {
  CHECK(toInts(binary("add", ints(DType::Int8, {3}, {127, -128, 100}),
                      ints(DType::Int8, {3}, {1, -1, 100}))) ==
        std::vector<int64_t>{-128, 127, -56});
  CHECK(toInts(binary("multiply", ints(DType::Int8, {2}, {16, -128}),
                      ints(DType::Int8, {2}, {16, -1}))) == std::vector<int64_t>{0, -128});
  CHECK(toInts(binary("subtract", ints(DType::UInt8, {2}, {0, 3}),
                      ints(DType::UInt8, {2}, {1, 255}))) == std::vector<int64_t>{255, 4});
  const int64_t i32max = std::numeric_limits<int32_t>::max();
  const int64_t i32min = std::numeric_limits<int32_t>::min();
  CHECK(toInts(binary("add", ints(DType::Int32, {2}, {i32max, i32min}),
                      ints(DType::Int32, {2}, {1, -1}))) == std::vector<int64_t>{i32min, i32max});
  CHECK(toInts(binary("multiply", ints(DType::Int32, {2}, {65536, 65537}),
                      ints(DType::Int32, {2}, {65536, 65537}))) ==
        std::vector<int64_t>{0, 131073}); // 65537^2 = 2^32 + 2^17 + 1
  const int64_t i64max = std::numeric_limits<int64_t>::max();
  const int64_t i64min = std::numeric_limits<int64_t>::min();
  CHECK(toInts(binary("add", ints(DType::Int64, {1}, {i64max}), ints(DType::Int64, {1}, {1}))) ==
        std::vector<int64_t>{i64min});
  CHECK(toInts(evalOp("negative", {ints(DType::Int8, {3}, {-128, 5, 0})})) ==
        std::vector<int64_t>{-128, -5, 0});
  CHECK(toInts(evalOp("negative", {ints(DType::UInt8, {2}, {1, 0})})) ==
        std::vector<int64_t>{255, 0});
}

TEST_CASE("shifts are defined for every amount", "[ops][elemwise]") {
  auto rs = [](DType dt, std::vector<int64_t> a, std::vector<int64_t> s) {
    Shape sh{static_cast<int64_t>(a.size())};
    return toInts(binary("right_shift", ints(dt, sh, a), ints(dt, sh, s)));
  };
  auto ls = [](DType dt, std::vector<int64_t> a, std::vector<int64_t> s) {
    Shape sh{static_cast<int64_t>(a.size())};
    return toInts(binary("left_shift", ints(dt, sh, a), ints(dt, sh, s)));
  };
  // Arithmetic right shift rounds toward -inf; amounts >= bits give the sign fill.
  CHECK(rs(DType::Int8, {-128, -1, -5, 5, 100, -7}, {1, 7, 100, 8, 2, 1}) ==
        std::vector<int64_t>{-64, -1, -1, 0, 25, -4});
  CHECK(rs(DType::UInt8, {200, 200, 255}, {3, 8, 7}) == std::vector<int64_t>{25, 0, 1});
  CHECK(rs(DType::Int32, {-2147483647 - 1, 1 << 30, 12}, {31, 32, -1}) ==
        std::vector<int64_t>{-1, 0, 12}); // negative amount shifts by 0
  CHECK(rs(DType::Int64, {std::numeric_limits<int64_t>::min(), 1024}, {63, 64}) ==
        std::vector<int64_t>{-1, 0});
  CHECK(ls(DType::Int8, {1, 3, -1, 64, 7}, {7, 8, 1, 1, -3}) ==
        std::vector<int64_t>{-128, 0, -2, -128, 7});
  CHECK(ls(DType::Int32, {1, 3, 1}, {31, 30, 32}) ==
        std::vector<int64_t>{-2147483647 - 1, -1073741824, 0});
  CHECK(ls(DType::UInt8, {255, 1}, {1, 9}) == std::vector<int64_t>{254, 0});
}

TEST_CASE("maximum, minimum and comparisons", "[ops][elemwise]") {
  Tensor a = ints(DType::Int8, {4}, {-3, 0, 7, -128});
  Tensor b = ints(DType::Int8, {4}, {2, 0, -7, 127});
  CHECK(toInts(binary("maximum", a, b)) == std::vector<int64_t>{2, 0, 7, 127});
  CHECK(toInts(binary("minimum", a, b)) == std::vector<int64_t>{-3, 0, -7, -128});
  CHECK(toInts(binary("less", a, b)) == std::vector<int64_t>{1, 0, 0, 1});
  CHECK(toInts(binary("less_equal", a, b)) == std::vector<int64_t>{1, 1, 0, 1});
  CHECK(toInts(binary("greater", a, b)) == std::vector<int64_t>{0, 0, 1, 0});
  CHECK(toInts(binary("greater_equal", a, b)) == std::vector<int64_t>{0, 1, 1, 0});
  CHECK(toInts(binary("equal", a, b)) == std::vector<int64_t>{0, 1, 0, 0});
  CHECK(toInts(binary("not_equal", a, b)) == std::vector<int64_t>{1, 0, 1, 1});
  CHECK(binary("equal", a, b).dtype() == DType::Bool);

  Tensor f = floats({3}, {kNaN, 1.0f, -2.0f});
  Tensor g = floats({3}, {0.0f, kNaN, -1.0f});
  std::vector<float> mx = toFloats(binary("maximum", f, g));
  CHECK(std::isnan(mx[0]));
  CHECK(std::isnan(mx[1]));
  CHECK(mx[2] == -1.0f);
  CHECK(toFloats(binary("minimum", f, g))[2] == -2.0f);
  CHECK(toInts(binary("equal", f, f)) == std::vector<int64_t>{0, 1, 1});
  CHECK(toInts(binary("not_equal", f, g)) == std::vector<int64_t>{1, 1, 1});
}

TEST_CASE("nn.relu and clip", "[ops][elemwise]") {
  CHECK(toInts(evalOp("nn.relu", {ints(DType::Int8, {3}, {-128, 0, 5})})) ==
        std::vector<int64_t>{0, 0, 5});
  CHECK(toInts(evalOp("nn.relu", {ints(DType::UInt8, {2}, {0, 255})})) ==
        std::vector<int64_t>{0, 255});
  CHECK(toFloats(evalOp("nn.relu", {floats({2}, {-0.5f, 2.5f})})) == std::vector<float>{0, 2.5f});

  Tensor u = ints(DType::UInt8, {5}, {0, 99, 100, 101, 255});
  // a_min below the dtype range saturates to 0; integer bounds are ceil(a_min), floor(a_max).
  CHECK(toInts(unary("clip", u, clipTo(-1.5, 100.5))) ==
        std::vector<int64_t>{0, 99, 100, 100, 100});
  CHECK(toInts(unary("clip", u, clipTo(-5, 300))) == toInts(u));
  CHECK(toInts(unary("clip", u, clipTo(0.5, 99.9))) == std::vector<int64_t>{1, 99, 99, 99, 99});
  CHECK(toInts(unary("clip", u, clipTo(300, 400))) ==
        std::vector<int64_t>{255, 255, 255, 255, 255});
  // No integer inside [0.2, 0.8]: the result is ceil(a_min) everywhere.
  CHECK(toInts(unary("clip", u, clipTo(0.2, 0.8))) == std::vector<int64_t>{1, 1, 1, 1, 1});
  Tensor i = ints(DType::Int8, {4}, {-128, -11, 10, 127});
  CHECK(toInts(unary("clip", i, clipTo(-10.5, 10.5))) == std::vector<int64_t>{-10, -10, 10, 10});
  CHECK(toInts(unary("clip", ints(DType::Int32, {2}, {-2147483647 - 1, 2147483647}),
                     clipTo(-1e30, 1e30))) == std::vector<int64_t>{-2147483647 - 1, 2147483647});
  std::vector<float> fc =
      toFloats(unary("clip", floats({4}, {-3.0f, 0.25f, 9.0f, kNaN}), clipTo(-1.0, 6.0)));
  CHECK(fc[0] == -1.0f);
  CHECK(fc[1] == 0.25f);
  CHECK(fc[2] == 6.0f);
  CHECK(std::isnan(fc[3]));

  CHECK(inferOp("clip", {tensorType({2}, DType::Int8)}, clipTo(5, 3)).error ==
        "a_min 5.0 is greater than a_max 3.0");
  CHECK(inferOp("clip", {tensorType({2}, DType::Bool)}, clipTo(0, 1)).error ==
        "argument 'data' has dtype bool, expected one of int8, uint8, int16, int32, int64, "
        "float32");
}

TEST_CASE("cast: wrap, saturation, NaN, rounding and bool", "[ops][elemwise]") {
  CHECK(toInts(unary("cast", ints(DType::Int32, {5}, {200, -129, 256, 127, -1}), castTo("int8"))) ==
        std::vector<int64_t>{-56, 127, 0, 127, -1});
  CHECK(toInts(unary("cast", ints(DType::Int8, {2}, {-1, -128}), castTo("uint8"))) ==
        std::vector<int64_t>{255, 128});
  CHECK(toInts(unary("cast", ints(DType::UInt8, {2}, {255, 128}), castTo("int32"))) ==
        std::vector<int64_t>{255, 128});
  Tensor f = floats({9}, {127.9f, 128.0f, -1000.0f, -0.9f, kNaN, kInf, -kInf, -128.5f, 2.5f});
  CHECK(toInts(unary("cast", f, castTo("int8"))) ==
        std::vector<int64_t>{127, 127, -128, 0, 0, 127, -128, -128, 2});
  CHECK(toInts(unary("cast", floats({4}, {-3.7f, 255.99f, 256.0f, 1e10f}), castTo("uint8"))) ==
        std::vector<int64_t>{0, 255, 255, 255});
  CHECK(toInts(unary("cast", floats({4}, {2147483648.0f, -2147483648.0f, 3e9f, -3e9f}),
                     castTo("int32"))) ==
        std::vector<int64_t>{2147483647, -2147483647 - 1, 2147483647, -2147483647 - 1});
  CHECK(toInts(unary("cast", floats({3}, {9.3e18f, -9.3e18f, -1.5f}), castTo("int64"))) ==
        std::vector<int64_t>{std::numeric_limits<int64_t>::max(),
                             std::numeric_limits<int64_t>::min(), -1});
  // int → float rounds to nearest (ties to even): 2^24 + 1 is not representable.
  CHECK(toFloats(unary("cast", ints(DType::Int32, {2}, {16777217, -16777219}),
                       castTo("float32"))) == std::vector<float>{16777216.0f, -16777220.0f});
  CHECK(toInts(unary("cast", ints(DType::Int32, {3}, {0, 5, -1}), castTo("bool"))) ==
        std::vector<int64_t>{0, 1, 1});
  Tensor fb = unary("cast", floats({4}, {0.0f, -0.0f, 0.5f, kNaN}), castTo("bool"));
  CHECK(fb.dtype() == DType::Bool);
  CHECK(toInts(fb) == std::vector<int64_t>{0, 0, 1, 1});
  CHECK(toInts(unary("cast", fb, castTo("int16"))) == std::vector<int64_t>{0, 0, 1, 1});

  CHECK(inferOp("cast", {tensorType({2}, DType::Int8)}).error ==
        "attribute 'dtype' is missing (empty)");
  CHECK(inferOp("cast", {tensorType({2}, DType::Int8)}, castTo("int9")).error ==
        "attribute 'dtype' has unknown dtype 'int9'");
  CHECK(inferOp("cast", {tensorType({2, 3}, DType::Int8)}, castTo("float32")).type ==
        tensorType({2, 3}, DType::Float32));
}

TEST_CASE("copy is the identity for every dtype", "[ops][elemwise]") {
  Tensor b = ints(DType::Bool, {3}, {1, 0, 1});
  CHECK(evalOp("copy", {b}).bitEqual(b));
  Tensor f = floats({2, 1}, {1.5f, -2.0f});
  CHECK(evalOp("copy", {f}).bitEqual(f));
}
