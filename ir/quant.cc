// mtc — quantization arithmetic (see quant.h and docs/ops.md for the rules).
// SPDX-License-Identifier: Apache-2.0
#include "ir/quant.h"

#include "ir/check.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mtc::ir {

namespace {

using I128 = __int128;

constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

int64_t saturate64(I128 v) {
  if (v > kI64Max) return kI64Max;
  if (v < kI64Min) return kI64Min;
  return static_cast<int64_t>(v);
}

int32_t saturate32(I128 v) {
  if (v > kI32Max) return static_cast<int32_t>(kI32Max);
  if (v < kI32Min) return static_cast<int32_t>(kI32Min);
  return static_cast<int32_t>(v);
}

// Number of significant bits of |v| (v != 0).
int magnitudeBits(I128 v) {
  unsigned __int128 m = v < 0 ? static_cast<unsigned __int128>(-v) : static_cast<unsigned __int128>(v);
  int n = 0;
  while (m) {
    m >>= 1;
    ++n;
  }
  return n;
}

// Exact Upward / ToNearest rounding of t * q * 2^(shift - 31).
int64_t singleRounding(int64_t t, int32_t q, int shift, Rounding r) {
  I128 p = static_cast<I128>(t) * q; // |p| < 2^94
  if (p == 0) return 0;
  const int left = std::max(shift, 0);
  const int rs = std::max(-shift, 0) + 31;
  if (left > 0) {
    // Beyond 2^126 the value (>= 2^95 after the shift by 31) saturates int64 anyway.
    if (left > 126 || magnitudeBits(p) + left > 126) return p > 0 ? kI64Max : kI64Min;
    p *= static_cast<I128>(1) << left;
  } else if (rs > 95) {
    // |p| < 2^94 so |value| < 1/4: both modes round to 0.
    return 0;
  }
  const I128 half = static_cast<I128>(1) << (rs - 1);
  if (r == Rounding::Upward || p >= 0) p += half;
  else p += half - 1;
  return saturate64(p >> rs); // arithmetic shift (C++20)
}

} // namespace

std::optional<Rounding> parseRounding(std::string_view s) {
  if (s == "UPWARD") return Rounding::Upward;
  if (s == "TONEAREST") return Rounding::ToNearest;
  if (s == "TFLITE") return Rounding::TFLite;
  return std::nullopt;
}

std::string_view roundingName(Rounding r) {
  switch (r) {
  case Rounding::Upward: return "UPWARD";
  case Rounding::ToNearest: return "TONEAREST";
  case Rounding::TFLite: return "TFLITE";
  }
  MTC_UNREACHABLE("bad rounding");
}

FixedPoint fixedPointMultiplier(double m) {
  if (m == 0 || std::isnan(m)) return {0, 0};
  if (std::isinf(m)) return {m > 0 ? (1 << 30) : -(1 << 30), 1025};
  int e = 0;
  double sig = std::frexp(m, &e); // |sig| in [0.5, 1)
  long long q = std::llround(sig * 2147483648.0);
  if (q == (1LL << 31) || q == -(1LL << 31)) {
    q /= 2;
    e += 1;
  }
  return {static_cast<int32_t>(q), e};
}

double requantizeScale(float inputScale, float outputScale) {
  return static_cast<double>(inputScale) / static_cast<double>(outputScale);
}

int32_t saturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * b;
  const int64_t nudge = ab >= 0 ? (int64_t(1) << 30) : 1 - (int64_t(1) << 30);
  // C++ division truncates toward zero; with the sign-dependent nudge this is floor(v + 1/2),
  // like SQRDMULH. The quotient fits int32 once the single overflow case is excluded.
  return static_cast<int32_t>((ab + nudge) / (int64_t(1) << 31));
}

int32_t roundingDivideByPOT(int32_t x, int exponent) {
  MTC_CHECK(exponent >= 0) << "negative exponent " << exponent;
  if (exponent > 62) return 0; // |x| <= 2^31: far below one half
  const int64_t mask = (int64_t(1) << exponent) - 1;
  const int64_t remainder = x & mask;
  const int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return static_cast<int32_t>((static_cast<int64_t>(x) >> exponent) + (remainder > threshold ? 1 : 0));
}

int64_t fixedPointMultiply(int64_t t, int32_t q, int shift, Rounding r) {
  // Beyond +-200 every result is already saturated or 0; clamping keeps the shift arithmetic
  // below free of overflow.
  shift = std::clamp(shift, -200, 200);
  if (r != Rounding::TFLite) return singleRounding(t, q, shift, r);
  const int left = std::max(shift, 0);
  const int right = std::max(-shift, 0);
  int32_t x = saturate32(t);
  if (left > 0 && x != 0)
    x = left >= 32 ? saturate32(x > 0 ? kI64Max : kI64Min) : saturate32(static_cast<I128>(x) << left);
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x, q), right);
}

std::optional<FixedPoint> requantizeStep(float inScale, float outScale) {
  if (inScale == outScale) return std::nullopt;
  return fixedPointMultiplier(requantizeScale(inScale, outScale));
}

int64_t requantizeValue(int64_t x, int64_t zpIn, std::optional<FixedPoint> fp, int64_t zpOut,
                        Rounding r, DType outDType) {
  const int64_t t = static_cast<int64_t>(static_cast<uint64_t>(x) - static_cast<uint64_t>(zpIn));
  const int64_t scaled = fp ? fixedPointMultiply(t, fp->multiplier, fp->shift, r) : t;
  const I128 v = static_cast<I128>(scaled) + zpOut;
  return clampToDType(saturate64(v), outDType);
}

int32_t fixedPointMultiplyInt32(int32_t x, int32_t q, int shift, Rounding r) {
  return saturate32(fixedPointMultiply(x, q, shift, r));
}

int64_t quantizeValue(float x, float scale, int64_t zp, DType outDType) {
  const float scaled = x / scale;
  if (std::isnan(scaled)) return clampToDType(zp, outDType);
  // Clamping in double is exact: the float value and zp are both exactly representable there
  // (|zp| < 2^53 for every zero point a type relation accepts).
  const double v = static_cast<double>(std::round(scaled)) + static_cast<double>(zp);
  const double lo = static_cast<double>(dtypeMin(outDType));
  const double hi = static_cast<double>(dtypeMax(outDType));
  if (v <= lo) return dtypeMin(outDType);
  if (v >= hi) return dtypeMax(outDType);
  return static_cast<int64_t>(v);
}

float dequantizeValue(int64_t q, int64_t zp, float scale) {
  const int64_t d = static_cast<int64_t>(static_cast<uint64_t>(q) - static_cast<uint64_t>(zp));
  return static_cast<float>(d) * scale;
}

int64_t clampToDType(int64_t v, DType t) {
  return std::clamp(v, dtypeMin(t), dtypeMax(t));
}

} // namespace mtc::ir
