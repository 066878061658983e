// mtc — AlterOpLayout tests, translating TVM's test_alter_layout_nhwc_int8_aarch64 and
// test_int8_conv2d (tvm_conv2d_gemm.md §5).
// SPDX-License-Identifier: Apache-2.0
#include "pass_test_util.h"

#include "ir/eval.h"
#include "passes/strategy.h"

#include <random>

using mtc::testutil::countOp;
using mtc::testutil::PassFixture;

namespace {

const char *kTvmAlterOp = R"(
def @main(%x: Tensor[(1, 56, 56, 73), int8], %w: Tensor[(3, 3, 73, 79), int8]) {
  nn.conv2d(%x, %w, channels=79, kernel_size=[3, 3], data_layout="NHWC", kernel_layout="HWIO",
            out_dtype="int32")
}
)";

// An expected rewrite for `target`'s tiles (kernel_size and channels come from the weight).
std::string expectedGemm(int tileN, int tileK) {
  return R"(
def @main(%x: Tensor[(1, 56, 56, 73), int8], %w: Tensor[(3, 3, 73, 79), int8]) {
  %0 = nn.contrib_conv2d_gemm_weight_transform(%w, tile_N=)" +
         std::to_string(tileN) + ", tile_K=" + std::to_string(tileK) + R"();
  nn.contrib_conv2d_gemm_without_weight_transform(%x, %0, channels=79, kernel_size=[3, 3],
      data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32")
}
)";
}

mtc::ir::Tensor randomTensor(mtc::ir::Shape shape, mtc::ir::DType dt, std::mt19937 &rng) {
  mtc::ir::Tensor t = mtc::ir::Tensor::zeros(std::move(shape), dt);
  std::uniform_int_distribution<int64_t> d(mtc::ir::dtypeMin(dt), mtc::ir::dtypeMax(dt));
  for (int64_t i = 0; i < t.numElements(); ++i) t.setInt(i, d(rng));
  return t;
}

// Evaluates `before` and `after` on the same inputs and CHECKs that they agree bit for bit.
void checkSameOutput(PassFixture &f, const mtc::ir::Module &before, const mtc::ir::Module &after,
                     const std::map<std::string, mtc::ir::Tensor> &in) {
  auto a = mtc::ir::evaluate(before, in, f.diag);
  auto b = mtc::ir::evaluate(after, in, f.diag);
  INFO(f.errors);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->tensor.bitEqual(b->tensor));
}

} // namespace

TEST_CASE("AlterOpLayout: TVM test_alter_layout_nhwc_int8_aarch64", "[passes][alter_op]") {
  PassFixture f;
  mtc::ir::Module m = f.parse(kTvmAlterOp);
  mtc::passes::PipelineLog log;
  mtc::ir::Module out =
      f.runOk(m, {"AlterOpLayout"}, "llvm -device=arm_cpu -mtriple=aarch64-linux-gnu", &log);
  f.checkEqual(out, expectedGemm(4, 16));

  // K = 3*3*73 = 657 is padded to 672 = 42*16, N = 79 to 80 = 20*4.
  const auto *conv = mtc::ir::dyn<mtc::ir::CallNode>(out.main()->body);
  REQUIRE(conv);
  CHECK(conv->args.at(1)->type.str() == "Tensor[(20, 42, 4, 16), int8]");
  CHECK(conv->type.str() == "Tensor[(1, 54, 54, 79), int32]");
  REQUIRE(log.passes.size() == 1);
  CHECK(log.allReports() ==
        std::vector<std::string>{"AlterOpLayout: 1 conv2d rewritten (gemm_neon_4x4x16)"});
}

TEST_CASE("AlterOpLayout: tiles follow the target's kernel", "[passes][alter_op]") {
  struct Row {
    const char *target;
    int tileN, tileK;
    const char *shape;
  };
  // dotprod: K 657 -> 660 = 165*4, N 79 -> 84 = 7*12; i8mm: K -> 664 = 83*8.
  const Row rows[] = {
      {"aarch64+dotprod", 12, 4, "Tensor[(7, 165, 12, 4), int8]"},
      {"aarch64+i8mm", 12, 8, "Tensor[(7, 83, 12, 8), int8]"},
      {"llvm -mtriple=aarch64-linux-gnu -mcpu=neoverse-n1", 12, 4,
       "Tensor[(7, 165, 12, 4), int8]"},
  };
  for (const Row &r : rows) {
    INFO(r.target);
    PassFixture f;
    mtc::ir::Module out = f.runOk(f.parse(kTvmAlterOp), {"AlterOpLayout"}, r.target);
    f.checkEqual(out, expectedGemm(r.tileN, r.tileK));
    const auto *conv = mtc::ir::dyn<mtc::ir::CallNode>(out.main()->body);
    REQUIRE(conv);
    CHECK(conv->args.at(1)->type.str() == r.shape);
  }
}

TEST_CASE("AlterOpLayout: what stays nn.conv2d", "[passes][alter_op]") {
  SECTION("host target") {
    PassFixture f;
    mtc::ir::Module m = f.parse(kTvmAlterOp);
    mtc::passes::PipelineLog log;
    mtc::ir::Module out = f.runOk(m, {"AlterOpLayout"}, "host", &log);
    f.checkEqual(out, kTvmAlterOp);
    CHECK(log.allReports() ==
          std::vector<std::string>{"AlterOpLayout: 0 conv2d rewritten, 1 left generic"});
  }
  SECTION("NCHW, grouped, int16 and mixed signedness") {
    const char *text = R"(
def @main(%a: Tensor[(1, 8, 10, 10), int8], %wa: Tensor[(4, 8, 3, 3), int8],
          %b: Tensor[(1, 10, 10, 8), int8], %wb: Tensor[(3, 3, 4, 4), int8],
          %c: Tensor[(1, 10, 10, 8), int16], %wc: Tensor[(3, 3, 8, 4), int16],
          %d: Tensor[(1, 10, 10, 8), uint8], %wd: Tensor[(3, 3, 8, 4), int8]) {
  %0 = nn.conv2d(%a, %wa, out_dtype="int32");
  %1 = nn.conv2d(%b, %wb, groups=2, data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32");
  %2 = nn.conv2d(%c, %wc, data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32");
  %3 = nn.conv2d(%d, %wd, data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32");
  (%0, %1, %2, %3)
}
)";
    PassFixture f;
    mtc::passes::PipelineLog log;
    mtc::ir::Module out = f.runOk(f.parse(text), {"AlterOpLayout"}, "aarch64+dotprod", &log);
    f.checkEqual(out, text);
    CHECK(log.allReports() ==
          std::vector<std::string>{"AlterOpLayout: 0 conv2d rewritten, 3 left generic, 1 with "
                                   "mixed int8/uint8 left generic"});
  }
}

TEST_CASE("AlterOpLayout: a shared weight is transformed once", "[passes][alter_op]") {
  const char *text = R"(
def @main(%x: Tensor[(1, 8, 8, 16), uint8], %y: Tensor[(1, 8, 8, 16), uint8],
          %w: Tensor[(1, 1, 16, 8), uint8]) {
  %0 = nn.conv2d(%x, %w, data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32");
  %1 = nn.conv2d(%y, %w, strides=[2, 2], data_layout="NHWC", kernel_layout="HWIO",
                 out_dtype="int32");
  (%0, %1)
}
)";
  const char *expected = R"(
def @main(%x: Tensor[(1, 8, 8, 16), uint8], %y: Tensor[(1, 8, 8, 16), uint8],
          %w: Tensor[(1, 1, 16, 8), uint8]) {
  %0 = nn.contrib_conv2d_gemm_weight_transform(%w, tile_N=12, tile_K=8);
  %1 = nn.contrib_conv2d_gemm_without_weight_transform(%x, %0, channels=8, kernel_size=[1, 1],
      data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32");
  %2 = nn.contrib_conv2d_gemm_without_weight_transform(%y, %0, strides=[2, 2], channels=8,
      kernel_size=[1, 1], data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32");
  (%1, %2)
}
)";
  PassFixture f;
  mtc::passes::PipelineLog log;
  mtc::ir::Module out = f.runOk(f.parse(text), {"AlterOpLayout"}, "aarch64+i8mm", &log);
  f.checkEqual(out, expected);
  CHECK(countOp(out, "nn.contrib_conv2d_gemm_weight_transform") == 1);
  CHECK(log.allReports() ==
        std::vector<std::string>{"AlterOpLayout: 2 conv2d rewritten (gemm_i8mm_8x12x8)"});
}

TEST_CASE("AlterOpLayout: TVM test_int8_conv2d implementation per target",
          "[passes][alter_op]") {
  // data (1,1,1,4) int8, weight (1,1,4,4) int8, 1x1, channels 4, out int8.
  const char *text = R"(
def @main(%data: Tensor[(1, 1, 1, 4), int8], %weight: Tensor[(1, 1, 4, 4), int8]) {
  nn.conv2d(%data, %weight, channels=4, kernel_size=[1, 1], data_layout="NHWC",
            kernel_layout="HWIO", out_dtype="int8")
}
)";
  struct Row {
    const char *target;
    const char *report;
  };
  const Row rows[] = {
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+neon", "gemm_neon_4x4x16"},
      {"llvm -mtriple=aarch64-linux-gnu", "gemm_neon_4x4x16"},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.2a,+dotprod", "gemm_dotprod_8x12x4"},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.2a,+i8mm", "gemm_i8mm_8x12x8"},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v8.2a,+dotprod,+i8mm", "gemm_i8mm_8x12x8"},
      {"llvm -mtriple=aarch64-linux-gnu -mattr=+v9a", "gemm_dotprod_8x12x4"},
  };
  for (const Row &r : rows) {
    INFO(r.target);
    PassFixture f;
    mtc::passes::PipelineLog log;
    mtc::ir::Module out = f.runOk(f.parse(text), {"AlterOpLayout"}, r.target, &log);
    CHECK(countOp(out, "nn.contrib_conv2d_gemm_without_weight_transform") == 1);
    CHECK(log.allReports() == std::vector<std::string>{std::string("AlterOpLayout: 1 conv2d "
                                                                   "rewritten (") +
                                                       r.report + ")"});
  }
  PassFixture f;
  mtc::ir::Module host = f.runOk(f.parse(text), {"AlterOpLayout"}, "host");
  CHECK(countOp(host, "nn.conv2d") == 1);
}

TEST_CASE("AlterOpLayout: the rewrite evaluates identically", "[passes][alter_op]") {
  // Padding on bottom/right only, stride 2, dilation 2: the GEMM conv must agree bit for bit.
  const char *text = R"(
def @main(%x: Tensor[(1, 11, 9, 5), uint8], %w: Tensor[(3, 2, 5, 7), uint8]) {
  nn.conv2d(%x, %w, strides=[2, 1], padding=[0, 0, 2, 1], dilation=[2, 1], data_layout="NHWC",
            kernel_layout="HWIO", out_dtype="int32")
}
)";
  std::mt19937 rng(1234);
  for (const char *target : {"aarch64", "aarch64+dotprod", "aarch64+i8mm"}) {
    INFO(target);
    PassFixture f;
    mtc::ir::Module m = f.parse(text);
    mtc::ir::Module out = f.runOk(m, {"AlterOpLayout"}, target);
    checkSameOutput(f, m, out,
                    {{"x", randomTensor({1, 11, 9, 5}, mtc::ir::DType::UInt8, rng)},
                     {"w", randomTensor({3, 2, 5, 7}, mtc::ir::DType::UInt8, rng)}});
  }
}

TEST_CASE("AlterOpLayout: an explicit pad becomes the GEMM op's pad_value", "[passes][alter_op]") {
  // QnnCanonicalize's form: nn.pad with the data zero point in front of an unpadded conv. The
  // rewrite drops the pad, the conv reads pad_value on its padded taps, and both evaluate
  // identically; a pad on C, a conv with padding of its own, or a pad something else reads too
  // stay as they are.
  const char *text = R"(
def @main(%x: Tensor[(2, 7, 6, 5), int8], %w: Tensor[(3, 3, 5, 6), int8]) {
  %0 = nn.pad(%x, -77i8, pad_width=[[0, 0], [2, 1], [0, 2], [0, 0]]);
  nn.conv2d(%0, %w, strides=[2, 1], data_layout="NHWC", kernel_layout="HWIO", out_dtype="int32")
}
)";
  std::mt19937 rng(99);
  for (const char *target : {"aarch64", "aarch64+dotprod", "aarch64+i8mm"}) {
    INFO(target);
    PassFixture f;
    mtc::ir::Module m = f.parse(text);
    mtc::passes::PipelineLog log;
    mtc::ir::Module out = f.runOk(m, {"AlterOpLayout"}, target, &log);
    CHECK(countOp(out, "nn.pad") == 0);
    const auto *conv = mtc::ir::dyn<mtc::ir::CallNode>(out.main()->body);
    REQUIRE(conv);
    const auto &a = conv->attrsAs<mtc::ir::Conv2DAttrs>();
    CHECK(a.pad_value == -77);
    CHECK(a.padding == std::vector<int64_t>{2, 0, 1, 2});
    CHECK(log.allReports().back().find("1 nn.pad folded into them") != std::string::npos);
    for (int trial = 0; trial < 3; ++trial)
      checkSameOutput(f, m, out,
                      {{"x", randomTensor({2, 7, 6, 5}, mtc::ir::DType::Int8, rng)},
                       {"w", randomTensor({3, 3, 5, 6}, mtc::ir::DType::Int8, rng)}});
  }
  for (const char *keep : {
           "%0 = nn.pad(%x, 3i8, pad_width=[[0, 0], [1, 1], [1, 1], [0, 1]]);\n"
           "  nn.conv2d(%0, %w, data_layout=\"NHWC\", kernel_layout=\"HWIO\", out_dtype=\"int32\")",
           "%0 = nn.pad(%x, 3i8, pad_width=[[0, 0], [1, 1], [1, 1], [0, 0]]);\n"
           "  nn.conv2d(%0, %w, padding=[1, 1, 1, 1], data_layout=\"NHWC\", kernel_layout=\"HWIO\", "
           "out_dtype=\"int32\")",
           // Read by something else too: folding would make that reader pad inline.
           "%0 = nn.pad(%x, 3i8, pad_width=[[0, 0], [1, 1], [1, 1], [0, 0]]);\n"
           "  %1 = nn.conv2d(%0, %w, data_layout=\"NHWC\", kernel_layout=\"HWIO\", out_dtype=\"int32\");\n"
           "  (%1, %0)"}) {
    INFO(keep);
    PassFixture f;
    std::string t = std::string("def @main(%x: Tensor[(1, 6, 6, 4), int8], %w: Tensor[(3, 3, ") +
                    (std::string(keep).find("[0, 1]]") != std::string::npos ? "5" : "4") +
                    ", 2), int8]) {\n  " + keep + "\n}";
    mtc::ir::Module out = f.runOk(f.parse(t), {"AlterOpLayout"}, "aarch64+dotprod");
    CHECK(countOp(out, "nn.pad") == 1);
  }
}

TEST_CASE("pad_value: only the GEMM op takes it, within the data's range", "[ops][alter_op]") {
  PassFixture f;
  auto fails = [&](const std::string &text, const std::string &msg) {
    f.errors.clear();
    std::optional<mtc::ir::Module> m = mtc::ir::parseModule(text, "t.relay", f.diag);
    bool typed = m && mtc::ir::inferTypes(*m, f.diag);
    INFO(f.errors);
    CHECK_FALSE(typed);
    CHECK(f.errors.find(msg) != std::string::npos);
  };
  fails("def @main(%x: Tensor[(1, 4, 4, 2), int8], %w: Tensor[(1, 1, 2, 2), int8]) {\n"
        "  nn.conv2d(%x, %w, data_layout=\"NHWC\", kernel_layout=\"HWIO\", pad_value=3)\n}",
        "pad_value is only supported by nn.contrib_conv2d_gemm_without_weight_transform");
  fails("def @main(%x: Tensor[(1, 4, 4, 2), uint8], %w: Tensor[(1, 1, 2, 2), uint8]) {\n"
        "  %0 = nn.contrib_conv2d_gemm_weight_transform(%w, tile_N=4, tile_K=16);\n"
        "  nn.contrib_conv2d_gemm_without_weight_transform(%x, %0, channels=2, kernel_size=[1, 1],"
        " data_layout=\"NHWC\", kernel_layout=\"HWIO\", out_dtype=\"int32\", pad_value=256)\n}",
        "pad_value 256 is outside the range of the uint8 data");
}
