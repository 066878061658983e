// mtc — compiled elementwise, broadcast and fixed-point ops vs the evaluator, bit for bit.
// SPDX-License-Identifier: Apache-2.0
#include "codegen_test_util.h"

using namespace mtc::codegen::testing;

namespace {

std::string binaryModule(const std::string &op, const std::string &a, const std::string &b) {
  return "def @main(%x: Tensor[" + a + "], %y: Tensor[" + b + "]) {\n  " + op + "(%x, %y)\n}\n";
}

} // namespace

// Each test compiles one module holding many calls (a tuple of results): one LLVM compilation
// covers a whole family, which keeps the suite fast.
TEST_CASE("binary ops with broadcasting match the evaluator", "[codegen][elemwise]") {
  const char *ops[] = {"add", "subtract", "multiply", "maximum", "minimum", "equal",
                       "not_equal", "less", "less_equal", "greater", "greater_equal"};
  for (const char *dt : {"int8", "uint8", "int32", "float32"}) {
    INFO(dt);
    std::string calls;
    for (const char *op : ops) calls += std::string(calls.empty() ? "" : ", ") + op + "(%x, %y)";
    checkAgainstEvaluator(std::string("def @main(%x: Tensor[(2, 3, 5), ") + dt +
                              "], %y: Tensor[(3, 1), " + dt + "]) {\n  (" + calls + ")\n}\n",
                          "-O0", 2, 7, {}, true);
  }
}

TEST_CASE("shifts clamp their amounts like the evaluator", "[codegen][elemwise]") {
  for (const char *dt : {"int8", "uint8", "int16", "int32", "int64"}) {
    INFO(dt);
    const std::string t = std::string("Tensor[(4, 33), ") + dt + "]";
    checkAgainstEvaluator("def @main(%x: " + t + ", %y: " + t +
                              ") {\n  (right_shift(%x, %y), left_shift(%x, %y))\n}\n",
                          "-O0", 3, 3);
  }
}

TEST_CASE("unary ops, clip and cast match the evaluator", "[codegen][elemwise]") {
  for (const char *dt : {"int8", "uint8", "int16", "int32", "int64", "float32"}) {
    INFO(dt);
    std::string calls = "negative(%x), nn.relu(%x), clip(%x, a_min=-3.5, a_max=100.7), "
                        "clip(%x, a_min=-1e9, a_max=1e12), copy(%x)";
    for (const char *to : {"int8", "uint8", "int16", "int32", "int64", "float32", "bool"})
      calls += std::string(", cast(%x, dtype=\"") + to + "\")";
    checkAgainstEvaluator(std::string("def @main(%x: Tensor[(3, 17), ") + dt + "]) {\n  (" +
                              calls + ")\n}\n",
                          "-O0", 3, 1, {}, true);
  }
}

TEST_CASE("fixed_point_multiply is exact for every rounding and shift", "[codegen][elemwise]") {
  const int64_t shifts[] = {-40, -31, -20, -1, 0, 1, 5, 30, 31, 32, 40};
  const int64_t mults[] = {1073741824, 1610612736, 2147483647, -2147483648, 1};
  for (const char *rounding : {"UPWARD", "TONEAREST", "TFLITE"}) {
    INFO(rounding);
    std::string calls;
    for (int64_t shift : shifts)
      for (int64_t mult : mults)
        calls += std::string(calls.empty() ? "" : ", ") + "fixed_point_multiply(%x, multiplier=" +
                 std::to_string(mult) + ", shift=" + std::to_string(shift) + ", rounding=\"" +
                 rounding + "\")";
    checkAgainstEvaluator("def @main(%x: Tensor[(256), int32]) {\n  (" + calls + ")\n}\n", "-O0",
                          2, 100);
  }
}

TEST_CASE("per-axis fixed point multiply and bias_add index their channel", "[codegen][elemwise]") {
  for (const char *rounding : {"UPWARD", "TONEAREST", "TFLITE"}) {
    INFO(rounding);
    checkAgainstEvaluator(std::string("def @main(%x: Tensor[(2, 3, 4, 5), int32], "
                                      "%m: Tensor[(4), int32], %s: Tensor[(4), int32]) {\n"
                                      "  fixed_point_multiply_per_axis(%x, %m, %s, axis=2, "
                                      "rounding=\"") + rounding + "\")\n}",
                          "-O0", 2, 11);
  }
  checkAgainstEvaluator("def @main(%x: Tensor[(2, 3, 4, 5), int8], %b: Tensor[(3), int8]) {\n"
                        "  nn.bias_add(%x, %b, axis=1)\n}",
                        "-O0", 2, 12);
  checkAgainstEvaluator("def @main(%x: Tensor[(2, 7), float32], %b: Tensor[(7), float32]) {\n"
                        "  nn.bias_add(%x, %b, axis=-1)\n}",
                        "-O0", 2, 13, {}, true);
}

TEST_CASE("elementwise chains fuse into one loop and stay exact", "[codegen][elemwise]") {
  // A requantize-like chain: wrapping adds, the fixed-point step, clip and narrowing cast.
  const char *text = R"(
def @main(%x: Tensor[(2, 8, 8, 16), int32], %b: Tensor[(16), int32]) {
  %0 = nn.bias_add(%x, %b, axis=3);
  %1 = fixed_point_multiply(%0, multiplier=1395864371, shift=-9, rounding="TONEAREST");
  %2 = add(%1, 3);
  %3 = clip(%2, a_min=-128, a_max=127);
  cast(%3, dtype="int8")
}
)";
  auto hm = checkAgainstEvaluator(text, "-O3", 2, 21);
  REQUIRE(hm->kernels.size() == 1);
  checkAgainstEvaluator(text, "-O0", 1, 22);
}
