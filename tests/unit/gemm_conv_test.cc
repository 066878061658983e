// mtc — the GEMM convolution lowering: kernel and packing choice, and end-to-end runs of
// quantized convolution graphs compiled for the three AArch64 variants, run under qemu on the
// matching core and compared bit for bit with the reference evaluator.
// SPDX-License-Identifier: Apache-2.0
#include "gemm_conv_util.h"

#include "codegen/gemm_conv.h"
#include "ir/infer_type.h"
#include "ir/parser.h"

#include <catch2/catch.hpp>

#include <cstdio>

using namespace mtc;
using namespace mtc::codegen;
using namespace mtc::codegen::testing;

namespace {

const char *const kTargets[] = {"aarch64", "aarch64+dotprod", "aarch64+i8mm"};

// Plans the GEMM op of a "gemm" case (the op written directly over a weight transform).
std::optional<GemmConvPlan> planOf(const ConvCase &c, const std::string &target,
                                   std::string *why) {
  SourceManager sm;
  DiagEngine diag(sm);
  std::string log;
  diag.captureTo(&log);
  auto m = ir::parseModule(c.text(), "plan.relay", diag);
  INFO(log);
  REQUIRE(m);
  REQUIRE(ir::inferTypes(*m, diag));
  const auto *call = ir::dyn<ir::CallNode>(m->main()->body);
  REQUIRE(call);
  return planGemmConv(call, targetOf(target), why);
}

ConvCase gemmCase(ir::DType t, int64_t ic, int64_t oc, int64_t k, int64_t tileN, int64_t tileK) {
  ConvCase c;
  c.name = "plan";
  c.kind = "gemm";
  c.data = c.weight = t;
  c.h = c.w = 6;
  c.ic = ic;
  c.oc = oc;
  c.kh = c.kw = k;
  c.tileN = tileN;
  c.tileK = tileK;
  return c;
}

ConvCase mk(const char *name, const char *kind, ir::DType data, ir::DType weight) {
  ConvCase c;
  c.name = name;
  c.kind = kind;
  c.data = data;
  c.weight = weight;
  return c;
}

// The edge cases of issue 4 item 7 that reach the GEMM op (mixed signedness is legalized to
// one dtype first; the padding, dilation and stride cases use nn.conv2d or the op itself
// because qnn.conv2d is canonicalized to an explicit pad with the zero point).
std::vector<ConvCase> edgeCases() {
  using ir::DType;
  std::vector<ConvCase> cs;
  cs.push_back(workloadCase(1, 8, 1, 24, 1, 1, "SAME", 1, false)); // M = 1, K = 8
  ConvCase c = mk("k27_n7_mixed_pad1", "qnn", DType::UInt8, DType::Int8);
  c.h = c.w = 10, c.ic = 3, c.oc = 7, c.pad = {1, 1, 1, 1}, c.dataZp = 128, c.perChannel = true;
  c.out = "uint8", c.outZp = 120;
  cs.push_back(c);
  c = mk("k8_pointwise_u8_zp_extremes", "qnn", DType::UInt8, DType::UInt8);
  c.h = c.w = 5, c.ic = 8, c.oc = 13, c.kh = c.kw = 1, c.dataZp = 0, c.kernelZp = 255;
  c.out = "uint8", c.outZp = 255, c.rounding = "TFLITE";
  cs.push_back(c);
  c = mk("s2_1x1_int32_identity", "nn", DType::Int8, DType::Int8);
  c.h = c.w = 9, c.ic = 16, c.oc = 12, c.kh = c.kw = 1, c.stride = {2, 2};
  cs.push_back(c);
  c = mk("pad_bottom_right_s2_k27", "nn", DType::Int8, DType::Int8);
  c.h = c.w = 10, c.ic = 3, c.oc = 8, c.pad = {0, 0, 1, 1}, c.stride = {2, 2};
  cs.push_back(c);
  c = mk("pad_bottom_right_units_u8", "nn", DType::UInt8, DType::UInt8);
  c.h = 7, c.w = 6, c.ic = 16, c.oc = 20, c.pad = {0, 0, 2, 1};
  cs.push_back(c);
  c = mk("dilation2_units", "nn", DType::Int8, DType::Int8);
  c.h = c.w = 9, c.ic = 16, c.oc = 12, c.pad = {2, 2, 2, 2}, c.dilation = {2, 2};
  cs.push_back(c);
  c = mk("dilation2_rows_requantize", "nnrq", DType::Int8, DType::Int8);
  c.h = 9, c.w = 10, c.ic = 5, c.oc = 11, c.pad = {2, 1, 2, 3}, c.dilation = {2, 2};
  c.out = "int8", c.outZp = -7, c.perChannel = true, c.rounding = "TONEAREST";
  cs.push_back(c);
  c = mk("dilation_h_stride_w_rows", "nn", DType::UInt8, DType::UInt8);
  c.h = 7, c.w = 8, c.ic = 5, c.oc = 7, c.pad = {0, 0, 1, 2}, c.dilation = {2, 1};
  c.stride = {1, 2};
  cs.push_back(c);
  c = mk("batch3_mixed_per_channel", "qnn", DType::UInt8, DType::Int8);
  c.batch = 3, c.h = c.w = 6, c.ic = 32, c.oc = 24, c.pad = {1, 1, 1, 1}, c.dataZp = 77;
  c.perChannel = true, c.out = "int8", c.outZp = 3;
  cs.push_back(c);
  c = mk("zp_extremes_u8_saturating", "qnn", DType::UInt8, DType::UInt8);
  c.h = c.w = 7, c.ic = 24, c.oc = 16, c.pad = {1, 1, 1, 1}, c.dataZp = 255, c.kernelZp = 0;
  c.out = "uint8", c.outZp = 0, c.extreme = true;
  cs.push_back(c);
  c = mk("zp_extremes_i8", "qnn", DType::Int8, DType::Int8);
  c.h = c.w = 6, c.ic = 16, c.oc = 9, c.dataZp = -128, c.kernelZp = 127, c.perChannel = true;
  c.out = "int8", c.outZp = 127, c.rounding = "TFLITE", c.extreme = true;
  cs.push_back(c);
  c = mk("qnn_int32_out", "qnn", DType::Int8, DType::Int8);
  c.h = c.w = 5, c.ic = 12, c.oc = 10, c.dataZp = 5, c.kernelZp = -3;
  cs.push_back(c);
  c = mk("int16_out_wraps", "nn", DType::UInt8, DType::UInt8);
  c.h = c.w = 6, c.ic = 40, c.oc = 6, c.out = "int16";
  cs.push_back(c);
  c = mk("int8_out_wraps", "nn", DType::Int8, DType::Int8);
  c.h = c.w = 6, c.ic = 8, c.oc = 5, c.out = "int8", c.pad = {1, 0, 0, 1};
  cs.push_back(c);
  c = mk("m_and_n_remainders", "qnn", DType::UInt8, DType::Int8);
  c.h = 13, c.w = 11, c.ic = 32, c.oc = 30, c.pad = {1, 1, 1, 1}, c.dataZp = 128;
  c.out = "uint8", c.outZp = 128, c.relu = true;
  cs.push_back(c);
  c = mk("pointwise_units_u8", "qnn", DType::UInt8, DType::Int8);
  c.h = c.w = 7, c.ic = 64, c.oc = 40, c.kh = c.kw = 1, c.dataZp = 100, c.perChannel = true;
  c.out = "uint8", c.outZp = 10;
  cs.push_back(c);
  c = mk("direct_4x16_int64_dilated", "gemm", DType::Int8, DType::Int8);
  c.h = 8, c.w = 7, c.ic = 16, c.oc = 6, c.pad = {1, 2, 0, 1}, c.dilation = {2, 1};
  c.out = "int64", c.tileN = 4, c.tileK = 16;
  cs.push_back(c);
  c = mk("direct_12x4_u8", "gemm", DType::UInt8, DType::UInt8);
  c.h = 5, c.w = 9, c.ic = 12, c.oc = 14, c.pad = {0, 1, 1, 0}, c.stride = {2, 1};
  c.tileN = 12, c.tileK = 4;
  cs.push_back(c);
  return cs;
}

bool anyContains(const std::vector<std::string> &v, const std::string &s) {
  for (const std::string &x : v)
    if (x.find(s) != std::string::npos) return true;
  return false;
}

// The micro-kernel the GEMM op of a case must use on a target ("" = the generic loops).
std::string expectedKernel(const ConvCase &c, const std::string &target) {
  const std::string su = c.data == ir::DType::Int8 || c.weight == ir::DType::Int8 ? "s8" : "u8";
  if (c.kind == "gemm") {
    if (c.tileK == 16) return "neon_" + su + "_4x4x16";
    return target == "aarch64" ? "" : "dotprod_" + su + "_8x12x4";
  }
  if (target == "aarch64") return "neon_" + su + "_4x4x16";
  if (target == "aarch64+dotprod") return "dotprod_" + su + "_8x12x4";
  return "i8mm_" + su + "_8x12x8";
}

bool mentions(const std::string &text, const char *mnemonic) {
  return text.find(std::string("\t") + mnemonic + "\t") != std::string::npos;
}

} // namespace

TEST_CASE("GEMM conv: kernel and packing choice", "[gemm]") {
  using ir::DType;
  std::string why;
  CHECK_FALSE(planOf(gemmCase(DType::Int8, 16, 8, 3, 4, 16), "host", &why));
  CHECK(why.find("not AArch64") != std::string::npos);

  auto p = planOf(gemmCase(DType::Int8, 16, 10, 3, 4, 16), "aarch64", &why);
  REQUIRE(p);
  CHECK(p->kernel->name == "neon_s8_4x4x16");
  CHECK(p->packing == GemmPacking::Units);
  CHECK_FALSE(p->pointwise);
  CHECK((p->m == 16 && p->k == 144 && p->n == 10 && p->kBlocks == 9));
  CHECK((p->mFull == 4 && p->mRem == 0 && p->nFull == 2 && p->nRem == 2));

  p = planOf(gemmCase(DType::UInt8, 3, 7, 3, 12, 4), "aarch64+dotprod", &why);
  REQUIRE(p);
  CHECK(p->kernel->name == "dotprod_u8_8x12x4");
  CHECK(p->packing == GemmPacking::Rows);
  CHECK((p->k == 27 && p->kBlocks == 7 && p->mFull == 2 && p->mRem == 0 && p->nRem == 7));
  // Scratch: the 8 x 28-byte panel, then the 28-byte row buffer on a 64-byte boundary.
  CHECK((p->panelBytes() == 224 && p->rowBufOffset() == 256 && p->scratchBytes() == 284));

  p = planOf(gemmCase(DType::Int8, 8, 24, 1, 12, 8), "aarch64+i8mm", &why);
  REQUIRE(p);
  CHECK(p->kernel->name == "i8mm_s8_8x12x8");
  CHECK(p->pointwise);
  CHECK(p->packing == GemmPacking::Units);

  // Weights packed for another variant use any kernel of the target that fits them.
  p = planOf(gemmCase(DType::Int8, 16, 8, 1, 4, 16), "aarch64+i8mm", &why);
  REQUIRE(p);
  CHECK(p->kernel->name == "neon_s8_4x4x16");
  CHECK_FALSE(planOf(gemmCase(DType::Int8, 16, 8, 1, 12, 4), "aarch64", &why));
  CHECK(why.find("no micro-kernel") != std::string::npos);
  CHECK_FALSE(planOf(gemmCase(DType::Int8, 16, 8, 1, 8, 8), "aarch64+i8mm", &why));

  // int64 results need the exact sum: refused where the int32 kernel sum could overflow.
  ConvCase big = gemmCase(DType::UInt8, 40000, 4, 1, 4, 16);
  big.h = big.w = 1;
  big.out = "int64";
  CHECK_FALSE(planOf(big, "aarch64", &why));
  CHECK(why.find("int64") != std::string::npos);
  big.out = "int32";
  CHECK(planOf(big, "aarch64", &why));
  // Any K: the panel is workspace scratch, not stack (4 x 70000 bytes here).
  big.ic = 70000;
  p = planOf(big, "aarch64", &why);
  REQUIRE(p);
  CHECK((p->packing == GemmPacking::Units && p->scratchBytes() == 280000));
}

TEST_CASE("GEMM conv: edge cases are bit-exact on every AArch64 variant", "[gemm][qemu]") {
  for (const char *target : kTargets) {
    for (const ConvCase &c : edgeCases()) {
      DYNAMIC_SECTION(target << " " << c.name) {
        RunOutcome r = checkOnTarget(c, targetOf(target), 2);
        const std::string k = expectedKernel(c, target);
        std::string all;
        for (const std::string &i : r.impls) all += "\n  " + i;
        INFO("implementations:" << all);
        if (k.empty()) CHECK(anyContains(r.impls, "micro-kernel not available"));
        else CHECK(anyContains(r.impls, "(" + k + ", "));
      }
    }
  }
}

TEST_CASE("GEMM conv: CI subset of the TVM workloads", "[gemm][qemu]") {
  const ConvCase workloads[] = {
      workloadCase(1, 8, 1, 24, 1, 1, "SAME", 1, false),
      workloadCase(1, 768, 5, 128, 1, 1, "SAME", 1, false),
      workloadCase(1, 96, 35, 96, 3, 2, "SAME", 1, false),
      workloadCase(1, 2048, 8, 448, 1, 1, "SAME", 1, true),
  };
  for (const char *target : kTargets) {
    for (const ConvCase &c : workloads) {
      DYNAMIC_SECTION(target << " " << c.name) {
        RunOutcome r = checkOnTarget(c, targetOf(target), 1);
        CHECK(anyContains(r.impls, "(" + expectedKernel(c, target) + ", "));
      }
    }
  }
}

TEST_CASE("GEMM conv: Armv8.0 libraries contain no dotprod or i8mm instruction", "[gemm][qemu]") {
  ConvCase c = edgeCases()[1];
  for (const char *target : kTargets) {
    DYNAMIC_SECTION(target) {
      RunOutcome r = checkOnTarget(c, targetOf(target), 1);
      const std::string text = disassembleFile(r.so);
      const bool dot = mentions(text, "sdot") || mentions(text, "udot");
      const bool mmla = mentions(text, "smmla") || mentions(text, "ummla");
      // The dotprod and i8mm libraries are the positive controls of the search (an i8mm
      // target also has dotprod, which LLVM may use elsewhere, so only mmla is required).
      const std::string t = target;
      if (t == "aarch64") {
        CHECK_FALSE(dot);
        CHECK_FALSE(mmla);
        CHECK((mentions(text, "smull") || mentions(text, "umull")));
      }
      if (t == "aarch64+dotprod") CHECK(dot);
      if (t == "aarch64+dotprod") CHECK_FALSE(mmla);
      if (t == "aarch64+i8mm") CHECK(mmla);
    }
  }
}

// Hidden (run with `mtc_unit_tests "[gemm-full]"`): every workload of TVM's
// test_conv2d_NHWC_gemm_int8 on every AArch64 variant. Long under emulation.
TEST_CASE("GEMM conv: all TVM workloads", "[.][gemm-full]") {
  struct W {
    int64_t b, ic, size, oc, k, s;
    const char *pad;
    int64_t d;
    bool relu;
  };
  const W table[] = {
      {1, 3, 299, 32, 3, 2, "SAME", 1, false},    {1, 32, 149, 32, 3, 1, "SAME", 2, false},
      {4, 32, 147, 64, 3, 1, "SAME", 1, false},   {1, 64, 73, 80, 1, 1, "SAME", 1, false},
      {1, 80, 73, 192, 3, 1, "SAME", 1, false},   {1, 192, 35, 48, 1, 1, "SAME", 1, false},
      {1, 192, 35, 64, 1, 1, "VALID", 1, false},  {1, 192, 35, 32, 1, 1, "SAME", 1, false},
      {1, 48, 35, 64, 5, 1, "SAME", 1, false},    {1, 96, 35, 96, 3, 1, "SAME", 1, false},
      {1, 256, 35, 48, 1, 1, "SAME", 1, false},   {1, 256, 35, 64, 1, 1, "SAME", 1, false},
      {1, 288, 35, 64, 1, 1, "SAME", 1, false},   {1, 288, 35, 48, 1, 1, "SAME", 1, false},
      {1, 96, 35, 96, 3, 2, "SAME", 1, false},    {1, 128, 17, 192, 7, 1, "SAME", 2, false},
      {1, 160, 17, 160, 7, 1, "SAME", 1, false},  {1, 160, 17, 192, 1, 1, "VALID", 1, false},
      {1, 192, 17, 192, 1, 1, "SAME", 1, false},  {1, 768, 5, 128, 1, 1, "SAME", 1, false},
      {1, 192, 17, 320, 3, 2, "SAME", 1, false},  {1, 192, 17, 192, 3, 2, "SAME", 1, false},
      {1, 1280, 8, 192, 1, 1, "SAME", 1, false},  {1, 1280, 8, 384, 1, 1, "SAME", 1, false},
      {1, 1280, 8, 320, 1, 1, "SAME", 1, false},  {1, 1280, 8, 448, 1, 1, "SAME", 1, false},
      {1, 384, 8, 384, 1, 1, "SAME", 1, false},   {1, 384, 8, 384, 3, 1, "SAME", 1, false},
      {1, 448, 8, 384, 3, 1, "VALID", 1, false},  {1, 2048, 8, 320, 1, 1, "SAME", 1, false},
      {1, 2048, 8, 448, 1, 1, "SAME", 1, true},   {1, 2048, 8, 192, 1, 1, "SAME", 1, false},
      {1, 8, 1, 24, 1, 1, "SAME", 1, false},
  };
  for (const char *target : kTargets) {
    for (const W &w : table) {
      const ConvCase c = workloadCase(w.b, w.ic, w.size, w.oc, w.k, w.s, w.pad, w.d, w.relu);
      DYNAMIC_SECTION(target << " " << c.name) {
        RunOutcome r = checkOnTarget(c, targetOf(target), 1);
        CHECK(anyContains(r.impls, "(" + expectedKernel(c, target) + ", "));
        std::printf("%-16s %-36s compile %5.1f s, run %5.1f s\n", target, c.name.c_str(),
                    r.compileSeconds, r.runSeconds);
      }
    }
  }
}
