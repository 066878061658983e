// mtc — the generic ops end to end through the text format: parse, infer types, evaluate with
// the graph evaluator, and type errors reported at the call's location.
// SPDX-License-Identifier: Apache-2.0
#include "ir/eval.h"
#include "ir/infer_type.h"
#include "ir/parser.h"
#include "tests/unit/ops_generic_util.h"

using namespace mtc;
using namespace mtc::ir;
using namespace mtc::ir::testing;

namespace {

struct TextEnv {
  SourceManager sm;
  DiagEngine diag{sm};
  std::string out;
  TextEnv() { diag.captureTo(&out); }
};

} // namespace

TEST_CASE("text: the canonicalization's zero-point chain evaluates to window sums",
          "[ops][nn][text]") {
  TextEnv env;
  std::optional<Module> m = parseModule(R"(def @main(%q: Tensor[(1, 5, 6, 4), uint8]) {
  %0 = nn.pad(%q, 3, pad_width=[[0, 0], [1, 1], [1, 1], [0, 0]]);
  %1 = cast(%0, dtype="int32");
  %2 = sum(%1, axis=[3], keepdims=True);
  %3 = multiply(%2, 9);
  %4 = nn.avg_pool2d(%3, pool_size=[3, 3], strides=[2, 2], layout="NHWC");
  %5 = reshape(%4, newshape=[-1]);
  %6 = right_shift(%5, 1);
  concatenate((%5, %6), axis=0)
}
)",
                                        "t.relay", env.diag);
  INFO(env.out);
  REQUIRE(m);
  REQUIRE(inferTypes(*m, env.diag));
  CHECK(m->main()->body->type == tensorType({18}, DType::Int32));

  std::mt19937_64 rng(99);
  Tensor q = randomInts(DType::UInt8, {1, 5, 6, 4}, rng, 0, 255);
  std::optional<Value> v = evaluate(*m, {{"q", q}}, env.diag);
  REQUIRE(v);
  const Tensor &out = v->tensor;
  REQUIRE(out.shape() == Shape{18});
  for (int64_t y = 0; y < 3; ++y)
    for (int64_t x = 0; x < 3; ++x) {
      int64_t want = 0;
      for (int64_t i = 0; i < 3; ++i)
        for (int64_t j = 0; j < 3; ++j)
          for (int64_t c = 0; c < 4; ++c) {
            const int64_t yy = y * 2 + i - 1, xx = x * 2 + j - 1;
            want += yy >= 0 && yy < 5 && xx >= 0 && xx < 6 ? q.intAt((yy * 6 + xx) * 4 + c) : 3;
          }
      CHECK(out.intAt(y * 3 + x) == want);
      CHECK(out.intAt(9 + y * 3 + x) == want / 2);
    }
}

TEST_CASE("text: generic op type errors carry the op name and location", "[ops][text]") {
  auto firstError = [](const std::string &body) {
    TextEnv env;
    std::optional<Module> m = parseModule(
        "def @main(%a: Tensor[(2, 3), int8], %b: Tensor[(3), int32]) {\n" + body + "\n}\n",
        "t.relay", env.diag);
    INFO(env.out);
    REQUIRE(m);
    CHECK_FALSE(inferTypes(*m, env.diag));
    return env.out.substr(0, env.out.find('\n'));
  };
  CHECK_THAT(firstError("  add(%a, %b)"),
             Catch::StartsWith("t.relay:2:") &&
                 Catch::EndsWith("error: add: operands have dtypes int8 and int32; both must be "
                                 "the same"));
  CHECK_THAT(firstError("  reshape(%a, newshape=[4, 2])"),
             Catch::StartsWith("t.relay:2:") &&
                 Catch::EndsWith("error: reshape: reshape from (2, 3) to (4, 2): element counts 6 "
                                 "and 8 differ"));
  CHECK_THAT(firstError("  sum(%b, axis=[1])"),
             Catch::EndsWith("error: sum: axis 1 is out of range for rank 1"));
}
