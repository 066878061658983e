// mtc — tests of structural equality and its first-difference paths.
// SPDX-License-Identifier: Apache-2.0
#include "ir/builder.h"
#include "ir/equality.h"
#include "ir/ops/attrs.h"

#include <catch2/catch.hpp>

using namespace mtc;
using namespace mtc::ir;

namespace {

Type tt(Shape s, DType d) { return Type::tensor(std::move(s), d); }

/// Knobs for building two variants of the same small model.
struct Variant {
  int64_t biasAxis = 3;
  int64_t zeroPoint = 128;
  DType weightDType = DType::UInt8;
  std::string paramName = "data";
  Type retType;
  int64_t primitive = 1;
  float scale = 0.5f;
};

/// @main(data, weight, bias) = requantize(bias_add(conv(data, weight), bias)) followed by a call
/// of a fused fn literal.
Module build(const Variant &v) {
  auto ctx = std::make_shared<Context>();
  Module m(ctx);
  Builder b(*ctx);
  auto data = b.var(v.paramName, tt({1, 8, 8, 4}, DType::UInt8));
  auto weight = b.var("weight", tt({3, 3, 4, 8}, v.weightDType));
  auto bias = b.var("bias", tt({8}, DType::Int32));
  auto conv = b.call<Conv2DAttrs>(
      "qnn.conv2d",
      {data, weight, b.scalarInt(v.zeroPoint), b.scalarInt(0), b.scalarFloat(v.scale),
       b.scalarFloat(0.25f)},
      [](Conv2DAttrs &a) {
        a.data_layout = "NHWC";
        a.kernel_layout = "HWIO";
      });
  auto biased = b.call<BiasAddAttrs>("nn.bias_add", {conv, bias},
                                     [&](BiasAddAttrs &a) { a.axis = v.biasAxis; });
  auto req = b.call<RequantizeAttrs>("qnn.requantize",
                                     {biased, b.scalarFloat(1), b.scalarInt(0), b.scalarFloat(2),
                                      b.scalarInt(0)},
                                     [](RequantizeAttrs &a) { a.out_dtype = "uint8"; });
  auto p = b.var("p0", tt({1, 6, 6, 8}, DType::UInt8));
  FunctionNode *fused =
      const_cast<FunctionNode *>(b.function({p}, b.call("nn.relu", {p})));
  fused->attrs["Primitive"] = AttrValue::ofInt(v.primitive);
  m.setFunction("main", b.function({data, weight, bias}, b.callFunction(fused, {req}), v.retType));
  return m;
}

std::string diff(const Module &a, const Module &b) {
  std::string why;
  bool eq = structurallyEqual(a, b, &why);
  REQUIRE(eq == why.empty());
  return why;
}

} // namespace

TEST_CASE("equality: equal modules, names and locations ignored", "[equality]") {
  Variant v;
  Module a = build(v);
  REQUIRE(diff(a, build(v)).empty());
  REQUIRE(diff(a, a).empty());
  Variant renamed;
  renamed.paramName = "input";
  REQUIRE(diff(a, build(renamed)).empty());
}

TEST_CASE("equality: the first difference is named by its path", "[equality]") {
  Variant base;
  Variant axis;
  axis.biasAxis = 1;
  REQUIRE(diff(build(base), build(axis)) == "@main: body: call of a fn: arg 0: call qnn.requantize: "
                                            "arg 0: call nn.bias_add: attr axis: 3 vs 1");
  Variant zp;
  zp.zeroPoint = 127;
  REQUIRE(diff(build(base), build(zp)) ==
          "@main: body: call of a fn: arg 0: call qnn.requantize: arg 0: call nn.bias_add: arg 0: "
          "call qnn.conv2d: arg 2: constant: element 0: 128 vs 127");
  Variant scale;
  scale.scale = 0.75f;
  REQUIRE(diff(build(base), build(scale)).find("arg 4: constant: element 0: 0.5 vs 0.75") !=
          std::string::npos);
  Variant wt;
  wt.weightDType = DType::Int8;
  REQUIRE(diff(build(base), build(wt)) ==
          "@main: param 1 (%weight): type Tensor[(3, 3, 4, 8), uint8] vs Tensor[(3, 3, 4, 8), int8]");
  Variant ret;
  ret.retType = tt({1, 6, 6, 8}, DType::UInt8);
  REQUIRE(diff(build(base), build(ret)) == "@main: return type ? vs Tensor[(1, 6, 6, 8), uint8]");
  Variant prim;
  prim.primitive = 2;
  REQUIRE(diff(build(base), build(prim)) == "@main: body: call of a fn: callee: fn: attr Primitive: 1 vs 2");
}

TEST_CASE("equality: node kinds, ops, variables and sharing", "[equality]") {
  auto ctx = std::make_shared<Context>();
  Builder b(*ctx);
  auto x = b.var("x", tt({4}, DType::Int32));
  auto y = b.var("y", tt({4}, DType::Int32));
  auto fn = [&](Expr body) { return b.function({x, y}, body); };
  auto make = [&](Expr body) {
    Module m(ctx);
    m.setFunction("main", fn(body));
    return m;
  };
  REQUIRE(diff(make(b.call("add", {x, y})), make(b.call("subtract", {x, y}))) ==
          "@main: body: call add vs call subtract");
  REQUIRE(diff(make(b.call("add", {x, y})), make(b.call("add", {y, x}))) ==
          "@main: body: call add: arg 0: %x vs %y (a different variable)");
  REQUIRE(diff(make(b.call("add", {x, y})), make(b.call("add", {x, b.scalarInt(1)}))) ==
          "@main: body: call add: arg 1: %y vs constant");
  REQUIRE(diff(make(b.tuple({x, y})), make(b.tuple({x}))) == "@main: body: tuple: 2 fields vs 1");
  REQUIRE(diff(make(b.getItem(b.tuple({x, y}), 0)), make(b.getItem(b.tuple({x, y}), 1))) ==
          "@main: body: tuple item .0 vs tuple item .1");
  REQUIRE(diff(make(b.constant(Tensor::zeros({2}, DType::Int8))),
               make(b.constant(Tensor::zeros({3}, DType::Int8)))) ==
          "@main: body: constant: Tensor[(2), int8] vs Tensor[(3), int8]");

  // A computation shared on one side and duplicated on the other is a difference...
  auto r = b.call("nn.relu", {x});
  REQUIRE(diff(make(b.call("add", {r, r})), make(b.call("add", {r, b.call("nn.relu", {x})}))) ==
          "@main: body: call add: arg 1: call nn.relu: sharing differs: the node is shared on one "
          "side and duplicated on the other");
  // ...but constants and tuples are compared by value wherever they occur.
  auto c = b.scalarInt(3);
  REQUIRE(diff(make(b.call("add", {c, c})), make(b.call("add", {c, b.scalarInt(3)}))).empty());
  auto t = b.tuple({x, y});
  REQUIRE(diff(make(b.tuple({t, t})), make(b.tuple({t, b.tuple({x, y})}))).empty());

  // Modules: function names and counts.
  Module one = make(x), two = make(x);
  two.setFunction("extra", fn(y));
  REQUIRE(diff(one, two) == "@extra: only in the second module");
  REQUIRE(diff(two, one) == "@extra: only in the first module");
}

TEST_CASE("equality: expressions with free variables", "[equality]") {
  auto ctx = std::make_shared<Context>();
  Builder b(*ctx);
  auto x = b.var("x", tt({4}, DType::Int32)), y = b.var("y", tt({4}, DType::Int32));
  auto z = b.var("z", tt({4}, DType::Int8));
  std::string why;
  REQUIRE(structurallyEqual(b.call("add", {x, x}), b.call("add", {y, y}), &why));
  REQUIRE_FALSE(structurallyEqual(b.call("add", {x, x}), b.call("add", {x, y}), &why));
  REQUIRE(why == "call add: arg 1: %x vs %y (a different variable)");
  REQUIRE_FALSE(structurallyEqual(b.call("nn.relu", {x}), b.call("nn.relu", {z}), &why));
  REQUIRE(why == "call nn.relu: arg 0: type of %x: Tensor[(4), int32] vs Tensor[(4), int8]");
  REQUIRE_FALSE(structurallyEqual(x, nullptr, &why));
}

TEST_CASE("equality: chains of 100000 nodes", "[equality]") {
  auto build = [](int64_t lastConst) {
    auto ctx = std::make_shared<Context>();
    Module m(ctx);
    Builder b(*ctx);
    auto x = b.var("x", tt({2}, DType::Int32));
    Expr cur = b.call("add", {x, b.scalarInt(lastConst)});
    for (int i = 0; i < 100000; ++i) cur = b.call(i % 2 ? "nn.relu" : "negative", {cur});
    m.setFunction("main", b.function({x}, cur));
    return m;
  };
  Module a = build(1);
  REQUIRE(diff(a, build(1)).empty());
  std::string why = diff(a, build(2));
  // The path keeps its head and tail and elides the middle.
  REQUIRE(why.rfind("@main: body: call nn.relu: arg 0: call negative: arg 0: ... (", 0) == 0);
  REQUIRE(why.find(" more steps) ...: ") != std::string::npos);
  REQUIRE(why.size() < 400);
  const std::string tail = "call add: arg 1: constant: element 0: 1 vs 2";
  REQUIRE(why.size() > tail.size());
  REQUIRE(why.substr(why.size() - tail.size()) == tail);
}
