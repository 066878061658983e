// mtc — tests of the text-format parser: each construct, the spec's example, and errors with
// their exact message and location.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/parser.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <string>

using namespace mtc;
using namespace mtc::ir;

namespace {

struct Parsed {
  std::optional<Module> module;
  std::string diag;
  int errors = 0;
};

Parsed parse(std::string_view text) {
  SourceManager sm;
  DiagEngine d(sm);
  Parsed p;
  d.captureTo(&p.diag);
  p.module = parseModule(text, "t.relay", d);
  p.errors = d.errorCount();
  return p;
}

Module parseOk(std::string_view text) {
  Parsed p = parse(text);
  INFO(p.diag);
  REQUIRE(p.module);
  REQUIRE(p.diag.empty());
  return *p.module;
}

/// The first line of the diagnostic ("t.relay:L:C: error: ..."); checks exactly one error.
std::string parseErr(std::string_view text) {
  Parsed p = parse(text);
  REQUIRE_FALSE(p.module);
  REQUIRE(p.errors == 1);
  return p.diag.substr(0, p.diag.find('\n'));
}

/// The body of @main of a one-function module whose body is `body`.
Expr mainBody(const std::string &params, const std::string &body) {
  static std::vector<Module> keep; // the nodes live in the module's context
  keep.push_back(parseOk("def @main(" + params + ") {\n" + body + "\n}\n"));
  return keep.back().main()->body;
}

const ConstantNode *scalarOf(Expr e, DType dt) {
  const ConstantNode *c = dyn<ConstantNode>(e);
  REQUIRE(c);
  REQUIRE(c->value.rank() == 0);
  REQUIRE(c->value.dtype() == dt);
  return c;
}

const char *kSpecExample = R"(#[version = "0.0.5"]
def @main(%data: Tensor[(1, 56, 56, 64), uint8], %weight: Tensor[(3, 3, 64, 64), uint8],
          %bias: Tensor[(64), int32]) -> Tensor[(1, 56, 56, 64), uint8] {
  %0 = qnn.conv2d(%data, %weight, 128, 119, 0.0235f, 0.0113f, strides=[1, 1], padding=[1, 1, 1, 1],
                  channels=64, kernel_size=[3, 3], data_layout="NHWC", kernel_layout="HWIO",
                  out_dtype="int32");
  %1 = nn.bias_add(%0, %bias, axis=3);
  %2 = qnn.requantize(%1, 0.000265555f, 0, 0.0471f, 128, rounding="UPWARD", out_dtype="uint8");
  %2
}
)";

} // namespace

TEST_CASE("parser: the complete example of the spec", "[parser]") {
  Module m = parseOk(kSpecExample);
  REQUIRE(m.functions().size() == 1);
  const FunctionNode *f = m.main();
  REQUIRE(f);
  REQUIRE(f->params.size() == 3);
  CHECK(f->params[0]->name == "data");
  CHECK(f->params[0]->annotation == Type::tensor({1, 56, 56, 64}, DType::UInt8));
  CHECK(f->params[2]->annotation == Type::tensor({64}, DType::Int32));
  CHECK(f->retType == Type::tensor({1, 56, 56, 64}, DType::UInt8));

  REQUIRE(isOpCall(f->body, "qnn.requantize"));
  auto rq = dyn<CallNode>(f->body);
  CHECK(rq->attrsAs<RequantizeAttrs>().out_dtype == "uint8");
  CHECK(scalarOf(rq->args[1], DType::Float32)->value.data<float>()[0] == 0.000265555f);
  CHECK(scalarOf(rq->args[4], DType::Int32)->value.intAt(0) == 128);
  REQUIRE(isOpCall(rq->args[0], "nn.bias_add"));
  auto ba = dyn<CallNode>(rq->args[0]);
  CHECK(ba->attrsAs<BiasAddAttrs>().axis == 3);
  CHECK(ba->args[1] == f->params[2]);
  REQUIRE(isOpCall(ba->args[0], "qnn.conv2d"));
  auto conv = dyn<CallNode>(ba->args[0]);
  const auto &ca = conv->attrsAs<Conv2DAttrs>();
  CHECK(ca.channels == 64);
  CHECK(ca.padding == std::vector<int64_t>{1, 1, 1, 1});
  CHECK(ca.kernel_size == std::vector<int64_t>{3, 3});
  CHECK(ca.data_layout == "NHWC");
  CHECK(ca.kernel_layout == "HWIO");
  CHECK(ca.out_dtype == "int32");
  CHECK(conv->args[0] == f->params[0]);
  CHECK(scalarOf(conv->args[3], DType::Int32)->value.intAt(0) == 119);
  CHECK(scalarOf(conv->args[4], DType::Float32)->value.data<float>()[0] == 0.0235f);
  // Locations point at the op names.
  CHECK(conv->loc.line == 4);
  CHECK(conv->loc.col == 8);
}

TEST_CASE("parser: the version header is optional; several functions; global calls",
          "[parser]") {
  Module m = parseOk("def @f(%x: int8) -> int8 { %x }\n"
                     "def @main(%a: Tensor[(2), int8]) { @f(%a) }\n");
  REQUIRE(m.functions().size() == 2);
  CHECK(m.functions()[0].first == "f");
  CHECK(m.function("f")->params[0]->annotation == Type::scalar(DType::Int8));
  auto call = dyn<CallNode>(m.main()->body);
  REQUIRE(call);
  CHECK(call->op == nullptr);
  auto g = dyn<GlobalVarNode>(call->callee);
  REQUIRE(g);
  CHECK(g->name == "f");
  // A function may be used before it is defined.
  parseOk("def @main(%a: int8) { @f(%a) }\ndef @f(%x: int8) { %x }\n");
}

TEST_CASE("parser: bindings are graph names, not copies", "[parser]") {
  Expr body = mainBody("%x: Tensor[(4), int8]", "%0 = nn.relu(%x);\n%1 = add(%0, %0);\n%1");
  auto add = dyn<CallNode>(body);
  REQUIRE(add);
  CHECK(add->args[0] == add->args[1]);
  CHECK(isOpCall(add->args[0], "nn.relu"));
  // Identifier names, dotted names and aliases of a parameter.
  Expr b2 = mainBody("%conv1.weight: int8", "%w_2 = %conv1.weight;\n%a.b = nn.relu(%w_2);\n%a.b");
  REQUIRE(isOpCall(b2, "nn.relu"));
  CHECK(dyn<VarNode>(dyn<CallNode>(b2)->args[0])->name == "conv1.weight");
}

TEST_CASE("parser: tuples, projections and parentheses", "[parser]") {
  Expr pair = mainBody("%a: int8, %b: int8", "(%a, %b)");
  REQUIRE(dyn<TupleNode>(pair));
  CHECK(dyn<TupleNode>(pair)->fields.size() == 2);
  Expr one = mainBody("%a: int8", "(%a,)");
  REQUIRE(dyn<TupleNode>(one));
  CHECK(dyn<TupleNode>(one)->fields.size() == 1);
  Expr empty = mainBody("", "()");
  REQUIRE(dyn<TupleNode>(empty));
  CHECK(dyn<TupleNode>(empty)->fields.empty());
  Expr paren = mainBody("%a: int8", "((%a))");
  CHECK(dyn<VarNode>(paren));

  Expr proj = mainBody("%t: (int8, int32)", "%t.1");
  auto g = dyn<TupleGetItemNode>(proj);
  REQUIRE(g);
  CHECK(g->index == 1);
  CHECK(dyn<VarNode>(g->tuple));
  // `%t.0.1` is two projections, and `(expr).1` projects a parenthesised expression.
  Expr chain = mainBody("%t: ((int8, int8), int8)", "%t.0.1");
  auto outer = dyn<TupleGetItemNode>(chain);
  REQUIRE(outer);
  CHECK(outer->index == 1);
  REQUIRE(dyn<TupleGetItemNode>(outer->tuple));
  CHECK(dyn<TupleGetItemNode>(outer->tuple)->index == 0);
  Expr pe = mainBody("%a: int8, %b: int8", "(%a, %b).1");
  REQUIRE(dyn<TupleGetItemNode>(pe));
  CHECK(dyn<TupleNode>(dyn<TupleGetItemNode>(pe)->tuple));
}

TEST_CASE("parser: scalar literals carry their dtype", "[parser]") {
  auto lit = [](const std::string &text) { return dyn<ConstantNode>(mainBody("", text)); };
  CHECK(scalarOf(lit("128"), DType::Int32)->value.intAt(0) == 128);
  CHECK(scalarOf(lit("-3i8"), DType::Int8)->value.intAt(0) == -3);
  CHECK(scalarOf(lit("7u8"), DType::UInt8)->value.intAt(0) == 7);
  CHECK(scalarOf(lit("5i16"), DType::Int16)->value.intAt(0) == 5);
  CHECK(scalarOf(lit("5i64"), DType::Int64)->value.intAt(0) == 5);
  CHECK(scalarOf(lit("-9223372036854775808i64"), DType::Int64)->value.intAt(0) == INT64_MIN);
  CHECK(scalarOf(lit("-2147483648"), DType::Int32)->value.intAt(0) == INT32_MIN);
  CHECK(scalarOf(lit("255u8"), DType::UInt8)->value.intAt(0) == 255);
  CHECK(scalarOf(lit("0.5f"), DType::Float32)->value.data<float>()[0] == 0.5f);
  CHECK(scalarOf(lit("1e-3f"), DType::Float32)->value.data<float>()[0] == 1e-3f);
  CHECK(scalarOf(lit("-0.25f"), DType::Float32)->value.data<float>()[0] == -0.25f);
  CHECK(scalarOf(lit("2f"), DType::Float32)->value.data<float>()[0] == 2.0f);
  CHECK(scalarOf(lit("3.4028235e+38f"), DType::Float32)->value.data<float>()[0] ==
        3.4028235e38f);
  CHECK(std::signbit(scalarOf(lit("-0.0f"), DType::Float32)->value.data<float>()[0]));
  CHECK(scalarOf(lit("True"), DType::Bool)->value.intAt(0) == 1);
  CHECK(scalarOf(lit("False"), DType::Bool)->value.intAt(0) == 0);
}

TEST_CASE("parser: types", "[parser]") {
  Module m = parseOk("def @main(%a: Tensor[(), int32], %b: Tensor[(64), int32], "
                     "%c: Tensor[(64,), int8], %d: float32, %e: (Tensor[(1, 2), uint8], bool), "
                     "%f: (int16,), %g: (), %h: Tensor[(1, 0, 3), int64], %i) { %a }");
  const auto &p = m.main()->params;
  CHECK(p[0]->annotation == Type::scalar(DType::Int32));
  CHECK(p[1]->annotation == Type::tensor({64}, DType::Int32));
  CHECK(p[2]->annotation == Type::tensor({64}, DType::Int8));
  CHECK(p[3]->annotation == Type::scalar(DType::Float32));
  CHECK(p[4]->annotation == Type::tuple({Type::tensor({1, 2}, DType::UInt8),
                                         Type::scalar(DType::Bool)}));
  CHECK(p[5]->annotation == Type::tuple({Type::scalar(DType::Int16)}));
  CHECK(p[6]->annotation == Type::tuple({}));
  CHECK(p[7]->annotation == Type::tensor({1, 0, 3}, DType::Int64));
  CHECK(p[8]->annotation.isUnknown());
}

TEST_CASE("parser: attribute values", "[parser]") {
  Expr pad = mainBody("%x: Tensor[(1, 2, 2, 1), int8]",
                      "nn.pad(%x, 0i8, pad_width=[[0, 0], [1, 1], [1, 1], [0, 0]])");
  REQUIRE(isOpCall(pad, "nn.pad"));
  const auto &pa = dyn<CallNode>(pad)->attrsAs<PadAttrs>();
  CHECK(pa.pad_width == std::vector<std::vector<int64_t>>{{0, 0}, {1, 1}, {1, 1}, {0, 0}});
  Expr clip = mainBody("%x: float32", "clip(%x, a_min=-1e-3, a_max=6.5f)");
  const auto &cl = dyn<CallNode>(clip)->attrsAs<ClipAttrs>();
  CHECK(cl.a_min == -1e-3);
  CHECK(cl.a_max == 6.5);
  Expr inf = mainBody("%x: float32", "clip(%x, a_min=-inf, a_max=inf)");
  CHECK(std::isinf(dyn<CallNode>(inf)->attrsAs<ClipAttrs>().a_min));
  Expr sum = mainBody("%x: Tensor[(2, 3), int32]", "sum(%x, axis=[1], keepdims=True)");
  const auto &ra = dyn<CallNode>(sum)->attrsAs<ReduceAttrs>();
  CHECK(ra.axis == std::vector<int64_t>{1});
  CHECK(ra.keepdims);
  Expr q = mainBody("%x: float32", "qnn.quantize(%x, 0.5f, 3, out_dtype=\"u\\\"i\\\\nt8\")");
  CHECK(dyn<CallNode>(q)->attrsAs<QuantizeAttrs>().out_dtype == "u\"i\\nt8");
  // Ops with an attribute struct get its defaults when no attribute is written.
  Expr ba = mainBody("%x: Tensor[(1, 2), int32], %b: Tensor[(2), int32]", "nn.bias_add(%x, %b)");
  REQUIRE(dyn<CallNode>(ba)->attrs);
  CHECK(dyn<CallNode>(ba)->attrsAs<BiasAddAttrs>().axis == 1);
}

TEST_CASE("parser: comments are ignored", "[parser]") {
  Module m = parseOk("// leading comment\n/* block\n comment */ def @main(%x: int8 /* ty=int8 */)"
                     " { %0 = nn.relu(%x) /* ty=Tensor[(), int8] */; // trailing\n %0 }\n"
                     "// final comment without newline");
  CHECK(isOpCall(m.main()->body, "nn.relu"));
}

TEST_CASE("parser: local functions and their attributes", "[parser]") {
  Module m = parseOk(R"(def @main(%x: Tensor[(4), int8]) -> Tensor[(4), int8] {
  %1 = fn (%p0: Tensor[(4), int8], Primitive=1, Name="relu_fused") -> Tensor[(4), int8] {
    %0 = nn.relu(%p0);
    %0
  };
  %2 = %1(%x);
  %2
})");
  auto call = dyn<CallNode>(m.main()->body);
  REQUIRE(call);
  auto fn = dyn<FunctionNode>(call->callee);
  REQUIRE(fn);
  REQUIRE(fn->params.size() == 1);
  CHECK(fn->params[0]->name == "p0");
  CHECK(fn->attrs.at("Primitive") == AttrValue::ofInt(1));
  CHECK(fn->attrs.at("Name") == AttrValue::ofString("relu_fused"));
  CHECK(fn->retType == Type::tensor({4}, DType::Int8));
  REQUIRE(isOpCall(fn->body, "nn.relu"));
  CHECK(dyn<CallNode>(fn->body)->args[0] == fn->params[0]);
  // A local function sees the names of the enclosing function; its own names shadow them.
  Module m2 = parseOk("def @main(%x: int8) { %0 = nn.relu(%x); %1 = fn (%x: int8) { add(%x, %0) };"
                      " %1(%0) }");
  auto f2 = dyn<FunctionNode>(dyn<CallNode>(m2.main()->body)->callee);
  auto add = dyn<CallNode>(f2->body);
  CHECK(add->args[0] == f2->params[0]);
  CHECK(isOpCall(add->args[1], "nn.relu"));
}

TEST_CASE("parser: metadata constants", "[parser]") {
  Module m = parseOk(R"(def @main(%x: Tensor[(2, 2), int8]) {
  %0 = add(%x, meta[relay.Constant][1]);
  multiply(%0, meta[relay.Constant][0]) /* the same node twice: */
}

#[metadata]
meta[relay.Constant][0] = Tensor[(2), float32] [0.1, -inf]
meta[relay.Constant][1] = Tensor[(2, 2), int8] [1, -2, 127, -128]
)");
  auto mul = dyn<CallNode>(m.main()->body);
  auto c0 = dyn<ConstantNode>(mul->args[1]);
  REQUIRE(c0);
  CHECK(c0->value.type() == Type::tensor({2}, DType::Float32));
  CHECK(c0->type == c0->value.type());
  CHECK(c0->value.data<float>()[0] == 0.1f);
  CHECK(std::isinf(c0->value.data<float>()[1]));
  auto c1 = dyn<ConstantNode>(dyn<CallNode>(mul->args[0])->args[1]);
  REQUIRE(c1);
  CHECK(c1->value.intAt(3) == -128);
  CHECK(c1->value.intAt(1) == -2);
  // Repeated references are one node.
  Module m2 = parseOk("def @main() { (meta[relay.Constant][0], meta[relay.Constant][0]) }\n"
                      "#[metadata]\nmeta[relay.Constant][0] = Tensor[(0), bool] []\n");
  auto t = dyn<TupleNode>(m2.main()->body);
  CHECK(t->fields[0] == t->fields[1]);
  CHECK(dyn<ConstantNode>(t->fields[0])->value.numElements() == 0);
}

TEST_CASE("parser: a large metadata list parses fast and exactly", "[parser]") {
  const int64_t n = 3 * 3 * 256 * 256; // ~600k values, ~3 MB of text
  std::string text = "def @main() { meta[relay.Constant][0] }\n#[metadata]\n"
                     "meta[relay.Constant][0] = Tensor[(3, 3, 256, 256), int32] [";
  for (int64_t i = 0; i < n; ++i) {
    if (i) text += ", ";
    text += std::to_string((i * 7919) % 2000003 - 1000000);
  }
  text += "]\n";
  REQUIRE(text.size() > 3'000'000);
  Module m = parseOk(text);
  auto c = dyn<ConstantNode>(m.main()->body);
  REQUIRE(c->value.numElements() == n);
  for (int64_t i : {int64_t(0), int64_t(1), n / 2, n - 1})
    CHECK(c->value.intAt(i) == (i * 7919) % 2000003 - 1000000);
}

// ------------------------------------------------------------------------------------------
// Errors: one diagnostic, at the offending token, with a precise message.

TEST_CASE("parser errors: empty input, garbage, unterminated constructs", "[parser][errors]") {
  CHECK(parseErr("") == "t.relay:1:1: error: expected 'def' to start a function, got end of file");
  CHECK(parseErr("  \n// only a comment\n") ==
        "t.relay:3:1: error: expected 'def' to start a function, got end of file");
  CHECK(parseErr(std::string("\x7f\x45\x4c\x46\x02\x01\x00\x00", 8)) ==
        "t.relay:1:1: error: unexpected character byte 0x7f");
  CHECK(parseErr("def @main() {\n  /* never closed\n  %x\n}") ==
        "t.relay:2:3: error: unterminated comment");
  CHECK(parseErr("def @main(%x: int8) {\n  cast(%x, dtype=\"int32)\n}") ==
        "t.relay:2:18: error: unterminated string");
  CHECK(parseErr("def @main(%x: Tensor[(1, 1, 1, 1), int8]) {\n"
                 "  nn.pad(%x, 0i8, pad_width=[[0, 0], [1, 1]\n}") ==
        "t.relay:3:1: error: expected ',' or ']' in the list, got '}'");
  CHECK(parseErr("def @main(%x: int8) {\n  nn.relu(%x") ==
        "t.relay:2:13: error: expected ',' or ')' in the arguments of 'nn.relu', got end of file");
  CHECK(parseErr("def @main(%x: int8) {\n  (%x, %x") ==
        "t.relay:2:10: error: expected ',' or ')' in the tuple, got end of file");
  CHECK(parseErr("def @main(%x: int8) {\n  %x\n") ==
        "t.relay:3:1: error: expected '}' after the result expression, got end of file");
  CHECK(parseErr("def @main(%x: int8) {\n  %0 = nn.relu(%x);\n}") ==
        "t.relay:3:1: error: expected the result expression of the function body, got '}'");
  CHECK(parseErr("def @main(%x: int8) { \"a\\q\" }") ==
        "t.relay:1:25: error: unknown escape sequence '\\' followed by 'q' in string");
  CHECK(parseErr("def @main(%x: int8) { %x $ }") ==
        "t.relay:1:26: error: unexpected character '$'");
}

TEST_CASE("parser errors: ops and attributes", "[parser][errors]") {
  CHECK(parseErr("def @main(%x: int8) {\n  %0 = nn.frobnicate(%x);\n  %0\n}") ==
        "t.relay:2:8: error: unknown op 'nn.frobnicate'");
  CHECK(parseErr("def @main(%x: Tensor[(1, 2), int32], %b: Tensor[(2), int32]) {\n"
                 "  nn.bias_add(%x, %b, axes=1)\n}") ==
        "t.relay:2:23: error: unknown attribute 'axes' for BiasAddAttrs");
  CHECK(parseErr("def @main(%x: Tensor[(1, 2), int32], %b: Tensor[(2), int32]) {\n"
                 "  nn.bias_add(%x, %b, axis=\"NHWC\")\n}") ==
        "t.relay:2:28: error: attribute 'axis' expects an integer, got string");
  CHECK(parseErr("def @main(%x: Tensor[(1, 2), int32], %b: Tensor[(2), int32]) {\n"
                 "  nn.bias_add(%x, %b, axis=1, axis=2)\n}") ==
        "t.relay:2:31: error: duplicate attribute 'axis'");
  CHECK(parseErr("def @main(%x: int8) { nn.relu(%x, inplace=True) }") ==
        "t.relay:1:35: error: op 'nn.relu' takes no attributes");
  CHECK(parseErr("def @main(%x: int8) { cast(dtype=\"int32\", %x) }") ==
        "t.relay:1:43: error: positional argument after attributes");
  CHECK(parseErr("def @main(%x: int8) { add(%x) }") ==
        "t.relay:1:23: error: op 'add' takes 2 arguments, got 1");
  CHECK(parseErr("def @main(%x: int8) { nn.relu(%x, %x) }") ==
        "t.relay:1:23: error: op 'nn.relu' takes 1 argument, got 2");
  CHECK(parseErr("def @main(%x: int8) { cast(%x, dtype=NHWC) }") ==
        "t.relay:1:38: error: expected an attribute value (a number, a \"string\", True, False "
        "or a [list]), got identifier 'NHWC'");
  CHECK(parseErr("def @main(%x: int8) { cast(%x, dtype=3i8) }") ==
        "t.relay:1:38: error: attribute values take no dtype suffix: '3i8'");
  CHECK(parseErr("def @main(%x: int8) { sum(%x, axis=[99999999999999999999]) }") ==
        "t.relay:1:37: error: integer '99999999999999999999' does not fit in 64 bits");
}

TEST_CASE("parser errors: names and scopes", "[parser][errors]") {
  CHECK(parseErr("def @main(%x: int8) {\n  %0 = nn.relu(%y);\n  %0\n}") ==
        "t.relay:2:16: error: undefined variable '%y'");
  CHECK(parseErr("def @main(%x: int8) {\n  %0 = nn.relu(%x);\n  %0 = nn.relu(%0);\n  %0\n}") ==
        "t.relay:3:3: error: name '%0' is already defined in this function");
  CHECK(parseErr("def @main(%x: int8, %y: int8,\n          %x: int8) { %x }") ==
        "t.relay:2:11: error: parameter '%x' is already defined in this function");
  CHECK(parseErr("def @main(%x: int8) { %x = nn.relu(%x); %x }") ==
        "t.relay:1:23: error: name '%x' is already defined in this function");
  CHECK(parseErr("def @main(%x: int8) { %x }\ndef @main(%y: int8) { %y }") ==
        "t.relay:2:5: error: function '@main' is already defined");
  CHECK(parseErr("def @main(%x: int8) { @nothere(%x) }") ==
        "t.relay:1:23: error: undefined function '@nothere'");
  CHECK(parseErr("def @main(%x: int8) { %0 = fn (%p: int8) { %p }; %p }") ==
        "t.relay:1:50: error: undefined variable '%p'");
  CHECK(parseErr("def @main(%0a: int8) { %0a }") ==
        "t.relay:1:11: error: invalid name '%0a': a name is a number or starts with a letter or "
        "'_'");
  CHECK(parseErr("def @main(% x: int8) { %x }") == "t.relay:1:11: error: expected a name after '%'");
  CHECK(parseErr("def @main(Primitive=1, %x: int8) { %x }") ==
        "t.relay:1:24: error: parameter after function attributes");
  CHECK(parseErr("def @main(%x: int8) { %0 = fn (A=1, A=2) { %x }; %0 }") ==
        "t.relay:1:37: error: duplicate function attribute 'A'");
}

TEST_CASE("parser errors: literals and types", "[parser][errors]") {
  CHECK(parseErr("def @main() { 300u8 }") ==
        "t.relay:1:15: error: integer literal 300 is out of range for uint8 [0, 255]");
  CHECK(parseErr("def @main() { 2147483648 }") ==
        "t.relay:1:15: error: integer literal 2147483648 is out of range for int32 "
        "[-2147483648, 2147483647]");
  CHECK(parseErr("def @main() { 99999999999999999999i64 }") ==
        "t.relay:1:15: error: integer literal '99999999999999999999' does not fit in 64 bits");
  CHECK(parseErr("def @main() { 3u16 }") ==
        "t.relay:1:15: error: unknown literal suffix 'u16' (expected i8, u8, i16, i32, i64 or f)");
  CHECK(parseErr("def @main() { 1.5i8 }") ==
        "t.relay:1:15: error: integer literal '1.5i8' has a fraction or exponent");
  CHECK(parseErr("def @main() { 1e39f }") ==
        "t.relay:1:15: error: float literal '1e39f' is out of range for float32");
  CHECK(parseErr("def @main(%x: Tensor[(1, 2), int4]) { %x }") ==
        "t.relay:1:30: error: unknown dtype 'int4' (expected int8, uint8, int16, int32, int64, "
        "float32 or bool)");
  CHECK(parseErr("def @main(%x: Tensor[(1, -2), int8]) { %x }") ==
        "t.relay:1:26: error: invalid dimension '-2' (dimensions are non-negative integers)");
  CHECK(parseErr("def @main(%x: Tensor[(4294967296, 4294967296), int8]) { %x }") ==
        "t.relay:1:22: error: shape (4294967296, 4294967296) has too many elements");
  CHECK(parseErr("def @main(%x: Tensr[(1), int8]) { %x }") ==
        "t.relay:1:15: error: unknown type 'Tensr'");
  // `%t.x` is the name "t.x"; a projection needs a number.
  CHECK(parseErr("def @main(%t: (int8, int8)) { %t.x }") ==
        "t.relay:1:31: error: undefined variable '%t.x'");
  CHECK(parseErr("def @main(%t: (int8, int8)) { (%t).x }") ==
        "t.relay:1:36: error: expected a tuple index after '.', got identifier 'x'");
  CHECK(parseErr("def @main(%t: (int8, int8)) { %t.-1 }") ==
        "t.relay:1:34: error: invalid index '-1'");
  CHECK(parseErr("def @main() { foo }") ==
        "t.relay:1:15: error: expected an expression, got identifier 'foo'");
}

TEST_CASE("parser errors: the metadata section", "[parser][errors]") {
  const std::string head = "def @main() { meta[relay.Constant][0] }\n#[metadata]\n";
  CHECK(parseErr(head + "meta[relay.Constant][0] = Tensor[(2, 2), int8] [1, 2, 3]\n") ==
        "t.relay:3:1: error: meta[relay.Constant][0] has 3 values, but its type "
        "Tensor[(2, 2), int8] has 4 elements");
  CHECK(parseErr(head + "meta[relay.Constant][0] = Tensor[(2), int8] [1, 2, 3]\n") ==
        "t.relay:3:1: error: meta[relay.Constant][0] has more values than the 2 elements of "
        "its type Tensor[(2), int8]");
  CHECK(parseErr(head + "meta[relay.Constant][0] = Tensor[(2), uint8] [1, 256]\n") ==
        "t.relay:3:50: error: value 256 is out of range for uint8");
  CHECK(parseErr(head + "meta[relay.Constant][0] = Tensor[(2), int8] [1, 2.5]\n") ==
        "t.relay:3:49: error: invalid int8 value '2.5'");
  CHECK(parseErr(head + "meta[relay.Constant][0] = Tensor[(2), int8] [1, 2\n") ==
        "t.relay:4:1: error: expected ',' or ']' in the data of meta[relay.Constant][0], got end "
        "of file");
  CHECK(parseErr(head + "meta[relay.Constant][0] = Tensor[(1000000, 1000000, 1000000), int8] "
                        "[1]\n") ==
        "t.relay:3:27: error: meta[relay.Constant][0] has an absurd shape (1000000, 1000000, "
        "1000000)");
  CHECK(parseErr(head + "meta[relay.Constant][0] = (int8, int8) [1]\n") ==
        "t.relay:3:27: error: a metadata constant must have a tensor type, got (Tensor[(), "
        "int8], Tensor[(), int8])");
  CHECK(parseErr(head + "meta[relay.Constant][0] = int8 [1]\n"
                        "meta[relay.Constant][0] = int8 [2]\n") ==
        "t.relay:4:1: error: meta[relay.Constant][0] is defined twice");
  CHECK(parseErr(head + "meta[relay.Constant][0] = int8 [1]\nmeta[relay.Constant][2] = int8 [2]\n") ==
        "t.relay:2:1: error: meta[relay.Constant][1] is missing: the metadata indices must be 0 "
        "to N-1");
  CHECK(parseErr("def @main() {\n  meta[relay.Constant][3]\n}\n#[metadata]\n"
                 "meta[relay.Constant][0] = int8 [1]\n") ==
        "t.relay:2:3: error: undefined metadata constant meta[relay.Constant][3]");
  CHECK(parseErr("def @main() { meta[relay.Constant][0] }") ==
        "t.relay:1:15: error: undefined metadata constant meta[relay.Constant][0] (the file has "
        "no metadata section)");
  CHECK(parseErr("def @main() { meta[relay.Function][0] }") ==
        "t.relay:1:20: error: unknown metadata kind 'relay.Function' (only relay.Constant is "
        "supported)");
  CHECK(parseErr(head + "meta[relay.Constant][0] = float32 [1e50]\n") ==
        "t.relay:3:36: error: float literal '1e50' is out of range for float32");
  CHECK(parseErr(head + "garbage\n") ==
        "t.relay:3:1: error: expected 'def', '#[metadata]' or end of file, got identifier "
        "'garbage'");
}

TEST_CASE("parser errors: nesting 100,000 levels deep is an error, not a crash",
          "[parser][errors]") {
  const int n = 100000;
  std::string parens = "def @main(%x: int8) {\n  " + std::string(n, '(') + "%x" +
                       std::string(n, ')') + "\n}";
  CHECK(parseErr(parens) == "t.relay:2:259: error: nesting too deep (more than 256 levels)");
  std::string calls = "def @main(%x: int8) {\n  ";
  for (int i = 0; i < n; ++i) calls += "nn.relu(";
  calls += "%x" + std::string(n, ')') + "\n}";
  CHECK(parseErr(calls) == "t.relay:2:2051: error: nesting too deep (more than 256 levels)");
  std::string lists = "def @main(%x: int8) {\n  sum(%x, axis=" + std::string(n, '[') + "\n}";
  CHECK(parseErr(lists).find("error: nesting too deep") != std::string::npos);
  std::string types = "def @main(%x: " + std::string(n, '(') + "int8" + std::string(n, ')') +
                      ") { %x }";
  CHECK(parseErr(types).find("error: nesting too deep") != std::string::npos);
  std::string fns = "def @main(%x: int8) { ";
  for (int i = 0; i < n; ++i) fns += "fn () { ";
  CHECK(parseErr(fns).find("error: nesting too deep") != std::string::npos);
  // Long flat chains are not nesting: 100,000 bindings and 100,000 projections parse.
  std::string chain = "def @main(%x: int8) {\n  %0 = nn.relu(%x);\n";
  for (int i = 1; i < n; ++i)
    chain += "  %" + std::to_string(i) + " = nn.relu(%" + std::to_string(i - 1) + ");\n";
  chain += "  %" + std::to_string(n - 1) + "\n}\n";
  parseOk(chain);
  std::string proj = "def @main(%t: (int8,)) { %t";
  for (int i = 0; i < n; ++i) proj += ".0";
  parseOk(proj + " }");
}

TEST_CASE("parser errors: the diagnostic quotes the line with a caret", "[parser][errors]") {
  Parsed p = parse("def @main(%x: int8) {\n  %0 = nn.relu(%y);\n  %0\n}");
  CHECK(p.diag == "t.relay:2:16: error: undefined variable '%y'\n"
                  "  %0 = nn.relu(%y);\n"
                  "               ^\n");
}

TEST_CASE("parser: parseModuleFile names the file and reports unreadable paths", "[parser]") {
  SourceManager sm;
  DiagEngine d(sm);
  std::string sink;
  d.captureTo(&sink);
  CHECK_FALSE(parseModuleFile("/nonexistent/dir/model.relay", d));
  CHECK(sink == "error: cannot open '/nonexistent/dir/model.relay': No such file or directory\n");
  sink.clear();
  CHECK_FALSE(parseModuleFile("/", d));
  CHECK(sink.rfind("error: cannot read '/': ", 0) == 0);

  std::string path = std::string(MTC_BINARY_DIR) + "/parser_test_tmp.relay";
  std::FILE *f = std::fopen(path.c_str(), "wb");
  REQUIRE(f);
  std::fputs("def @main(%x: int8) {\n  %y\n}\n", f);
  std::fclose(f);
  sink.clear();
  CHECK_FALSE(parseModuleFile(path, d));
  CHECK(sink.rfind(path + ":2:3: error: undefined variable '%y'", 0) == 0);
  std::remove(path.c_str());
}
