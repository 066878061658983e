// mtc — compiled data-movement ops vs the evaluator, bit for bit.
// SPDX-License-Identifier: Apache-2.0
#include "codegen_test_util.h"

using namespace mtc::codegen::testing;

namespace {
std::string unary(const std::string &type, const std::string &call) {
  return "def @main(%x: Tensor[" + type + "]) {\n  " + call + "\n}\n";
}
} // namespace

TEST_CASE("shape-only ops, transpose, repeat and slices match the evaluator",
          "[codegen][transform]") {
  const std::pair<const char *, const char *> cases[] = {
      {"(2, 3, 4), int8", "reshape(%x, newshape=[4, -1])"},
      {"(2, 1, 4), int16", "squeeze(%x)"},
      {"(2, 3), int32", "expand_dims(%x, axis=1, num_newaxis=2)"},
      {"(2, 3, 4), uint8", "transpose(%x, axes=[2, 0, 1])"},
      {"(2, 3, 4), float32", "transpose(%x)"},
      {"(2, 3, 4), int8", "repeat(%x, repeats=3, axis=1)"},
      {"(5, 6, 7), int8", "strided_slice(%x, begin=[1, -1, 0], end=[4, 0, 7], strides=[2, -2, 3])"},
      {"(5, 6, 7), int32", "strided_slice(%x, begin=[2], end=[100], axes=[2])"},
      {"(2, 3, 4), bool", "transpose(%x, axes=[1, 2, 0])"},
  };
  for (const auto &[type, call] : cases) {
    INFO(call);
    checkAgainstEvaluator(unary(type, call), "-O0", 1, 1);
  }
}

TEST_CASE("nn.pad reads the pad value through a cast", "[codegen][transform]") {
  checkAgainstEvaluator(unary("(2, 3, 4), int8",
                              "nn.pad(%x, -7, pad_width=[[0, 1], [2, 0], [1, 3]])"), "-O0", 1, 2);
  checkAgainstEvaluator(unary("(1, 4, 4, 3), uint8",
                              "nn.pad(%x, 300, pad_width=[[0, 0], [1, 1], [0, 2], [0, 0]])"),
                        "-O0", 1, 3);
  checkAgainstEvaluator(unary("(3, 4), float32", "nn.pad(%x, 2.5f, pad_width=[[1, 1], [1, 1]])"),
                        "-O0", 1, 4, {}, true);
}

TEST_CASE("concatenate copies every field and runs the epilogue", "[codegen][transform]") {
  checkAgainstEvaluator("def @main(%a: Tensor[(2, 3, 4), int8], %b: Tensor[(2, 1, 4), int8], "
                        "%c: Tensor[(2, 5, 4), int8]) {\n"
                        "  concatenate((%a, %b, %c), axis=1)\n}", "-O0", 1, 5);
  checkAgainstEvaluator("def @main(%a: Tensor[(2, 3), float32], %b: Tensor[(2, 2), float32]) {\n"
                        "  %0 = concatenate((%a, %b), axis=-1);\n"
                        "  %1 = multiply(%0, 2f);\n"
                        "  %1\n}", "-O3", 1, 6);
}

TEST_CASE("the GEMM weight transform and the GEMM convolution lower without the micro-kernel",
          "[codegen][transform]") {
  checkAgainstEvaluator(unary("(3, 3, 5, 7), int8",
                              "nn.contrib_conv2d_gemm_weight_transform(%x, tile_N=4, tile_K=16)"),
                        "-O0", 1, 7);
  // Weights as a run-time input: the transform and the packed convolution both run compiled.
  checkAgainstEvaluator(
      "def @main(%x: Tensor[(1, 6, 7, 5), int8], %w: Tensor[(3, 3, 5, 7), int8]) {\n"
      "  %0 = nn.contrib_conv2d_gemm_weight_transform(%w, tile_N=12, tile_K=4);\n"
      "  nn.contrib_conv2d_gemm_without_weight_transform(%x, %0, padding=[1, 0, 0, 1], "
      "strides=[2, 1], channels=7, kernel_size=[3, 3], data_layout=\"NHWC\", "
      "kernel_layout=\"HWIO\", out_dtype=\"int32\")\n}",
      "-O0", 1, 8);
}

TEST_CASE("tuples, repeated results and inputs returned directly", "[codegen][transform]") {
  auto hm = checkAgainstEvaluator("def @main(%a: Tensor[(2, 3), int8], %b: Tensor[(3), int8]) {\n"
                                  "  %0 = add(%a, %b);\n"
                                  "  (%0, %a, %0, negative(%0))\n}", "-O3", 1, 9);
  REQUIRE(hm->meta.outputs.size() == 4);
  checkAgainstEvaluator("def @main(%a: Tensor[(2, 3), int8]) {\n  (%a, 5i8)\n}", "-O0", 1, 10);
}
