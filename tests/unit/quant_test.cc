// mtc — tests of ir/quant.h: fixed-point multipliers, the three rounding modes against gemmlowp
// itself, against exact long-double arithmetic and against TVM's literal int64 lowering, and
// quantize/dequantize.
// SPDX-License-Identifier: Apache-2.0
#include "ir/quant.h"

#include <catch2/catch.hpp>
#include <gemmlowp/fixedpoint/fixedpoint.h>

#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <utility>
#include <vector>

using namespace mtc::ir;

namespace {

constexpr int32_t kMin32 = std::numeric_limits<int32_t>::min();
constexpr int32_t kMax32 = std::numeric_limits<int32_t>::max();

// gemmlowp's saturating left shift takes its exponent as a template argument.
template <int E> int32_t gemmlowpShiftLeft(int32_t x) {
  return gemmlowp::SaturatingRoundingMultiplyByPOT<E>(x);
}
template <size_t... I> constexpr auto shiftTable(std::index_sequence<I...>) {
  return std::array<int32_t (*)(int32_t), sizeof...(I)>{&gemmlowpShiftLeft<static_cast<int>(I)>...};
}
constexpr auto kGemmlowpShiftLeft = shiftTable(std::make_index_sequence<32>());

// TFLite's MultiplyByQuantizedMultiplier built from gemmlowp's primitives, with a saturating
// left shift.
int32_t gemmlowpMultiply(int32_t x, int32_t q, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int32_t shifted = kGemmlowpShiftLeft[static_cast<size_t>(left)](x);
  return gemmlowp::RoundingDivideByPOT(gemmlowp::SaturatingRoundingDoublingHighMul(shifted, q),
                                       right);
}

// TVM's integer lowering of requantize written out literally (valid while nothing overflows).
int64_t tvmLowering(int64_t t, int32_t q, int shift, bool toNearest) {
  const int left = shift > 0 ? shift : 0;
  const int rs = (shift > 0 ? 0 : -shift) + 31;
  t = t * (int64_t(1) << left);
  t *= q;
  const int64_t half = int64_t(1) << (rs - 1);
  t += toNearest ? (t >= 0 ? half : half - 1) : half;
  return t >> rs;
}

// Exact value with long double (64-bit mantissa) and library rounding.
int64_t longDoubleRounding(int64_t t, int32_t q, int shift, bool toNearest) {
  const long double v = std::ldexp(static_cast<long double>(t) * q, shift - 31);
  return static_cast<int64_t>(toNearest ? std::round(v) : std::floor(v + 0.5L));
}

int32_t interestingInt32(std::mt19937_64 &rng) {
  static const int32_t edges[] = {0, 1, -1, 2, -2, kMin32, kMax32, kMin32 + 1, kMax32 - 1,
                                  1 << 30, -(1 << 30), (1 << 30) + 1, 12345, -12345};
  switch (rng() % 4) {
  case 0: return edges[rng() % std::size(edges)];
  case 1: return static_cast<int32_t>(static_cast<int64_t>(rng() % 512) - 256);
  default: return static_cast<int32_t>(static_cast<uint32_t>(rng()));
  }
}

int32_t interestingMultiplier(std::mt19937_64 &rng) {
  switch (rng() % 4) {
  case 0: return (1 << 30) + static_cast<int32_t>(rng() % 16);
  case 1: return kMax32 - static_cast<int32_t>(rng() % 16);
  case 2: return static_cast<int32_t>(rng() % (uint64_t(1) << 31));
  default: return (1 << 30) + static_cast<int32_t>(rng() % (uint64_t(1) << 30));
  }
}

} // namespace

TEST_CASE("fixedPointMultiplier follows frexp + llround with the 2^31 fix-up", "[quant]") {
  CHECK(fixedPointMultiplier(0.75) == FixedPoint{1610612736, 0});
  CHECK(fixedPointMultiplier(0.5) == FixedPoint{1 << 30, 0});
  CHECK(fixedPointMultiplier(1.0) == FixedPoint{1 << 30, 1});
  CHECK(fixedPointMultiplier(3.0) == FixedPoint{1610612736, 2});
  CHECK(fixedPointMultiplier(0.25) == FixedPoint{1 << 30, -1});
  CHECK(fixedPointMultiplier(0.0) == FixedPoint{0, 0});
  CHECK(fixedPointMultiplier(std::nan("")) == FixedPoint{0, 0});
  // sig * 2^31 rounds up to 2^31: halve the multiplier and bump the exponent.
  CHECK(fixedPointMultiplier(1.0 - std::ldexp(1.0, -40)) == FixedPoint{1 << 30, 1});
  CHECK(fixedPointMultiplier(-0.75) == FixedPoint{-1610612736, 0});
  // The multiplier is the double quotient of the float32 scales.
  CHECK(requantizeScale(0.1f, 0.3f) == static_cast<double>(0.1f) / static_cast<double>(0.3f));
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const double m = std::ldexp(static_cast<double>(rng() % 1000000 + 1) / 1000000.0,
                                static_cast<int>(rng() % 40) - 30);
    FixedPoint fp = fixedPointMultiplier(m);
    REQUIRE(fp.multiplier >= (1 << 30));
    REQUIRE(std::abs(std::ldexp(static_cast<double>(fp.multiplier), fp.shift - 31) - m) <=
            std::ldexp(m, -31));
  }
}

TEST_CASE("SRDHM and RoundingDivideByPOT are bit-exact with gemmlowp", "[quant][gemmlowp]") {
  std::mt19937_64 rng(11);
  const int32_t edges[] = {kMin32, kMin32 + 1, -1, 0, 1, kMax32, kMax32 - 1, 1 << 30, -(1 << 30)};
  for (int32_t a : edges)
    for (int32_t b : edges)
      REQUIRE(saturatingRoundingDoublingHighMul(a, b) ==
              gemmlowp::SaturatingRoundingDoublingHighMul(a, b));
  CHECK(saturatingRoundingDoublingHighMul(kMin32, kMin32) == kMax32);
  for (int i = 0; i < 200000; ++i) {
    const int32_t a = interestingInt32(rng), b = interestingInt32(rng);
    REQUIRE(saturatingRoundingDoublingHighMul(a, b) ==
            gemmlowp::SaturatingRoundingDoublingHighMul(a, b));
  }
  for (int e = 0; e <= 31; ++e) {
    for (int32_t x : edges) {
      INFO("x = " << x << ", exponent = " << e);
      REQUIRE(roundingDivideByPOT(x, e) == gemmlowp::RoundingDivideByPOT(x, e));
    }
    for (int i = 0; i < 5000; ++i) {
      const int32_t x = interestingInt32(rng);
      INFO("x = " << x << ", exponent = " << e);
      REQUIRE(roundingDivideByPOT(x, e) == gemmlowp::RoundingDivideByPOT(x, e));
    }
  }
  // Ties go away from zero.
  CHECK(roundingDivideByPOT(3, 1) == 2);
  CHECK(roundingDivideByPOT(-3, 1) == -2);
  CHECK(roundingDivideByPOT(-5, 2) == -1);
  // Beyond gemmlowp's range the same rule holds.
  CHECK(roundingDivideByPOT(kMin32, 32) == -1);
  CHECK(roundingDivideByPOT(kMax32, 32) == 0);
  CHECK(roundingDivideByPOT(kMin32, 40) == 0);
}

TEST_CASE("TFLITE rounding equals gemmlowp's multiply-by-quantized-multiplier",
          "[quant][gemmlowp]") {
  std::mt19937_64 rng(13);
  for (int shift = -31; shift <= 31; ++shift)
    for (int i = 0; i < 4000; ++i) {
      const int32_t x = interestingInt32(rng), q = interestingMultiplier(rng);
      INFO("x = " << x << ", q = " << q << ", shift = " << shift);
      REQUIRE(fixedPointMultiply(x, q, shift, Rounding::TFLite) == gemmlowpMultiply(x, q, shift));
      REQUIRE(fixedPointMultiplyInt32(x, q, shift, Rounding::TFLite) ==
              gemmlowpMultiply(x, q, shift));
    }
  // Inputs beyond int32 saturate before the multiply.
  CHECK(fixedPointMultiply(int64_t(1) << 40, 1 << 30, 0, Rounding::TFLite) ==
        gemmlowpMultiply(kMax32, 1 << 30, 0));
  // SQRDMULH rounds ties toward +infinity (-1.5 -> -1), RoundingDivideByPOT away from zero.
  CHECK(fixedPointMultiply(-3, 1 << 30, 0, Rounding::TFLite) == -1);
  CHECK(saturatingRoundingDoublingHighMul(-3, 1 << 30) == -1);
  CHECK(saturatingRoundingDoublingHighMul(3, 1 << 30) == 2);
  CHECK(fixedPointMultiply(-3, 1 << 30, -1, Rounding::TFLite) == -1); // -1.5 then /2 -> -0.75
  CHECK(fixedPointMultiply(-6, 1 << 30, -1, Rounding::TFLite) == -2); // -3 then /2: -1.5 -> -2
}

TEST_CASE("TVM check vectors and round-half behaviour", "[quant]") {
  const FixedPoint m075 = fixedPointMultiplier(0.75), m05 = fixedPointMultiplier(0.5);
  for (Rounding r : {Rounding::Upward, Rounding::ToNearest, Rounding::TFLite}) {
    CHECK(fixedPointMultiply(3, m075.multiplier, m075.shift, r) == 2);
    CHECK(fixedPointMultiply(-3, m075.multiplier, m075.shift, r) == -2);
  }
  CHECK(fixedPointMultiply(-3, m05.multiplier, m05.shift, Rounding::Upward) == -1);
  CHECK(fixedPointMultiply(-3, m05.multiplier, m05.shift, Rounding::ToNearest) == -2);
  CHECK(fixedPointMultiply(3, m05.multiplier, m05.shift, Rounding::Upward) == 2);
  CHECK(fixedPointMultiply(3, m05.multiplier, m05.shift, Rounding::ToNearest) == 2);
  CHECK(fixedPointMultiply(-3, m05.multiplier, m05.shift, Rounding::TFLite) == -1);
  CHECK(fixedPointMultiply(-5, m05.multiplier, m05.shift, Rounding::TFLite) == -2);
  // Exact halves at other scales: x * 2^-k with x odd.
  for (int k = 1; k <= 20; ++k) {
    const FixedPoint p = fixedPointMultiplier(std::ldexp(1.0, -k));
    const int64_t x = (int64_t(1) << k) + (int64_t(1) << (k - 1)); // 1.5 after scaling
    CHECK(fixedPointMultiply(x, p.multiplier, p.shift, Rounding::Upward) == 2);
    CHECK(fixedPointMultiply(-x, p.multiplier, p.shift, Rounding::Upward) == -1);
    CHECK(fixedPointMultiply(x, p.multiplier, p.shift, Rounding::ToNearest) == 2);
    CHECK(fixedPointMultiply(-x, p.multiplier, p.shift, Rounding::ToNearest) == -2);
    // TFLITE: for k == 1 the tie is met by SQRDMULH (toward +infinity); for k >= 2 SQRDMULH is
    // exact and the tie is met by RoundingDivideByPOT (away from zero).
    CHECK(fixedPointMultiply(-x, p.multiplier, p.shift, Rounding::TFLite) == (k == 1 ? -1 : -2));
    CHECK(fixedPointMultiply(x, p.multiplier, p.shift, Rounding::TFLite) == 2);
  }
  CHECK(parseRounding("UPWARD") == Rounding::Upward);
  CHECK(parseRounding("TONEAREST") == Rounding::ToNearest);
  CHECK(parseRounding("TFLITE") == Rounding::TFLite);
  CHECK_FALSE(parseRounding("upward"));
  CHECK(roundingName(Rounding::TFLite) == "TFLITE");
}

TEST_CASE("UPWARD and TONEAREST are exact roundings", "[quant]") {
  std::mt19937_64 rng(17);
  for (int shift = -40; shift <= 30; ++shift)
    for (int i = 0; i < 3000; ++i) {
      const int64_t t = static_cast<int64_t>(interestingInt32(rng));
      const int32_t q = interestingMultiplier(rng);
      INFO("t = " << t << ", q = " << q << ", shift = " << shift);
      REQUIRE(fixedPointMultiply(t, q, shift, Rounding::Upward) ==
              longDoubleRounding(t, q, shift, false));
      REQUIRE(fixedPointMultiply(t, q, shift, Rounding::ToNearest) ==
              longDoubleRounding(t, q, shift, true));
      if (shift <= 0 && shift >= -32) { // TVM's int64 formula cannot overflow here
        REQUIRE(fixedPointMultiply(t, q, shift, Rounding::Upward) == tvmLowering(t, q, shift, false));
        REQUIRE(fixedPointMultiply(t, q, shift, Rounding::ToNearest) ==
                tvmLowering(t, q, shift, true));
      }
    }
  // (x - zp) spanning 33 bits still cannot overflow TVM's int64 formula for shift <= 0.
  const int64_t big = int64_t(kMax32) - int64_t(kMin32);
  CHECK(fixedPointMultiply(big, kMax32, 0, Rounding::Upward) == tvmLowering(big, kMax32, 0, false));
  CHECK(fixedPointMultiply(-big, kMax32, -3, Rounding::ToNearest) ==
        tvmLowering(-big, kMax32, -3, true));
  // Saturation and underflow at extreme shifts.
  CHECK(fixedPointMultiply(1, 1 << 30, 100, Rounding::Upward) == std::numeric_limits<int64_t>::max());
  CHECK(fixedPointMultiply(-1, 1 << 30, 100, Rounding::ToNearest) ==
        std::numeric_limits<int64_t>::min());
  CHECK(fixedPointMultiply(kMax32, kMax32, -100, Rounding::Upward) == 0);
  CHECK(fixedPointMultiply(kMin32, kMax32, -100, Rounding::ToNearest) == 0);
  CHECK(fixedPointMultiply(5, 0, 7, Rounding::Upward) == 0);
  CHECK(fixedPointMultiply(7, 1 << 30, 1000000, Rounding::Upward) ==
        std::numeric_limits<int64_t>::max());
  CHECK(fixedPointMultiplyInt32(1 << 20, 1 << 30, 20, Rounding::Upward) == kMax32);
  CHECK(fixedPointMultiplyInt32(-(1 << 20), 1 << 30, 20, Rounding::ToNearest) == kMin32);
}

TEST_CASE("requantizeValue: zero points, clamping, equal scales", "[quant]") {
  const auto step = requantizeStep(0.5f, 0.25f); // m = 2
  REQUIRE(step);
  CHECK(*step == FixedPoint{1 << 30, 2});
  CHECK(requantizeValue(10, 3, step, 5, Rounding::Upward, DType::Int8) == 19);
  CHECK(requantizeValue(100, 0, step, 0, Rounding::Upward, DType::Int8) == 127);
  CHECK(requantizeValue(-100, 0, step, 0, Rounding::Upward, DType::Int8) == -128);
  CHECK(requantizeValue(-100, 0, step, 0, Rounding::Upward, DType::UInt8) == 0);
  CHECK(requantizeValue(200, 0, step, 0, Rounding::Upward, DType::Int16) == 400);
  // int32 output clamps to the int32 range.
  CHECK(requantizeValue(kMax32, -kMax32, step, 0, Rounding::Upward, DType::Int32) == kMax32);
  // Equal scales skip the multiply: only the zero points move (also for TFLITE, which would
  // otherwise saturate the doubled input).
  CHECK_FALSE(requantizeStep(0.5f, 0.5f));
  CHECK(requantizeValue(kMax32, 0, std::nullopt, 0, Rounding::TFLite, DType::Int32) == kMax32);
  CHECK(requantizeValue(7, 3, std::nullopt, -2, Rounding::Upward, DType::Int8) == 2);
  // int64 inputs: x - zp wraps in int64 and the product is exact.
  CHECK(requantizeValue(int64_t(1) << 40, 0, requantizeStep(1.0f, 1024.0f), 0, Rounding::Upward,
                        DType::Int32) == int64_t(1) << 30);
}

TEST_CASE("quantize rounds half away from zero and clamps", "[quant]") {
  // ONNX QuantizeLinear documentation example (uint8, scale 2, zero point 128).
  const float xs[] = {0, 2, 3, 1000, -254, -1000};
  const int64_t want[] = {128, 129, 130, 255, 1, 0};
  for (size_t i = 0; i < std::size(xs); ++i)
    CHECK(quantizeValue(xs[i], 2.0f, 128, DType::UInt8) == want[i]);
  CHECK(quantizeValue(0.5f, 1.0f, 0, DType::Int8) == 1);
  CHECK(quantizeValue(-0.5f, 1.0f, 0, DType::Int8) == -1);
  CHECK(quantizeValue(2.5f, 1.0f, 0, DType::Int8) == 3);
  CHECK(quantizeValue(-2.5f, 1.0f, 10, DType::Int8) == 7);
  CHECK(quantizeValue(1.0f, 0.5f, 0, DType::Int8) == 2);
  CHECK(quantizeValue(0.49999997f, 1.0f, 0, DType::Int8) == 0);
  CHECK(quantizeValue(1e30f, 0.1f, 0, DType::Int32) == kMax32);
  CHECK(quantizeValue(-1e30f, 0.1f, 0, DType::Int16) == -32768);
  CHECK(quantizeValue(std::numeric_limits<float>::infinity(), 1.0f, 0, DType::Int8) == 127);
  CHECK(quantizeValue(std::nanf(""), 1.0f, 3, DType::Int8) == 3);
  CHECK(quantizeValue(1.0f, 0.0f, 0, DType::UInt8) == 255);
  CHECK(quantizeValue(100.0f, 1.0f, 200, DType::UInt8) == 255);
}

TEST_CASE("dequantize is (q - zp) * scale in float32", "[quant]") {
  CHECK(dequantizeValue(130, 128, 2.0f) == 4.0f);
  CHECK(dequantizeValue(-128, 0, 0.5f) == -64.0f);
  CHECK(dequantizeValue(3, 1, 0.1f) == 2.0f * 0.1f);
  CHECK(dequantizeValue(kMax32, kMin32, 1.0f) == static_cast<float>(4294967295.0));
  CHECK(clampToDType(300, DType::UInt8) == 255);
  CHECK(clampToDType(-300, DType::Int8) == -128);
}
