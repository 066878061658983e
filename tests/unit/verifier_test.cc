// mtc — tests of the structural verifier: scopes, parameters, op arity and attrs, globals.
// SPDX-License-Identifier: Apache-2.0
#include "ir/builder.h"
#include "ir/ops/attrs.h"
#include "ir/verifier.h"

#include <catch2/catch.hpp>

using namespace mtc;
using namespace mtc::ir;

namespace {

Type tt(Shape s, DType d) { return Type::tensor(std::move(s), d); }

struct Env {
  std::shared_ptr<Context> ctx = std::make_shared<Context>();
  Module m{ctx};
  Builder b{*ctx};
  SourceManager sm;
  DiagEngine diag{sm};
  std::string out;
  int32_t file = sm.add("v.relay", "a\nb\nc\nd\ne\n");
  Env() { diag.captureTo(&out); }
  SourceLoc at(int line, int col) const { return SourceLoc{file, line, col}; }
  bool verify() { return verifyModule(m, diag); }
  bool has(const std::string &s) const { return out.find(s) != std::string::npos; }
};

} // namespace

TEST_CASE("verifier: a well-formed module passes", "[verifier]") {
  Env e;
  auto x = e.b.var("x", tt({4}, DType::Int8));
  auto p = e.b.var("p", tt({4}, DType::Int8));
  auto fused = e.b.function({p}, e.b.call("nn.relu", {p}));
  auto y = e.b.var("y", tt({4}, DType::Int8));
  e.m.setFunction("helper", e.b.function({y}, e.b.tuple({y, y})));
  auto pair = e.b.callFunction(e.b.globalVar("helper"), {e.b.callFunction(fused, {x})});
  e.m.setFunction("main", e.b.function({x}, e.b.getItem(pair, 1)));
  INFO(e.out);
  REQUIRE(e.verify());
  REQUIRE(e.out.empty());
}

TEST_CASE("verifier: missing @main, unknown globals, bodies", "[verifier]") {
  Env e;
  auto x = e.b.var("x", tt({4}, DType::Int8));
  e.m.setFunction("f", e.b.function({x}, e.b.callFunction(e.b.globalVar("g", e.at(2, 3)), {x})));
  e.m.setFunction("h", e.b.function({}, nullptr, {}, e.at(4, 1)));
  REQUIRE_FALSE(e.verify());
  INFO(e.out);
  REQUIRE(e.has("error: module has no @main function"));
  REQUIRE(e.has("v.relay:2:3: error: @f: unknown function @g"));
  REQUIRE(e.has("v.relay:4:1: error: @h: function has no body"));
  REQUIRE(e.diag.errorCount() == 3);
}

TEST_CASE("verifier: variables must be parameters of their own function", "[verifier]") {
  Env e;
  auto x = e.b.var("x", tt({4}, DType::Int8));
  auto stray = e.b.var("stray", tt({4}, DType::Int8));
  e.m.setFunction("main", e.b.function({x}, e.b.call("add", {x, stray}, nullptr, e.at(1, 5))));
  REQUIRE_FALSE(e.verify());
  REQUIRE(e.has("v.relay:1:5: error: @main: %stray is not a parameter of this function"));

  // fn literals are closed: an outer parameter may not be used inside.
  Env f;
  auto d = f.b.var("d", tt({4}, DType::Int8));
  auto p = f.b.var("p", tt({4}, DType::Int8));
  auto lit = f.b.function({p}, f.b.call("add", {p, d}, nullptr, f.at(3, 2)));
  f.m.setFunction("main", f.b.function({d}, f.b.callFunction(lit, {d})));
  REQUIRE_FALSE(f.verify());
  INFO(f.out);
  REQUIRE(f.has("v.relay:3:2: error: fn literal in @main: %d is not a parameter of this function "
                "(fn literals are closed"));
  REQUIRE(f.diag.errorCount() == 1);

  Env g;
  auto q = g.b.var("q", tt({4}, DType::Int8), g.at(5, 9));
  g.m.setFunction("main", g.b.function({q, q}, q));
  REQUIRE_FALSE(g.verify());
  REQUIRE(g.has("v.relay:5:9: error: @main: parameter %q is listed twice"));
}

TEST_CASE("verifier: op arity and attribute structs", "[verifier]") {
  Env e;
  auto x = e.b.var("x", tt({4}, DType::Int8));
  // Nodes built by hand, bypassing the builder's defaults, as a buggy pass could.
  CallNode *few = e.ctx->make<CallNode>();
  few->op = OpRegistry::global().find("add");
  few->args = {x};
  few->loc = e.at(1, 1);
  CallNode *wrongAttrs = e.ctx->make<CallNode>();
  wrongAttrs->op = OpRegistry::global().find("nn.bias_add");
  wrongAttrs->args = {few, x};
  wrongAttrs->attrs = std::make_shared<ClipAttrs>();
  wrongAttrs->loc = e.at(2, 1);
  CallNode *noAttrs = e.ctx->make<CallNode>();
  noAttrs->op = OpRegistry::global().find("cast");
  noAttrs->args = {wrongAttrs};
  noAttrs->loc = e.at(3, 1);
  CallNode *extraAttrs = e.ctx->make<CallNode>();
  extraAttrs->op = OpRegistry::global().find("add");
  extraAttrs->args = {noAttrs, x};
  extraAttrs->attrs = std::make_shared<CastAttrs>();
  extraAttrs->loc = e.at(4, 1);
  e.m.setFunction("main", e.b.function({x}, extraAttrs));
  REQUIRE_FALSE(e.verify());
  INFO(e.out);
  REQUIRE(e.has("v.relay:1:1: error: @main: add expects 2 arguments (lhs, rhs), got 1"));
  REQUIRE(e.has("v.relay:2:1: error: @main: nn.bias_add: attributes are ClipAttrs, expected "
                "BiasAddAttrs"));
  REQUIRE(e.has("v.relay:3:1: error: @main: cast: missing attributes (expected CastAttrs)"));
  REQUIRE(e.has("v.relay:4:1: error: @main: add takes no attributes, got CastAttrs"));
  REQUIRE(e.diag.errorCount() == 4);
  REQUIRE(checkOpCall(few) == "add expects 2 arguments (lhs, rhs), got 1");
}

TEST_CASE("verifier: malformed calls and function values", "[verifier]") {
  Env e;
  auto x = e.b.var("x", tt({4}, DType::Int8));
  CallNode *neither = e.ctx->make<CallNode>();
  neither->args = {x};
  neither->loc = e.at(1, 2);
  auto callParam = e.b.callFunction(x, {neither}, e.at(2, 2));
  auto lit = e.b.function({}, e.b.scalarInt(1));
  auto asValue = e.b.tuple({callParam, lit, e.b.globalVar("main")}, e.at(3, 2));
  e.m.setFunction("main", e.b.function({x}, e.b.getItem(asValue, -1, e.at(4, 2))));
  REQUIRE_FALSE(e.verify());
  INFO(e.out);
  REQUIRE(e.has("v.relay:1:2: error: @main: call has neither an op nor a callee"));
  REQUIRE(e.has("v.relay:2:2: error: @main: cannot call parameter %x"));
  REQUIRE(e.has("v.relay:3:2: error: @main: fn literal is used as field 1, but functions can "
                "only be called"));
  REQUIRE(e.has("v.relay:3:2: error: @main: function @main is used as field 2"));
  REQUIRE(e.has("v.relay:4:2: error: @main: negative tuple index -1"));
}

TEST_CASE("verifier: a chain of 100000 nodes", "[verifier]") {
  Env e;
  auto x = e.b.var("x", tt({2}, DType::Int32));
  Expr cur = x;
  for (int i = 0; i < 100000; ++i) cur = e.b.call("add", {cur, x});
  e.m.setFunction("main", e.b.function({x}, cur));
  REQUIRE(e.verify());
}
