// mtc — tests of the text-format printer: exact text for small modules, literals, metadata,
// local functions, names, and graphs far deeper than any recursion could handle.
// SPDX-License-Identifier: Apache-2.0
#include "ir/builder.h"
#include "ir/ops/attrs.h"
#include "ir/parser.h"
#include "ir/printer.h"

#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

using namespace mtc;
using namespace mtc::ir;

namespace {

std::optional<Module> reparse(const std::string &text, std::string *diag) {
  SourceManager sm;
  DiagEngine d(sm);
  d.captureTo(diag);
  return parseModule(text, "printed.relay", d);
}

/// Prints, checks the text parses back and prints identically, and returns the text.
std::string printChecked(const Module &m, const PrintOptions &opts = {}) {
  std::string text = printModule(m, opts);
  std::string diag;
  std::optional<Module> again = reparse(text, &diag);
  INFO(text << diag);
  REQUIRE(again);
  PrintOptions plain = opts;
  plain.showTypes = false; // the re-parsed module has no inferred types
  CHECK(printModule(*again, plain) == printModule(m, plain));
  return text;
}

const Type kT14 = Type::tensor({1, 4}, DType::Int8);

Module simpleModule() {
  Module m;
  Builder b(m.ctx());
  const VarNode *x = b.var("x", kT14);
  const CallNode *relu = b.call("nn.relu", {x});
  const CallNode *add = b.call("add", {relu, relu});
  m.setFunction("main", b.function({x}, add));
  return m;
}

uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

} // namespace

TEST_CASE("printer: a small module, exactly", "[printer]") {
  Module m = simpleModule();
  CHECK(printChecked(m) == "#[version = \"0.0.5\"]\n"
                           "def @main(%x: Tensor[(1, 4), int8]) {\n"
                           "  %0 = nn.relu(%x);\n"
                           "  %1 = add(%0, %0);\n"
                           "  %1\n"
                           "}\n");
  // Known types are shown as comments, and the body type becomes the return type.
  for (Expr e : postOrder(m.main()->body)) e->type = kT14;
  CHECK(printChecked(m) == "#[version = \"0.0.5\"]\n"
                           "def @main(%x: Tensor[(1, 4), int8]) -> Tensor[(1, 4), int8] {\n"
                           "  %0 = nn.relu(%x) /* ty=Tensor[(1, 4), int8] */;\n"
                           "  %1 = add(%0, %0) /* ty=Tensor[(1, 4), int8] */;\n"
                           "  %1\n"
                           "}\n");
  PrintOptions bare;
  bare.showTypes = false;
  bare.versionHeader = false;
  CHECK(printModule(m, bare) == "def @main(%x: Tensor[(1, 4), int8]) -> Tensor[(1, 4), int8] {\n"
                                "  %0 = nn.relu(%x);\n"
                                "  %1 = add(%0, %0);\n"
                                "  %1\n"
                                "}\n");
}

TEST_CASE("printer: attributes print when not default, in declared order", "[printer]") {
  Module m;
  Builder b(m.ctx());
  const VarNode *d = b.var("data", Type::tensor({1, 8, 8, 3}, DType::UInt8));
  const VarNode *w = b.var("weight", Type::tensor({3, 3, 3, 4}, DType::Int8));
  auto conv = b.call<Conv2DAttrs>(
      "qnn.conv2d", {d, w, b.scalarInt(128), b.scalarInt(0), b.scalarFloat(0.5f),
                     b.scalarFloat(0.25f)},
      [](Conv2DAttrs &a) {
        a.out_dtype = "int32"; // set first, printed last: declared order wins
        a.padding = {1, 1, 1, 1};
        a.data_layout = "NHWC";
        a.kernel_layout = "HWIO";
        a.strides = {1, 1}; // the default: not printed
      });
  auto pad = b.call<PadAttrs>("nn.pad", {conv, b.scalarInt(0)}, [](PadAttrs &a) {
    a.pad_width = {{0, 0}, {1, 1}, {1, 1}, {0, 0}};
  });
  auto clip = b.call<ClipAttrs>("clip", {pad}, [](ClipAttrs &a) {
    a.a_min = -0.5;
    a.a_max = 1e-5;
  });
  m.setFunction("main", b.function({d, w}, clip));
  CHECK(printChecked(m) ==
        "#[version = \"0.0.5\"]\n"
        "def @main(%data: Tensor[(1, 8, 8, 3), uint8], %weight: Tensor[(3, 3, 3, 4), int8]) {\n"
        "  %0 = qnn.conv2d(%data, %weight, 128, 0, 0.5f, 0.25f, padding=[1, 1, 1, 1], "
        "data_layout=\"NHWC\", kernel_layout=\"HWIO\", out_dtype=\"int32\");\n"
        "  %1 = nn.pad(%0, 0, pad_width=[[0, 0], [1, 1], [1, 1], [0, 0]]);\n"
        "  %2 = clip(%1, a_min=-0.5, a_max=1e-05);\n"
        "  %2\n"
        "}\n");
}

TEST_CASE("printer: scalar literals of every dtype", "[printer]") {
  Module m;
  Builder b(m.ctx());
  std::vector<Expr> lits = {
      b.scalarInt(128),
      b.scalarInt(-2147483648LL),
      b.scalarInt(-3, DType::Int8),
      b.scalarInt(7, DType::UInt8),
      b.scalarInt(5, DType::Int16),
      b.scalarInt(INT64_MIN, DType::Int64),
      b.scalarInt(1, DType::Bool),
      b.scalarInt(0, DType::Bool),
      b.scalarFloat(0.5f),
      b.scalarFloat(1.0f),
      b.scalarFloat(-0.0f),
      b.scalarFloat(1e10f),
  };
  m.setFunction("main", b.function({}, b.tuple(lits)));
  CHECK(printChecked(m) == "#[version = \"0.0.5\"]\n"
                           "def @main() {\n"
                           "  %0 = (128, -2147483648, -3i8, 7u8, 5i16, -9223372036854775808i64, "
                           "True, False, 0.5f, 1.0f, -0.0f, 10000000000.0f);\n"
                           "  %0\n"
                           "}\n");
}

TEST_CASE("printer: float literals read back bit-exactly", "[printer]") {
  const float tricky[] = {0.1f,          1e-30f,       3.4028235e38f, 0.000265555f,
                          0.0235f,       1.0f / 3.0f,  FLT_MIN,       FLT_TRUE_MIN,
                          16777216.0f,   16777217.0f,  -0.0f,         123456789.0f,
                          2.5e-7f,       -1e-45f,      0.3f,          65504.0f};
  const char *expected[] = {"0.1f", "1e-30f", "3.4028235e+38f", "0.000265555f"};
  for (size_t i = 0; i < std::size(tricky); ++i) {
    float f = tricky[i];
    Module m;
    Builder b(m.ctx());
    m.setFunction("main", b.function({}, b.scalarFloat(f)));
    std::string text = printChecked(m);
    if (i < std::size(expected)) CHECK(text.find(std::string("  ") + expected[i] + "\n") != std::string::npos);
    std::string diag;
    std::optional<Module> back = reparse(text, &diag);
    REQUIRE(back);
    auto c = dyn<ConstantNode>(back->main()->body);
    REQUIRE(c);
    INFO(text);
    CHECK(bitsOf(c->value.data<float>()[0]) == bitsOf(f));
  }
}

TEST_CASE("printer: tensor constants go to the metadata section", "[printer]") {
  Module m;
  Builder b(m.ctx());
  Tensor w = Tensor::zeros({2, 3}, DType::Int8);
  for (int i = 0; i < 6; ++i) w.setInt(i, i * 50 - 128);
  Tensor s = Tensor::zeros({4}, DType::Float32);
  const float sv[] = {0.1f, -std::numeric_limits<float>::infinity(), 1e-45f, 3.4028235e38f};
  std::memcpy(s.mutableData(), sv, sizeof sv);
  Tensor flags = Tensor::zeros({2}, DType::Bool);
  flags.setInt(1, 1);
  const ConstantNode *cw = b.constant(w), *cs = b.constant(s), *cf = b.constant(flags);
  const VarNode *x = b.var("x", Type::tensor({2, 3}, DType::Int8));
  // @first uses cs; @main uses cw twice (one node, one index), cs again, and a scalar inf.
  m.setFunction("first", b.function({}, cs));
  Expr body = b.tuple({b.call("add", {x, cw}), cw, cs, cf,
                       b.scalarFloat(std::numeric_limits<float>::infinity())});
  m.setFunction("main", b.function({x}, body));
  CHECK(printChecked(m) == "#[version = \"0.0.5\"]\n"
                           "def @first() {\n"
                           "  meta[relay.Constant][0]\n"
                           "}\n"
                           "\n"
                           "def @main(%x: Tensor[(2, 3), int8]) {\n"
                           "  %0 = add(%x, meta[relay.Constant][1]);\n"
                           "  %1 = (%0, meta[relay.Constant][1], meta[relay.Constant][0], "
                           "meta[relay.Constant][2], meta[relay.Constant][3]);\n"
                           "  %1\n"
                           "}\n"
                           "\n"
                           "#[metadata]\n"
                           "meta[relay.Constant][0] = Tensor[(4), float32] [0.1, -inf, 1e-45, "
                           "3.4028235e+38]\n"
                           "meta[relay.Constant][1] = Tensor[(2, 3), int8] [-128, -78, -28, 22, "
                           "72, 122]\n"
                           "meta[relay.Constant][2] = Tensor[(2), bool] [0, 1]\n"
                           "meta[relay.Constant][3] = Tensor[(), float32] [inf]\n");
}

TEST_CASE("printer: tuples, projections and function calls", "[printer]") {
  Module m;
  Builder b(m.ctx());
  const VarNode *a = b.var("a", kT14);
  const VarNode *g = b.var("g", Type());
  auto pair = b.tuple({a, a});
  auto one = b.tuple({b.getItem(pair, 1)});
  auto lit = b.getItem(b.scalarInt(3), 0); // ill-typed, but it must still print and re-parse
  auto calls = b.tuple({b.callFunction(b.globalVar("id"), {a}), b.callFunction(g, {one}),
                        b.tuple({}), lit});
  m.setFunction("main", b.function({a, g}, calls));
  const VarNode *y = b.var("y", kT14);
  m.setFunction("id", b.function({y}, y));
  CHECK(printChecked(m) == "#[version = \"0.0.5\"]\n"
                           "def @main(%a: Tensor[(1, 4), int8], %g) {\n"
                           "  %0 = @id(%a);\n"
                           "  %1 = (%a, %a);\n"
                           "  %2 = %1.1;\n"
                           "  %3 = (%2,);\n"
                           "  %4 = %g(%3);\n"
                           "  %5 = ();\n"
                           "  %6 = (3).0;\n"
                           "  %7 = (%0, %4, %5, %6);\n"
                           "  %7\n"
                           "}\n"
                           "\n"
                           "def @id(%y: Tensor[(1, 4), int8]) {\n"
                           "  %y\n"
                           "}\n");
}

TEST_CASE("printer: local functions print nested, with their attributes", "[printer]") {
  Module m;
  Builder b(m.ctx());
  const VarNode *x = b.var("x", kT14);
  const VarNode *p0 = b.var("p0", kT14);
  const VarNode *p1 = b.var("p1", kT14);
  auto inner = b.function({p1}, b.call("nn.relu", {p1}), kT14);
  const_cast<FunctionNode *>(inner)->attrs["Primitive"] = AttrValue::ofInt(1);
  auto fused = b.function({p0}, b.callFunction(inner, {b.call("add", {p0, p0})}), kT14);
  auto f = const_cast<FunctionNode *>(fused);
  f->attrs["Primitive"] = AttrValue::ofInt(1);
  f->attrs["Name"] = AttrValue::ofString("fused_add_relu");
  auto r = b.callFunction(fused, {x});
  m.setFunction("main", b.function({x}, b.call("multiply", {r, r})));
  CHECK(printChecked(m) ==
        "#[version = \"0.0.5\"]\n"
        "def @main(%x: Tensor[(1, 4), int8]) {\n"
        "  %4 = fn (%p0: Tensor[(1, 4), int8], Name=\"fused_add_relu\", Primitive=1) -> "
        "Tensor[(1, 4), int8] {\n"
        "    %1 = fn (%p1: Tensor[(1, 4), int8], Primitive=1) -> Tensor[(1, 4), int8] {\n"
        "      %0 = nn.relu(%p1);\n"
        "      %0\n"
        "    };\n"
        "    %2 = add(%p0, %p0);\n"
        "    %3 = %1(%2);\n"
        "    %3\n"
        "  };\n"
        "  %5 = %4(%x);\n"
        "  %6 = multiply(%5, %5);\n"
        "  %6\n"
        "}\n");
}

TEST_CASE("printer: parameter names are kept, made unique and lexable", "[printer]") {
  Module m;
  Builder b(m.ctx());
  std::vector<const VarNode *> ps = {b.var("x", kT14),   b.var("x", kT14),     b.var("", kT14),
                                     b.var("3", kT14),   b.var("a-b/c", kT14), b.var("t.0", kT14),
                                     b.var("x_1", kT14), b.var("conv.w", kT14)};
  std::vector<Expr> uses(ps.begin(), ps.end());
  m.setFunction("main", b.function(ps, b.tuple(uses)));
  std::string text = printChecked(m);
  CHECK(text.find("def @main(%x: Tensor[(1, 4), int8], %x_1: Tensor[(1, 4), int8], "
                  "%v: Tensor[(1, 4), int8], %v3: Tensor[(1, 4), int8], "
                  "%a_b_c: Tensor[(1, 4), int8], %t_0: Tensor[(1, 4), int8], "
                  "%x_1_1: Tensor[(1, 4), int8], %conv.w: Tensor[(1, 4), int8])") !=
        std::string::npos);
  CHECK(text.find("%0 = (%x, %x_1, %v, %v3, %a_b_c, %t_0, %x_1_1, %conv.w);") !=
        std::string::npos);
}

TEST_CASE("printer: a chain of 100,000 nodes prints and re-parses", "[printer]") {
  Module m;
  Builder b(m.ctx());
  const VarNode *x = b.var("x", kT14);
  Expr e = x;
  const int n = 100000;
  for (int i = 0; i < n; ++i) e = b.call("nn.relu", {e});
  m.setFunction("main", b.function({x}, e));
  std::string text = printChecked(m);
  CHECK(text.find("  %99999 = nn.relu(%99998);\n  %99999\n}\n") != std::string::npos);
}

TEST_CASE("printer: printExpr shows one expression with its bindings", "[printer]") {
  Module m = simpleModule();
  CHECK(printExpr(m.main()->body) == "%0 = nn.relu(%x);\n%1 = add(%0, %0);\n%1\n");
  Builder b(m.ctx());
  CHECK(printExpr(b.scalarInt(7, DType::UInt8)) == "7u8\n");
}

TEST_CASE("printer: a node shared by two local functions is bound in their parent",
          "[printer]") {
  Module m;
  Builder b(m.ctx());
  const VarNode *x = b.var("x", kT14);
  const VarNode *p = b.var("p", kT14);
  const VarNode *q = b.var("q", kT14);
  auto shared = b.call("nn.relu", {x});
  auto g1 = b.function({p}, b.call("add", {p, shared}));
  auto g2 = b.function({q}, b.call("multiply", {q, shared}));
  auto body = b.tuple({b.callFunction(g1, {x}), b.callFunction(g2, {x})});
  m.setFunction("main", b.function({x}, body));
  CHECK(printChecked(m) == "#[version = \"0.0.5\"]\n"
                           "def @main(%x: Tensor[(1, 4), int8]) {\n"
                           "  %0 = nn.relu(%x);\n"
                           "  %2 = fn (%p: Tensor[(1, 4), int8]) {\n"
                           "    %1 = add(%p, %0);\n"
                           "    %1\n"
                           "  };\n"
                           "  %3 = %2(%x);\n"
                           "  %5 = fn (%q: Tensor[(1, 4), int8]) {\n"
                           "    %4 = multiply(%q, %0);\n"
                           "    %4\n"
                           "  };\n"
                           "  %6 = %5(%x);\n"
                           "  %7 = (%3, %6);\n"
                           "  %7\n"
                           "}\n");
}

TEST_CASE("printer: sibling local functions may reuse names, inner ones never shadow",
          "[printer]") {
  Module m;
  Builder b(m.ctx());
  const VarNode *x = b.var("x", kT14);
  const VarNode *p0a = b.var("p0", kT14), *p0b = b.var("p0", kT14), *xInner = b.var("x", kT14);
  auto g1 = b.function({p0a}, b.call("add", {p0a, x})); // captures the outer %x
  auto g2 = b.function({xInner}, b.call("nn.relu", {xInner}));
  auto g3 = b.function({p0b}, b.call("nn.relu", {p0b}));
  auto body =
      b.tuple({b.callFunction(g1, {x}), b.callFunction(g2, {x}), b.callFunction(g3, {x})});
  m.setFunction("main", b.function({x}, body));
  CHECK(printChecked(m) == "#[version = \"0.0.5\"]\n"
                           "def @main(%x: Tensor[(1, 4), int8]) {\n"
                           "  %1 = fn (%p0: Tensor[(1, 4), int8]) {\n"
                           "    %0 = add(%p0, %x);\n"
                           "    %0\n"
                           "  };\n"
                           "  %2 = %1(%x);\n"
                           "  %4 = fn (%x_1: Tensor[(1, 4), int8]) {\n"
                           "    %3 = nn.relu(%x_1);\n"
                           "    %3\n"
                           "  };\n"
                           "  %5 = %4(%x);\n"
                           "  %7 = fn (%p0: Tensor[(1, 4), int8]) {\n"
                           "    %6 = nn.relu(%p0);\n"
                           "    %6\n"
                           "  };\n"
                           "  %8 = %7(%x);\n"
                           "  %9 = (%2, %5, %8);\n"
                           "  %9\n"
                           "}\n");
}
