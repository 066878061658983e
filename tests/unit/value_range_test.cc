// mtc — value ranges are sound, and SimplifyExpr keeps values, on random integer op chains.
// SPDX-License-Identifier: Apache-2.0
#include "pass_test_util.h"

#include "ir/builder.h"
#include "ir/eval.h"
#include "passes/value_range.h"

#include <random>

using mtc::testutil::PassFixture;

namespace {

const char *kDTypes[] = {"int8", "uint8", "int16", "int32"};

// A random chain of clip / offset / cast / multiply / max / relu ops on %x, as text, with a
// second output so that some intermediate values have two users.
std::string randomChain(std::mt19937 &rng, int *len) {
  std::uniform_int_distribution<int> pick(0, 7), small(-300, 300), dt(0, 3);
  std::string dtype = "int32", body;
  int n = 3 + static_cast<int>(rng() % 10);
  for (int i = 0; i < n; ++i) {
    std::string prev = i == 0 ? "%x" : "%" + std::to_string(i - 1);
    std::string lit = std::to_string(small(rng));
    std::string sfx = dtype == "int32"   ? ""
                      : dtype == "int8"  ? "i8"
                      : dtype == "uint8" ? "u8"
                                         : "i16";
    // A literal carries the dtype of the chain (no implicit conversion) and must fit in it.
    if (dtype == "int8") lit = std::to_string(small(rng) % 100);
    if (dtype == "uint8") lit = std::to_string(std::abs(small(rng)) % 200);
    std::string e;
    switch (pick(rng)) {
    case 0: {
      int a = small(rng), b = small(rng);
      double lo = std::min(a, b) + 0.5 * (rng() % 2), hi = std::max(a, b) + 0.25 * (rng() % 3);
      e = "clip(" + prev + ", a_min=" + std::to_string(lo) + "f, a_max=" + std::to_string(hi) +
          "f)";
      break;
    }
    case 1: e = "add(" + prev + ", " + lit + sfx + ")"; break;
    case 2: e = "subtract(" + prev + ", " + lit + sfx + ")"; break;
    case 3:
    case 4:
      dtype = kDTypes[dt(rng)];
      e = "cast(" + prev + ", dtype=\"" + dtype + "\")";
      break;
    case 5: e = "multiply(" + prev + ", " + (dtype == "uint8" ? "3u8" : "-3" + sfx) + ")"; break;
    case 6: e = "maximum(" + prev + ", " + lit + sfx + ")"; break;
    default: e = "nn.relu(" + prev + ")"; break;
    }
    body += "  %" + std::to_string(i) + " = " + e + ";\n";
  }
  *len = n;
  return "def @main(%x: Tensor[(64), int32]) {\n" + body + "  (%" + std::to_string(n - 1) +
         ", %" + std::to_string(n / 2) + ")\n}\n";
}

} // namespace

TEST_CASE("value ranges: hand cases", "[passes][value_range]") {
  PassFixture f;
  mtc::ir::Module m = f.parse(R"(
def @main(%x: Tensor[(4), int32], %u: Tensor[(4), uint8]) {
  %0 = clip(%x, a_min=-1.5f, a_max=100.5f);
  %1 = add(%0, 28);
  %2 = cast(%1, dtype="uint8");
  %3 = cast(%u, dtype="int32");
  %4 = subtract(%3, 255);
  %5 = multiply(%4, %4);
  %6 = add(%x, 1);
  %7 = clip(%u, a_min=300f, a_max=400f);
  %8 = cast(%x, dtype="int8");
  (%2, %5, %6, %7, %8)
}
)");
  mtc::passes::ValueRanges vr;
  auto rangeOf = [&](int field) {
    const auto *t = mtc::ir::dyn<mtc::ir::TupleNode>(m.main()->body);
    return *vr.of(t->fields.at(field));
  };
  using R = mtc::passes::IntRange;
  CHECK(rangeOf(0) == R{27, 128});                 // clip to [-1, 100], + 28, fits uint8
  CHECK(rangeOf(1) == R{0, 65025});                // (u - 255)^2 as interval product
  CHECK(rangeOf(2) == R{INT32_MIN, INT32_MAX});    // x + 1 may wrap
  CHECK(rangeOf(3) == R{255, 255});                // bounds saturate to the dtype
  CHECK(rangeOf(4) == R{-128, 127});               // a wrapping cast gives the full range
  CHECK_FALSE(vr.of(m.main()->body));              // a tuple has no range
}

TEST_CASE("value ranges are sound and SimplifyExpr exact on random chains",
          "[passes][value_range][simplify]") {
  std::mt19937 rng(20240611);
  int simplified = 0;
  for (int c = 0; c < 300; ++c) {
    int len = 0;
    std::string text = randomChain(rng, &len);
    INFO("case " << c << "\n" << text);
    PassFixture f;
    std::optional<mtc::ir::Module> parsed = mtc::ir::parseModule(text, "chain.relay", f.diag);
    REQUIRE(parsed);
    if (!mtc::ir::inferTypes(*parsed, f.diag)) continue; // e.g. a literal of the wrong dtype
    mtc::ir::Tensor x = mtc::ir::Tensor::zeros({64}, mtc::ir::DType::Int32);
    std::uniform_int_distribution<int64_t> any(INT32_MIN, INT32_MAX), near(-400, 400);
    for (int64_t i = 0; i < 64; ++i) x.setInt(i, i % 2 ? any(rng) : near(rng));
    x.setInt(0, INT32_MIN);
    x.setInt(1, INT32_MAX);

    // Every intermediate value lies in its range.
    mtc::passes::ValueRanges vr;
    for (mtc::ir::Expr e : mtc::ir::postOrder(parsed->main()->body)) {
      std::optional<mtc::passes::IntRange> r = vr.of(e);
      if (!r || e == parsed->main()->body) continue;
      mtc::ir::Module probe(parsed->ctxPtr());
      mtc::ir::Builder b(parsed->ctx());
      probe.setFunction("main", b.function(parsed->main()->params, e));
      auto v = mtc::ir::evaluate(probe, {{"x", x}}, f.diag);
      REQUIRE(v);
      for (int64_t i = 0; i < v->tensor.numElements(); ++i) {
        INFO("node " << mtc::ir::printExpr(e) << " value " << v->tensor.intAt(i));
        CHECK(v->tensor.intAt(i) >= r->lo);
        CHECK(v->tensor.intAt(i) <= r->hi);
      }
    }

    mtc::passes::PipelineLog log;
    std::optional<mtc::ir::Module> out = f.run(*parsed, {"SimplifyExpr"}, "host", &log);
    INFO(f.errors);
    REQUIRE(out);
    if (log.allReports().at(0).rfind("SimplifyExpr: 0 ", 0) != 0) ++simplified;
    auto a = mtc::ir::evaluate(*parsed, {{"x", x}}, f.diag);
    auto b = mtc::ir::evaluate(*out, {{"x", x}}, f.diag);
    REQUIRE(a);
    REQUIRE(b);
    auto fa = mtc::ir::flattenOutputs(*a), fb = mtc::ir::flattenOutputs(*b);
    REQUIRE(fa.size() == fb.size());
    for (size_t i = 0; i < fa.size(); ++i) CHECK(fa[i].bitEqual(fb[i]));
  }
  // The chains do exercise the rewrites.
  CHECK(simplified > 50);
}
