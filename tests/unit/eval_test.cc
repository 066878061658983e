// mtc — tests of the reference evaluator's graph walk: inputs by name, function calls, tuples,
// single calls and very deep graphs. (Per-op semantics are tested with each op family.)
// SPDX-License-Identifier: Apache-2.0
#include "ir/builder.h"
#include "ir/eval.h"
#include "ir/infer_type.h"
#include "ir/ops/attrs.h"

#include <catch2/catch.hpp>

using namespace mtc;
using namespace mtc::ir;

namespace {

Type tt(Shape s, DType d) { return Type::tensor(std::move(s), d); }

Tensor ints(Shape shape, DType dt, std::vector<int64_t> v) {
  Tensor t = Tensor::zeros(std::move(shape), dt);
  REQUIRE(static_cast<int64_t>(v.size()) == t.numElements());
  for (size_t i = 0; i < v.size(); ++i) t.setInt(static_cast<int64_t>(i), v[i]);
  return t;
}

std::vector<int64_t> values(const Tensor &t) {
  std::vector<int64_t> r;
  for (int64_t i = 0; i < t.numElements(); ++i) r.push_back(t.intAt(i));
  return r;
}

struct Env {
  std::shared_ptr<Context> ctx = std::make_shared<Context>();
  Module m{ctx};
  Builder b{*ctx};
  SourceManager sm;
  DiagEngine diag{sm};
  std::string out;
  Env() { diag.captureTo(&out); }
};

/// @main(data: int32[4], bias: int32[4]) = relu(data - bias) and cast to int8 (wrapping), as a
/// tuple; the subtraction runs in a fused fn literal and the cast in a module function.
void buildModel(Env &e) {
  Builder &b = e.b;
  auto p = b.var("p", tt({4}, DType::Int32));
  e.m.setFunction("narrow", b.function({p}, b.call<CastAttrs>("cast", {p}, [](CastAttrs &a) {
                                         a.dtype = "int8";
                                       })));
  auto data = b.var("data", tt({4}, DType::Int32));
  auto bias = b.var("bias", tt({4}, DType::Int32));
  auto q0 = b.var("q0", tt({4}, DType::Int32)), q1 = b.var("q1", tt({4}, DType::Int32));
  auto fused = b.function({q0, q1}, b.call("nn.relu", {b.call("subtract", {q0, q1})}));
  auto diff = b.callFunction(fused, {data, bias});
  auto narrow = b.callFunction(b.globalVar("narrow"), {diff});
  e.m.setFunction("main", b.function({data, bias}, b.tuple({diff, narrow})));
}

} // namespace

TEST_CASE("eval: a small graph with function calls and a tuple result", "[eval]") {
  Env e;
  buildModel(e);
  // evaluate() infers types itself when the module is not typed yet.
  auto v = evaluate(e.m,
                    {{"data", ints({4}, DType::Int32, {5, 300, -7, 1000})},
                     {"bias", ints({4}, DType::Int32, {1, 0, 3, -100})}},
                    e.diag);
  INFO(e.out);
  REQUIRE(v);
  REQUIRE(v->isTuple);
  std::vector<Tensor> outs = flattenOutputs(*v);
  REQUIRE(outs.size() == 2);
  REQUIRE(outs[0].type() == tt({4}, DType::Int32));
  REQUIRE(values(outs[0]) == std::vector<int64_t>{4, 300, 0, 1100});
  REQUIRE(outs[1].type() == tt({4}, DType::Int8));
  // 300 and 1100 wrap to int8 like a C cast: 300 - 256 = 44, 1100 - 1024 = 76.
  REQUIRE(values(outs[1]) == std::vector<int64_t>{4, 44, 0, 76});
  // Another function of the module can be run by name.
  auto n = evaluate(e.m, {{"p", ints({4}, DType::Int32, {-129, 127, 128, 255})}}, e.diag, "narrow");
  REQUIRE(n);
  REQUIRE(values(n->tensor) == std::vector<int64_t>{127, 127, -128, -1});
  REQUIRE(e.diag.errorCount() == 0);
}

TEST_CASE("eval: inputs are checked by name, dtype and shape", "[eval]") {
  Env e;
  buildModel(e);
  Tensor good = ints({4}, DType::Int32, {1, 2, 3, 4});
  auto run = [&](std::map<std::string, Tensor> in) {
    e.out.clear();
    auto v = evaluate(e.m, in, e.diag);
    REQUIRE_FALSE(v);
    return e.out;
  };
  REQUIRE(run({{"data", good}}) == "error: missing input 'bias' for @main\n");
  REQUIRE(run({{"data", good}, {"bias", good}, {"foo", good}}) ==
          "error: no parameter named 'foo' in @main\n");
  REQUIRE(run({{"data", ints({1, 3}, DType::Int32, {1, 2, 3})}, {"bias", good}}) ==
          "error: input 'data' has shape (1, 3) but @main expects (4)\n");
  REQUIRE(run({{"data", good}, {"bias", ints({4}, DType::Int8, {1, 2, 3, 4})}}) ==
          "error: input 'bias' has dtype int8 but @main expects int32\n");
  REQUIRE(run({}) ==
          "error: missing input 'data' for @main\nerror: missing input 'bias' for @main\n");
}

TEST_CASE("eval: unknown functions and type errors are reported", "[eval]") {
  Env e;
  buildModel(e);
  REQUIRE_FALSE(evaluate(e.m, {}, e.diag, "nope"));
  REQUIRE(e.diag.lastError() == "no function @nope in the module");

  Env f;
  auto x = f.b.var("x", tt({2}, DType::Int32)), y = f.b.var("y", tt({3}, DType::Int32));
  f.m.setFunction("main", f.b.function({x, y}, f.b.call("add", {x, y})));
  REQUIRE_FALSE(evaluate(f.m, {{"x", ints({2}, DType::Int32, {1, 2})},
                               {"y", ints({3}, DType::Int32, {1, 2, 3})}},
                         f.diag));
  REQUIRE(f.diag.lastError().rfind("add: cannot broadcast shapes (2) and (3)", 0) == 0);
}

TEST_CASE("eval: a quantized conv block runs through qnn ops", "[eval]") {
  Env e;
  Builder &b = e.b;
  // 1x1 conv with one input and one output channel: out = (x - 2) * (w - 1) exactly, then
  // requantized with scale ratio 1 (identity) and clipped to uint8 by the out dtype.
  auto data = b.var("data", tt({1, 2, 2, 1}, DType::UInt8));
  auto weight = b.constant(ints({1, 1, 1, 1}, DType::UInt8, {4}));
  auto conv = b.call<Conv2DAttrs>(
      "qnn.conv2d",
      {data, weight, b.scalarInt(2), b.scalarInt(1), b.scalarFloat(0.5f), b.scalarFloat(0.5f)},
      [](Conv2DAttrs &a) {
        a.data_layout = "NHWC";
        a.kernel_layout = "HWIO";
        a.out_dtype = "int32";
      });
  auto req = b.call<RequantizeAttrs>(
      "qnn.requantize", {conv, b.scalarFloat(0.25f), b.scalarInt(0), b.scalarFloat(0.25f),
                         b.scalarInt(10)},
      [](RequantizeAttrs &a) { a.out_dtype = "uint8"; });
  e.m.setFunction("main", b.function({data}, req));
  REQUIRE(inferTypes(e.m, e.diag));
  auto v = evaluate(e.m, {{"data", ints({1, 2, 2, 1}, DType::UInt8, {2, 3, 100, 0})}}, e.diag);
  INFO(e.out);
  REQUIRE(v);
  // (x - 2) * 3 + 10, saturated to [0, 255].
  REQUIRE(values(v->tensor) == std::vector<int64_t>{10, 13, 255, 4});
}

TEST_CASE("eval: evalCall runs one typed call", "[eval]") {
  Env e;
  auto c = e.b.call<ClipAttrs>("clip", {e.b.constant(ints({3}, DType::Int8, {-100, 5, 100}))},
                               [](ClipAttrs &a) {
                                 a.a_min = -10;
                                 a.a_max = 10;
                               });
  REQUIRE_FALSE(inferCallType(c, e.diag).isUnknown());
  Value r = evalCall(c, {Value(dyn<ConstantNode>(c->args[0])->value)});
  REQUIRE(values(r.tensor) == std::vector<int64_t>{-10, 5, 10});
  REQUIRE(flattenOutputs(r).size() == 1);
}

TEST_CASE("eval: a chain of 100000 nodes", "[eval]") {
  Env e;
  auto x = e.b.var("x", tt({2}, DType::Int32));
  Expr cur = x;
  for (int i = 0; i < 100000; ++i) cur = e.b.call("add", {cur, x});
  e.m.setFunction("main", e.b.function({x}, cur));
  auto v = evaluate(e.m, {{"x", ints({2}, DType::Int32, {1, -3})}}, e.diag);
  REQUIRE(v);
  REQUIRE(values(v->tensor) == std::vector<int64_t>{100001, -300003});
}
