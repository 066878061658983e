// mtc — tests of type inference: op relations through the module walk, function calls, tuples,
// declared types, errors with op, argument and location, and very deep graphs.
// SPDX-License-Identifier: Apache-2.0
#include "ir/builder.h"
#include "ir/infer_type.h"
#include "ir/ops/attrs.h"

#include <catch2/catch.hpp>

using namespace mtc;
using namespace mtc::ir;

namespace {

Type tt(Shape s, DType d) { return Type::tensor(std::move(s), d); }

/// A module under construction plus diagnostics captured into `out`, with a fake source file so
/// that locations print as `model.relay:LINE:COL`.
struct Env {
  std::shared_ptr<Context> ctx = std::make_shared<Context>();
  Module m{ctx};
  Builder b{*ctx};
  SourceManager sm;
  DiagEngine diag{sm};
  std::string out;
  int32_t file = sm.add("model.relay", "line one\nline two\nline three\nline four\n");
  Env() { diag.captureTo(&out); }
  SourceLoc at(int line, int col) const { return SourceLoc{file, line, col}; }
  bool infer() { return inferTypes(m, diag); }
};

/// qnn.conv2d (NHWC/HWIO, 3x3, padding 1) -> nn.bias_add -> qnn.requantize, as in the spec.
const CallNode *quantizedConv(Env &e, const VarNode *data, const VarNode *weight,
                              const VarNode *bias, SourceLoc convLoc = {}) {
  Builder &b = e.b;
  auto conv = b.call<Conv2DAttrs>(
      "qnn.conv2d",
      {data, weight, b.scalarInt(128), b.scalarInt(119), b.scalarFloat(0.0235f),
       b.scalarFloat(0.0113f)},
      [](Conv2DAttrs &a) {
        a.padding = {1, 1, 1, 1};
        a.channels = 8;
        a.kernel_size = {3, 3};
        a.data_layout = "NHWC";
        a.kernel_layout = "HWIO";
        a.out_dtype = "int32";
      },
      convLoc);
  auto biased = b.call<BiasAddAttrs>("nn.bias_add", {conv, bias}, [](BiasAddAttrs &a) { a.axis = 3; });
  return b.call<RequantizeAttrs>("qnn.requantize",
                                 {biased, b.scalarFloat(0.000265555f), b.scalarInt(0),
                                  b.scalarFloat(0.0471f), b.scalarInt(128)},
                                 [](RequantizeAttrs &a) { a.out_dtype = "uint8"; });
}

} // namespace

TEST_CASE("infer: a quantized conv block gets every node typed", "[infer]") {
  Env e;
  auto data = e.b.var("data", tt({1, 8, 8, 4}, DType::UInt8));
  auto weight = e.b.var("weight", tt({3, 3, 4, 8}, DType::UInt8));
  auto bias = e.b.var("bias", tt({8}, DType::Int32));
  auto out = quantizedConv(e, data, weight, bias);
  e.m.setFunction("main", e.b.function({data, weight, bias}, out, tt({1, 8, 8, 8}, DType::UInt8)));
  REQUIRE(e.infer());
  REQUIRE(e.out.empty());
  REQUIRE(out->type == tt({1, 8, 8, 8}, DType::UInt8));
  auto biased = dyn<CallNode>(out->args[0]);
  REQUIRE(biased->type == tt({1, 8, 8, 8}, DType::Int32));
  REQUIRE(biased->args[0]->type == tt({1, 8, 8, 8}, DType::Int32));
  REQUIRE(out->args[1]->type == Type::scalar(DType::Float32));
  REQUIRE(data->type == data->annotation);
  // Idempotent: a second run gives the same types.
  REQUIRE(e.infer());
  REQUIRE(out->type == tt({1, 8, 8, 8}, DType::UInt8));
}

TEST_CASE("infer: wrong argument count names the op and the location", "[infer]") {
  Env e;
  auto data = e.b.var("data", tt({1, 8, 8, 4}, DType::UInt8));
  auto weight = e.b.var("weight", tt({3, 3, 4, 8}, DType::UInt8));
  auto conv = e.b.call("qnn.conv2d",
                       {data, weight, e.b.scalarInt(0), e.b.scalarInt(0), e.b.scalarFloat(1)},
                       nullptr, e.at(2, 6));
  e.m.setFunction("main", e.b.function({data, weight}, conv));
  REQUIRE_FALSE(e.infer());
  INFO(e.out);
  REQUIRE(e.out.rfind("model.relay:2:6: error: qnn.conv2d expects 6 arguments (data, weight, "
                      "input_zero_point, kernel_zero_point, input_scale, kernel_scale), got 5\n",
                      0) == 0);
  REQUIRE(e.out.find("line two\n     ^\n") != std::string::npos);
  REQUIRE(e.diag.errorCount() == 1);
}

TEST_CASE("infer: a type-relation error names op, argument and location", "[infer]") {
  Env e;
  auto data = e.b.var("data", tt({1, 8, 8, 4}, DType::Int32)); // qnn.conv2d wants (u)int8
  auto weight = e.b.var("weight", tt({3, 3, 4, 8}, DType::UInt8));
  auto bias = e.b.var("bias", tt({8}, DType::Int32));
  e.m.setFunction("main", e.b.function({data, weight, bias},
                                       quantizedConv(e, data, weight, bias, e.at(3, 9))));
  REQUIRE_FALSE(e.infer());
  INFO(e.out);
  REQUIRE(e.out.rfind("model.relay:3:9: error: qnn.conv2d: argument 'data' has dtype int32", 0) ==
          0);

  Env f;
  auto x = f.b.var("x", tt({2, 3}, DType::Int8));
  auto y = f.b.var("y", tt({4, 3}, DType::Int8));
  f.m.setFunction("main", f.b.function({x, y}, f.b.call("add", {x, y}, nullptr, f.at(4, 3))));
  REQUIRE_FALSE(f.infer());
  INFO(f.out);
  REQUIRE(f.out.rfind("model.relay:4:3: error: add: cannot broadcast shapes (2, 3) and (4, 3)",
                      0) == 0);
}

TEST_CASE("infer: parameters need types and declared return types must match", "[infer]") {
  Env e;
  auto x = e.b.var("x", Type(), e.at(1, 10));
  e.m.setFunction("main", e.b.function({x}, e.b.call("nn.relu", {x})));
  REQUIRE_FALSE(e.infer());
  REQUIRE(e.out.rfind("model.relay:1:10: error: @main: parameter %x has no type", 0) == 0);

  Env f;
  auto y = f.b.var("y", tt({4}, DType::Int8));
  f.m.setFunction("main", f.b.function({y}, f.b.call("nn.relu", {y}), tt({4}, DType::Int32),
                                       f.at(1, 1)));
  REQUIRE_FALSE(f.infer());
  REQUIRE(f.out.rfind("model.relay:1:1: error: @main: declared return type Tensor[(4), int32] "
                      "but the body has type Tensor[(4), int8]",
                      0) == 0);
}

TEST_CASE("infer: calls of @functions, in any definition order", "[infer]") {
  Env e;
  // @main is defined before the function it calls.
  auto d = e.b.var("d", tt({2, 2}, DType::Int8));
  auto call = e.b.callFunction(e.b.globalVar("twice"), {d}, e.at(2, 3));
  e.m.setFunction("main", e.b.function({d}, e.b.call("nn.relu", {call})));
  auto p = e.b.var("p", tt({2, 2}, DType::Int8));
  e.m.setFunction("twice", e.b.function({p}, e.b.tuple({p, e.b.call("add", {p, p})})));
  // Tuples are values; projecting gives the field type.
  auto main2 = e.b.function({d}, e.b.getItem(e.b.callFunction(e.b.globalVar("twice"), {d}), 1));
  e.m.setFunction("main", main2);
  REQUIRE(e.infer());
  REQUIRE(main2->body->type == tt({2, 2}, DType::Int8));
  REQUIRE(dyn<TupleGetItemNode>(main2->body)->tuple->type ==
          Type::tuple({tt({2, 2}, DType::Int8), tt({2, 2}, DType::Int8)}));

  // Argument type and count mismatches name the parameter.
  Env f;
  auto q = f.b.var("q", tt({3}, DType::Int8));
  f.m.setFunction("id", f.b.function({q}, q));
  auto w = f.b.var("w", tt({3}, DType::UInt8));
  f.m.setFunction("main", f.b.function({w}, f.b.callFunction(f.b.globalVar("id"), {w}, f.at(2, 4))));
  REQUIRE_FALSE(f.infer());
  REQUIRE(f.out.rfind("model.relay:2:4: error: argument 0 of @id: parameter %q has type "
                      "Tensor[(3), int8], but the argument has type Tensor[(3), uint8]",
                      0) == 0);
  Env g;
  auto r = g.b.var("r", tt({3}, DType::Int8));
  g.m.setFunction("id", g.b.function({r}, r));
  g.m.setFunction("main", g.b.function({r}, g.b.callFunction(g.b.globalVar("id"), {r, r})));
  REQUIRE_FALSE(g.infer());
  REQUIRE(g.diag.lastError() == "call of @id expects 1 arguments, got 2");
}

TEST_CASE("infer: recursion and unknown functions are errors", "[infer]") {
  Env e;
  auto a = e.b.var("a", tt({1}, DType::Int32));
  e.m.setFunction("main", e.b.function({a}, e.b.callFunction(e.b.globalVar("f"), {a})));
  auto fa = e.b.var("a", tt({1}, DType::Int32));
  e.m.setFunction("f", e.b.function({fa}, e.b.callFunction(e.b.globalVar("g"), {fa})));
  auto ga = e.b.var("a", tt({1}, DType::Int32));
  e.m.setFunction("g", e.b.function({ga}, e.b.callFunction(e.b.globalVar("f", e.at(3, 5)), {ga})));
  REQUIRE_FALSE(e.infer());
  REQUIRE(e.out.rfind("model.relay:3:5: error: @g: recursive call of @f", 0) == 0);

  Env s;
  auto x = s.b.var("x", tt({1}, DType::Int32));
  s.m.setFunction("main", s.b.function({x}, s.b.callFunction(s.b.globalVar("main"), {x})));
  REQUIRE_FALSE(s.infer());
  REQUIRE(s.diag.lastError() == "@main: recursive call of @main (recursion is not supported)");

  Env u;
  auto y = u.b.var("y", tt({1}, DType::Int32));
  u.m.setFunction("main", u.b.function({y}, u.b.callFunction(u.b.globalVar("nope", u.at(1, 2)), {y})));
  REQUIRE_FALSE(u.infer());
  REQUIRE(u.out.rfind("model.relay:1:2: error: @main: unknown function @nope", 0) == 0);
}

TEST_CASE("infer: fn literals as callees, functions are not values", "[infer]") {
  Env e;
  auto data = e.b.var("data", tt({4}, DType::Int8));
  auto p0 = e.b.var("p0", tt({4}, DType::Int8));
  auto fused = e.b.function({p0}, e.b.call("nn.relu", {e.b.call("add", {p0, p0})}));
  auto call = e.b.callFunction(fused, {data});
  e.m.setFunction("main", e.b.function({data}, call));
  REQUIRE(e.infer());
  REQUIRE(call->type == tt({4}, DType::Int8));
  REQUIRE(fused->type.isUnknown()); // documented: functions have no first-class type

  Env f;
  auto d = f.b.var("d", tt({4}, DType::Int8));
  auto q = f.b.var("q", tt({4}, DType::Int8));
  auto lit = f.b.function({q}, q);
  f.m.setFunction("main", f.b.function({d}, f.b.tuple({d, lit}, f.at(2, 2))));
  REQUIRE_FALSE(f.infer());
  REQUIRE(f.out.rfind("model.relay:2:2: error: tuple field 1 is a fn literal, but functions can "
                      "only be called",
                      0) == 0);

  Env g;
  auto x = g.b.var("x", tt({4}, DType::Int8));
  g.m.setFunction("main", g.b.function({x}, g.b.callFunction(x, {x}, g.at(1, 1))));
  REQUIRE_FALSE(g.infer());
  REQUIRE(g.diag.lastError() ==
          "cannot call parameter %x: only fn literals and @functions can be called");
}

TEST_CASE("infer: tuple projections are range-checked", "[infer]") {
  Env e;
  auto x = e.b.var("x", tt({4}, DType::Int8));
  e.m.setFunction("main", e.b.function({x}, e.b.getItem(e.b.tuple({x, x}), 2, e.at(4, 7))));
  REQUIRE_FALSE(e.infer());
  REQUIRE(e.out.rfind("model.relay:4:7: error: tuple index 2 is out of range for "
                      "(Tensor[(4), int8], Tensor[(4), int8])",
                      0) == 0);
  Env f;
  auto y = f.b.var("y", tt({4}, DType::Int8));
  f.m.setFunction("main", f.b.function({y}, f.b.getItem(y, 0)));
  REQUIRE_FALSE(f.infer());
  REQUIRE(f.diag.lastError() == "cannot take field 0 of a non-tuple of type Tensor[(4), int8]");
}

TEST_CASE("infer: a chain of 100000 nodes", "[infer]") {
  Env e;
  auto x = e.b.var("x", tt({2}, DType::Int32));
  Expr cur = x;
  for (int i = 0; i < 100000; ++i) cur = e.b.call(i % 2 ? "nn.relu" : "add", i % 2 ? std::vector<Expr>{cur} : std::vector<Expr>{cur, x});
  e.m.setFunction("main", e.b.function({x}, cur));
  REQUIRE(e.infer());
  REQUIRE(cur->type == tt({2}, DType::Int32));
}

TEST_CASE("infer: inferCallType types one call built by a pass", "[infer]") {
  Env e;
  auto x = e.b.var("x", tt({2, 3}, DType::Int8));
  x->type = x->annotation;
  auto c = e.b.call<CastAttrs>("cast", {x}, [](CastAttrs &a) { a.dtype = "int32"; });
  REQUIRE(inferCallType(c, e.diag) == tt({2, 3}, DType::Int32));
  REQUIRE(c->type == tt({2, 3}, DType::Int32));
  auto bad = e.b.call("add", {x, c});
  REQUIRE(inferCallType(bad, e.diag).isUnknown());
  REQUIRE(e.diag.lastError().rfind("add: ", 0) == 0);
  REQUIRE(bad->type.isUnknown());
}
