// mtc — quantization arithmetic shared by the reference evaluator, the QNN passes and the code
// generator: fixed-point multipliers, the three requantize rounding modes, quantize/dequantize.
//
// Every function here is pure and exact; docs/ops.md states the same rules in prose. Anything
// that lowers requantize or fixed_point_multiply must produce exactly these results.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/dtype.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace mtc::ir {

/// Rounding of the fixed-point step of qnn.requantize / fixed_point_multiply.
enum class Rounding : uint8_t {
  Upward,    ///< "UPWARD": one rounding, ties toward +infinity (-1.5 -> -1)
  ToNearest, ///< "TONEAREST": one rounding, ties away from zero (-1.5 -> -2)
  TFLite,    ///< "TFLITE": gemmlowp double rounding (SRDHM then RoundingDivideByPOT)
};

/// Parses "UPWARD", "TONEAREST" or "TFLITE"; nullopt for anything else.
std::optional<Rounding> parseRounding(std::string_view s);
/// The attribute spelling of `r`.
std::string_view roundingName(Rounding r);

/// A Q31 multiplier and a power-of-two exponent: m ≈ multiplier * 2^(shift - 31).
struct FixedPoint {
  int32_t multiplier = 0;
  int shift = 0;
  bool operator==(const FixedPoint &) const = default;
};

/// TVM's GetFixedPointMultiplierShift: (sig, e) = frexp(m), q = llround(sig * 2^31); if |q| ==
/// 2^31 then q /= 2, e += 1. m == 0 or NaN gives {0, 0}; ±infinity gives {±2^30, 1025}, which
/// saturates every non-zero input. Negative m gives a negative multiplier.
FixedPoint fixedPointMultiplier(double m);

/// The real multiplier of a requantize: double(float inScale) / double(float outScale).
double requantizeScale(float inputScale, float outputScale);

/// gemmlowp's SaturatingRoundingDoublingHighMul (= AArch64 SQRDMULH): a * b / 2^31 rounded to
/// nearest with ties toward +infinity (floor(v + 1/2): -1.5 -> -1), and INT32_MIN * INT32_MIN
/// saturating to INT32_MAX.
int32_t saturatingRoundingDoublingHighMul(int32_t a, int32_t b);

/// gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.
/// gemmlowp allows exponent in [0, 31]; larger exponents follow the same rule (the result is 0,
/// or -1 for x == INT32_MIN and exponent 32). MTC_CHECKs exponent >= 0.
int32_t roundingDivideByPOT(int32_t x, int exponent);

/// The fixed-point step on an exact integer t: the value t * q * 2^(shift - 31), rounded by `r`
/// and saturated to int64. Shifts outside [-200, 200] behave like the nearest end (the
/// result is already 0 or saturated there).
///  - Upward: floor(v + 1/2). ToNearest: round half away from zero. Both are computed exactly
///    (128-bit); they equal TVM's int64 lowering `((t << max(shift,0)) * q + nudge) >> rs`
///    whenever that does not overflow, and always equal the overflow-free int64 recipe
///    `p = t * q; rounding-shift p right by 31 - shift` for |t| < 2^32 and shift <= 31.
///  - TFLite: t' = sat32(t); t'' = sat32(t' * 2^max(shift, 0));
///    RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(t'', q), max(-shift, 0)).
int64_t fixedPointMultiply(int64_t t, int32_t q, int shift, Rounding r);

/// The fixed-point step of a requantize from `inScale` to `outScale`: nullopt when the two
/// float32 scales are equal (the step is skipped, as TVM does), else
/// fixedPointMultiplier(requantizeScale(inScale, outScale)).
std::optional<FixedPoint> requantizeStep(float inScale, float outScale);

/// One element of qnn.requantize: clamp(fixedPointMultiply(x - zpIn, fp) + zpOut, out range),
/// or clamp(x - zpIn + zpOut) when `fp` is nullopt. x - zpIn is computed in int64 with
/// two's-complement wrap (exact for inputs up to int32); the additions are exact.
int64_t requantizeValue(int64_t x, int64_t zpIn, std::optional<FixedPoint> fp, int64_t zpOut,
                        Rounding r, DType outDType);

/// fixed_point_multiply on one int32 element: fixedPointMultiply saturated to int32.
int32_t fixedPointMultiplyInt32(int32_t x, int32_t q, int shift, Rounding r);

/// One element of qnn.quantize: clamp(round_half_away(x / scale) + zp, out range), the division
/// in float32. NaN gives zp (clamped); ±infinity gives the range end.
int64_t quantizeValue(float x, float scale, int64_t zp, DType outDType);

/// One element of qnn.dequantize: float(q - zp) * scale, in float32 (q - zp exact in int64).
float dequantizeValue(int64_t q, int64_t zp, float scale);

/// Clamps v to the range of integer dtype `t`.
int64_t clampToDType(int64_t v, DType t);

} // namespace mtc::ir
