// mtc — compiled direct convolutions (all layouts, groups, depthwise, dilation, asymmetric
// padding, integer and float) and quantized convolution graphs after -O3, vs the evaluator.
// SPDX-License-Identifier: Apache-2.0
#include "codegen_test_util.h"

using namespace mtc::codegen::testing;

namespace {

std::string conv(const std::string &data, const std::string &weight, const std::string &attrs) {
  return "def @main(%x: Tensor[" + data + "], %w: Tensor[" + weight + "]) {\n  nn.conv2d(%x, %w, " +
         attrs + ")\n}\n";
}

} // namespace

TEST_CASE("direct conv2d matches the evaluator in every layout", "[codegen][conv]") {
  struct Case {
    const char *data, *weight, *attrs;
  };
  const Case cases[] = {
      {"(1, 7, 6, 5), int8", "(3, 3, 5, 4), int8",
       "padding=[1, 1, 1, 1], data_layout=\"NHWC\", kernel_layout=\"HWIO\", out_dtype=\"int32\""},
      {"(2, 5, 7, 6), uint8", "(4, 5, 3, 2), uint8",
       "strides=[2, 1], padding=[0, 2, 1, 0], out_dtype=\"int32\""},
      {"(1, 9, 9, 4), int8", "(3, 3, 4, 1), int8",
       "padding=[1, 1], groups=4, data_layout=\"NHWC\", kernel_layout=\"HWOI\", out_dtype=\"int32\""},
      {"(1, 8, 8, 6), int8", "(3, 3, 3, 4), int8",
       "dilation=[2, 2], padding=[2, 2], groups=2, data_layout=\"NHWC\", kernel_layout=\"HWIO\", "
       "out_dtype=\"int16\""},
      {"(1, 6, 8, 8), int8", "(8, 3, 1, 3), uint8",
       "strides=[1, 2], padding=[0, 1], groups=2, out_dtype=\"int32\""},
      {"(1, 5, 5, 3), int8", "(2, 1, 1, 3), int8",
       "strides=[2, 2], data_layout=\"NHWC\", kernel_layout=\"OHWI\", out_dtype=\"int8\""},
      {"(1, 3, 6, 6), int32", "(2, 3, 3, 3), int32", "padding=[1, 1], out_dtype=\"int64\""},
      {"(1, 5, 5, 2), float32", "(3, 3, 2, 3), float32",
       "padding=[1, 2, 0, 1], data_layout=\"NHWC\", kernel_layout=\"HWIO\""},
      {"(1, 2, 5, 7), float32", "(3, 2, 2, 3), float32", "padding=[1, 1], strides=[2, 2]"},
      // Rows longer than the stack budget: one element at a time.
      {"(1, 2, 3, 2), int8", "(1, 2, 2, 16500), int8",
       "padding=[0, 1, 0, 0], data_layout=\"NHWC\", kernel_layout=\"HWIO\", out_dtype=\"int32\""},
      {"(1, 1, 2, 16500), float32", "(1, 1, 1, 2), float32", "padding=[0, 0, 0, 1]"},
      {"(1, 4, 7, 7), int8", "(4, 1, 3, 3), int8",
       "padding=[1, 1], groups=4, data_layout=\"NCHW\", kernel_layout=\"OIHW\", out_layout=\"NHWC\", "
       "out_dtype=\"int32\""},
  };
  for (const Case &c : cases) {
    INFO(c.data << " * " << c.weight << " " << c.attrs);
    checkAgainstEvaluator(conv(c.data, c.weight, c.attrs), "-O0", 1, 1, {}, true);
  }
}

TEST_CASE("a quantized conv block compiles for the host with fused requantize", "[codegen][conv]") {
  const char *text = R"(
def @main(%data: Tensor[(1, 9, 9, 8), uint8], %weight: Tensor[(3, 3, 8, 6), int8],
          %bias: Tensor[(6), int32]) {
  %0 = qnn.conv2d(%data, %weight, 128, 3, 0.0235f, 0.0113f, padding=[1, 1, 1, 1], channels=6,
                  kernel_size=[3, 3], data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32");
  %1 = nn.bias_add(%0, %bias, axis=3);
  %2 = qnn.requantize(%1, 0.000265555f, 0, 0.0471f, 120, rounding="UPWARD", out_dtype="uint8");
  nn.relu(%2)
}
)";
  std::mt19937 rng(42);
  std::map<std::string, mtc::ir::Tensor> params;
  params["weight"] = randomTensor(mtc::ir::Type::tensor({3, 3, 8, 6}, mtc::ir::DType::Int8), rng);
  params["bias"] = randomTensor(mtc::ir::Type::tensor({6}, mtc::ir::DType::Int32), rng);
  for (int64_t i = 0; i < 6; ++i) params["bias"].setInt(i, params["bias"].intAt(i) % 5000);
  for (const char *level : {"-O1", "-O2", "-O3"}) {
    INFO(level);
    auto hm = checkAgainstEvaluator(text, level, 2, 3, params);
    if (std::string(level) == "-O3") {
      // One kernel per anchor; the conv carries the whole requantize chain as its epilogue.
      bool convFused = false;
      for (const auto &k : hm->kernels)
        for (size_t a = 0; a < k.anchors.size(); ++a)
          if (k.anchors[a] == "nn.conv2d" && !k.fused.empty()) convFused = true;
      REQUIRE(convFused);
    }
  }
}
