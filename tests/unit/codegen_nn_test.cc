// mtc — compiled dense, pools and reductions vs the evaluator, bit for bit.
// SPDX-License-Identifier: Apache-2.0
#include "codegen_test_util.h"

using namespace mtc::codegen::testing;

TEST_CASE("dense matches the evaluator for integer and float inputs", "[codegen][nn]") {
  checkAgainstEvaluator("def @main(%x: Tensor[(3, 37), int8], %w: Tensor[(5, 37), int8]) {\n"
                        "  nn.dense(%x, %w, out_dtype=\"int32\")\n}", "-O0", 2, 1);
  checkAgainstEvaluator("def @main(%x: Tensor[(2, 2, 19), uint8], %w: Tensor[(4, 19), uint8]) {\n"
                        "  nn.dense(%x, %w, out_dtype=\"int16\")\n}", "-O0", 2, 2);
  checkAgainstEvaluator("def @main(%x: Tensor[(2, 9), int32], %w: Tensor[(3, 9), int32]) {\n"
                        "  nn.dense(%x, %w, out_dtype=\"int64\")\n}", "-O0", 2, 3);
  checkAgainstEvaluator("def @main(%x: Tensor[(4, 33), float32], %w: Tensor[(6, 33), float32]) {\n"
                        "  nn.dense(%x, %w)\n}", "-O0", 2, 4, {}, true);
}

TEST_CASE("window pools match the evaluator in both layouts", "[codegen][nn]") {
  const char *pools[] = {"nn.max_pool2d", "nn.avg_pool2d"};
  const char *attrs[] = {
      "pool_size=[3, 3], strides=[2, 2], padding=[1, 1, 1, 1]",
      "pool_size=[3, 2], strides=[1, 2], padding=[0, 1, 2, 0], count_include_pad=True",
      "pool_size=[2, 2], strides=[2, 2], ceil_mode=True",
      "pool_size=[2, 3], dilation=[2, 1], padding=[1, 1]",
      "pool_size=[3, 3], strides=[3, 3], padding=[2, 2, 2, 2], ceil_mode=True, count_include_pad=True"};
  for (const char *dt : {"int8", "uint8", "int32", "int64", "float32"}) {
    INFO(dt);
    std::string nhwc, nchw;
    for (const char *pool : pools)
      for (const char *a : attrs) {
        nhwc += std::string(nhwc.empty() ? "" : ", ") + pool + "(%x, " + a + ", layout=\"NHWC\")";
        nchw += std::string(nchw.empty() ? "" : ", ") + pool + "(%x, " + a + ")";
      }
    checkAgainstEvaluator(std::string("def @main(%x: Tensor[(2, 7, 9, 5), ") + dt + "]) {\n  (" +
                              nhwc + ")\n}", "-O0", 1, 5, {}, true);
    checkAgainstEvaluator(std::string("def @main(%x: Tensor[(2, 5, 7, 9), ") + dt + "]) {\n  (" +
                              nchw + ")\n}", "-O0", 1, 6, {}, true);
  }
}

TEST_CASE("global pools match the evaluator", "[codegen][nn]") {
  for (const char *dt : {"int8", "uint8", "int16", "float32"}) {
    INFO(dt);
    checkAgainstEvaluator(std::string("def @main(%x: Tensor[(2, 6, 5, 11), ") + dt + "]) {\n"
                          "  (nn.global_max_pool2d(%x, layout=\"NHWC\"), "
                          "nn.global_avg_pool2d(%x, layout=\"NHWC\"))\n}", "-O0", 1, 7, {}, true);
    checkAgainstEvaluator(std::string("def @main(%x: Tensor[(2, 3, 6, 5), ") + dt + "]) {\n"
                          "  (nn.global_max_pool2d(%x), nn.global_avg_pool2d(%x))\n}",
                          "-O0", 1, 8, {}, true);
  }
}

TEST_CASE("reductions match the evaluator", "[codegen][nn]") {
  const char *attrs[] = {"axis=[1]", "axis=[0, 2], keepdims=True", "", "axis=[1], exclude=True",
                         "axis=[-1]"};
  for (const char *dt : {"int8", "uint8", "int32", "int64", "float32"}) {
    INFO(dt);
    std::string calls;
    for (const char *op : {"sum", "max", "min", "mean"})
      for (const char *a : attrs)
        calls += std::string(calls.empty() ? "" : ", ") + op + "(%x" + (*a ? ", " : "") + a + ")";
    checkAgainstEvaluator(std::string("def @main(%x: Tensor[(3, 4, 5), ") + dt + "]) {\n  (" +
                              calls + ")\n}", "-O0", 1, 9, {}, true);
  }
}

TEST_CASE("pooled and reduced results feed fused epilogues", "[codegen][nn]") {
  const char *text = R"(
def @main(%x: Tensor[(1, 8, 8, 16), int32]) {
  %0 = nn.avg_pool2d(%x, pool_size=[2, 2], strides=[2, 2], layout="NHWC");
  %1 = add(%0, 7);
  %2 = clip(%1, a_min=-128, a_max=127);
  cast(%2, dtype="int8")
}
)";
  auto hm = checkAgainstEvaluator(text, "-O3", 2, 10);
  REQUIRE(hm->kernels.size() == 1);
  REQUIRE(hm->kernels[0].fused.size() == 3);
}
