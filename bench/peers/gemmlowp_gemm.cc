// mtc — peer driver: a conv2d as NHWC im2col + gemmlowp uint8 GEMM (fixed-point requantization)
// SPDX-License-Identifier: Apache-2.0
//
// Usage: gemmlowp_gemm B IC H W OC KH KW SH SW PT PL PB PR DIL qu8 ITERS [verify]
// Each iteration runs the im2col (padding with the input zero point) and the single-threaded
// gemmlowp GEMM with bias, fixed-point requantization and the uint8 cast, between insn_count
// markers 1 and 2. gemmlowp is uint8 x uint8 only, so DTYPE must be qu8.

#include <cmath>
#include <cstdint>
#include <vector>

#include "public/gemmlowp.h"

#include "common.h"

namespace {

// Same fixed-point requantization as gemmlowp's OutputStageQuantizeDownInt32ByFixedPoint,
// written from its documented definition for the reference check.
int32_t highMul(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * b;
  int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return (int32_t)((ab + nudge) / (1ll << 31));
}

int32_t roundingShift(int32_t x, int exponent) {
  int32_t mask = (int32_t)((1ll << exponent) - 1);
  int32_t remainder = x & mask, threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

}  // namespace

int main(int argc, char **argv) {
  BenchConv c;
  if (!benchParse(argc, argv, &c, "qu8")) return 2;
  if (std::strcmp(c.dtype, "qu8") != 0) {
    std::fprintf(stderr, "error: gemmlowp supports DTYPE qu8 only (got '%s')\n", c.dtype);
    return 2;
  }
  const long oh = benchOutH(&c), ow = benchOutW(&c), k = c.kh * c.kw * c.ic;
  const long n = c.b * oh * ow;
  const int32_t inZp = 128, wZp = 127, outZp = 125;
  std::vector<uint8_t> in(c.b * c.h * c.w * c.ic), w(c.oc * k), cols(n * k), out(n * c.oc);
  std::vector<int32_t> bias(c.oc);
  uint64_t seed = 0x9E3779B97F4A7C15ull;
  for (auto &v : in) v = (uint8_t)benchUniform(&seed, 0, 255);
  for (auto &v : w) v = (uint8_t)benchUniform(&seed, 0, 255);
  for (auto &v : bias) v = (int32_t)benchUniform(&seed, -10000, 10000);
  // Real multiplier M = 2^-shift * mult / 2^31 with mult in [2^30, 2^31).
  double m = 0.5 * 0.25 / benchOutScale(&c, 0.5, 0.25);
  int shift = 0;
  while (m < 0.5) m *= 2, ++shift;
  int32_t mult = (int32_t)std::lround(m * 2147483648.0);
  if (mult == INT32_MIN) mult = INT32_MAX;  // m rounded up to 1.0

  gemmlowp::GemmContext ctx;
  ctx.set_max_num_threads(1);
  using ColVec = gemmlowp::VectorMap<const int32_t, gemmlowp::VectorShape::Col>;
  gemmlowp::OutputStageBiasAddition<ColVec> biasStage;
  biasStage.bias_vector = ColVec(bias.data(), (int)c.oc);
  gemmlowp::OutputStageQuantizeDownInt32ByFixedPoint quant;
  quant.result_fixedpoint_multiplier = mult;
  quant.result_shift = shift;
  quant.result_offset_after_shift = outZp;
  gemmlowp::OutputStageSaturatingCastToUint8 cast;
  auto pipeline = std::make_tuple(biasStage, quant, cast);
  // Weights OC x K row-major; im2col K x N column-major (one patch per column, NHWC order);
  // result OC x N column-major, which is the NHWC output.
  gemmlowp::MatrixMap<const uint8_t, gemmlowp::MapOrder::RowMajor> lhs(w.data(), (int)c.oc, (int)k);
  gemmlowp::MatrixMap<const uint8_t, gemmlowp::MapOrder::ColMajor> rhs(cols.data(), (int)k, (int)n);
  gemmlowp::MatrixMap<uint8_t, gemmlowp::MapOrder::ColMajor> res(out.data(), (int)c.oc, (int)n);

  benchMarker(1);
  for (long it = 0; it < c.iters; ++it) {
    uint8_t *col = cols.data();
    for (long b = 0; b < c.b; ++b)
      for (long y = 0; y < oh; ++y)
        for (long x = 0; x < ow; ++x)
          for (long ky = 0; ky < c.kh; ++ky)
            for (long kx = 0; kx < c.kw; ++kx, col += c.ic) {
              long iy = y * c.sh - c.pt + ky * c.dil, ix = x * c.sw - c.pl + kx * c.dil;
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w)
                std::memset(col, inZp, c.ic);
              else
                std::memcpy(col, &in[((b * c.h + iy) * c.w + ix) * c.ic], c.ic);
            }
    gemmlowp::GemmWithOutputPipeline<uint8_t, uint8_t, gemmlowp::DefaultL8R8BitDepthParams>(
        &ctx, lhs, rhs, &res, -wZp, -inZp, pipeline);
  }
  benchMarker(2);
  std::printf("gemmlowp qu8 outputs %zu checksum %08x\n", out.size(), benchFnv(out.data(), out.size()));
  if (!benchDump(out.data(), out.size())) return 1;
  if (!c.verify) return 0;
  if (c.iters == 0) {
    std::fprintf(stderr, "error: verify needs ITERS >= 1\n");
    return 2;
  }
  size_t bad = 0;
  for (long p = 0; p < n; ++p)
    for (long o = 0; o < c.oc; ++o) {
      int32_t acc = bias[o];
      for (long i = 0; i < k; ++i) acc += (cols[p * k + i] - inZp) * (w[o * k + i] - wZp);
      int32_t r = roundingShift(highMul(acc, mult), shift) + outZp;
      r = r < 0 ? 0 : r > 255 ? 255 : r;
      bad += out[p * c.oc + o] != r;
    }
  std::printf("verify: %zu outputs, %zu differ from the fixed-point reference\n", out.size(), bad);
  return bad ? 3 : 0;
}
