// mtc — QnnCanonicalize, part 2: qnn.requantize as integer ops, bit-exact with ir/quant.h.
//
// The evaluator computes, per element of channel c, t = x − zp_in[c] (int64), v = the fixed-point
// step of t (or t itself when the scales are equal) and clamp(v + zp_out, out range). The
// lowering is
//
//   t32 = x − zp_in                              (int32, or int64 clamped to int32)
//   y   = fixed_point_multiply[_per_axis](t32)   (= sat32(v))
//   y   = clip(y, lo − zp_out, hi − zp_out)
//   out = cast(y + zp_out, out_dtype)
//
// and is used only when it provably equals the evaluator for every input value: the bounds
// below are checked at compile time with the evaluator's own functions (every step is monotone
// in t, so checking the ends of the range of t suffices). Otherwise the int64 form of
// qnn_requantize_wide.cc is used. docs/passes_qnn.md has the argument.
// SPDX-License-Identifier: Apache-2.0
#include "passes/qnn_lower.h"

#include <algorithm>
#include <limits>

namespace mtc::passes::qnn {
namespace {

using namespace mtc::ir;

constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

// The step m = 1 as a fixed point: t · 2^30 · 2^(1−31) = t, exact in the single-rounding modes.
constexpr FixedPoint kIdentityStep{1 << 30, 1};

int64_t stepValue(int64_t t, const std::optional<FixedPoint> &s, Rounding r) {
  return s ? fixedPointMultiply(t, s->multiplier, s->shift, r) : t;
}

struct Plan {
  bool saturateT = false; ///< form t in int64 and clamp it to int32
  bool needClip = false;
  int64_t clipLo = 0, clipHi = 0;
  int64_t outMin = kI64Max, outMax = kI64Min;
};

// Checks every channel; nullopt if the lowering is not exact for some input value.
std::optional<Plan> makePlan(DType in, const RequantizeSpec &s, size_t channels, bool uniform) {
  Plan p;
  const int64_t lo = dtypeMin(s.out), hi = dtypeMax(s.out);
  const __int128 lRel = static_cast<__int128>(lo) - s.zpOut;
  const __int128 hRel = static_cast<__int128>(hi) - s.zpOut;
  p.clipLo = static_cast<int64_t>(std::max<__int128>(lRel, kI32Min));
  p.clipHi = static_cast<int64_t>(std::min<__int128>(hRel, kI32Max));
  if (p.clipLo > p.clipHi) return std::nullopt;
  for (size_t c = 0; c < channels; ++c) {
    const auto &step = s.steps.size() == 1 ? s.steps[0] : s.steps[c];
    const int64_t zpIn = s.zpIn.size() == 1 ? s.zpIn[0] : s.zpIn[c];
    // The evaluator forms x − zp_in in int64 with wrap-around: any t for int64 inputs.
    const int64_t tMin = in == DType::Int64 ? kI64Min : dtypeMin(in) - zpIn;
    const int64_t tMax = in == DType::Int64 ? kI64Max : dtypeMax(in) - zpIn;
    const int64_t sMin = std::max(tMin, kI32Min), sMax = std::min(tMax, kI32Max);
    auto f = [&](int64_t t) { return requantizeValue(t, 0, step, s.zpOut, s.rounding, s.out); };
    if (tMin < kI32Min || tMax > kI32Max) {
      p.saturateT = true;
      // TFLite's step saturates t to int32 itself; otherwise clamping t must not change the
      // (monotone) result, i.e. it is already at its extreme at the int32 ends.
      if (!(step && s.rounding == Rounding::TFLite) && (f(sMin) != f(tMin) || f(sMax) != f(tMax)))
        return std::nullopt;
    }
    // Channels without a step go through the identity fixed point when others have one; under
    // TFLite that is exact only while 2t does not saturate.
    if (!uniform && !step && s.rounding == Rounding::TFLite && (sMin < -(int64_t(1) << 30) ||
                                                   sMax >= (int64_t(1) << 30)))
      return std::nullopt;
    const int64_t a = stepValue(sMin, step, s.rounding), b = stepValue(sMax, step, s.rounding);
    const int64_t vMin = std::min(a, b), vMax = std::max(a, b);
    // fixed_point_multiply saturates v to int32: harmless at an end whose clip bound lies inside
    // int32, or which v cannot pass.
    if ((lRel < kI32Min && vMin < kI32Min) || (hRel > kI32Max && vMax > kI32Max))
      return std::nullopt;
    if (vMin < p.clipLo || vMax > p.clipHi) p.needClip = true;
    p.outMin = std::min({p.outMin, f(tMin), f(tMax)});
    p.outMax = std::max({p.outMax, f(tMin), f(tMax)});
  }
  return p;
}

// A per-channel vector shaped to broadcast along `axis` of a rank-`rank` tensor.
Expr channelVector(TypedBuilder &b, const std::vector<int64_t> &v, DType dt, int64_t axis,
                   int64_t rank) {
  Shape s{static_cast<int64_t>(v.size())};
  for (int64_t d = axis + 1; d < rank; ++d) s.push_back(1);
  return b.reshape(b.vector(v, dt), s);
}

} // namespace

std::optional<LoweredRequantize> buildRequantize(TypedBuilder &b, Expr x,
                                                 const RequantizeSpec &spec) {
  const DType in = x->type.dtype();
  const int64_t rank = x->type.rank();
  const int64_t axis = rank == 0 ? 0 : (spec.axis < 0 ? spec.axis + rank : spec.axis);
  const size_t channels = std::max(spec.steps.size(), spec.zpIn.size());
  if (!isInteger(in) || !isInteger(spec.out) || spec.steps.empty() || spec.zpIn.empty())
    return std::nullopt;
  const auto &st = spec.steps;
  const bool uniform = std::all_of(st.begin(), st.end(), [&](const auto &s) { return s == st[0]; });
  auto p = makePlan(in, spec, channels, uniform);
  if (!p) return buildRequantizeWide(b, x, spec);

  const bool zpVector = spec.zpIn.size() > 1;
  const bool zpZero = std::all_of(spec.zpIn.begin(), spec.zpIn.end(), [](int64_t z) { return !z; });
  auto zeroPoint = [&](DType dt) {
    return zpVector ? channelVector(b, spec.zpIn, dt, axis, rank) : b.scalar(spec.zpIn[0], dt);
  };
  Expr t;
  if (p->saturateT) {
    t = b.cast(x, DType::Int64);
    if (!zpZero) t = b.subtract(t, zeroPoint(DType::Int64));
    t = b.cast(b.clip(t, kI32Min, kI32Max), DType::Int32);
  } else {
    t = b.cast(x, DType::Int32);
    if (!zpZero) t = b.subtract(t, zeroPoint(DType::Int32));
  }

  const std::string rounding(roundingName(spec.rounding));
  Expr y = t;
  if (uniform && !st[0]) {
    // Equal scales: no fixed-point step at all (the evaluator skips it too).
  } else if (uniform) {
    y = b.call<FixedPointMultiplyAttrs>("fixed_point_multiply", {t}, [&](auto &a) {
      a.multiplier = st[0]->multiplier;
      a.shift = st[0]->shift;
      a.rounding = rounding;
    });
  } else {
    std::vector<int64_t> qs, es;
    for (const auto &s : st) {
      const FixedPoint f = s ? *s : kIdentityStep;
      qs.push_back(f.multiplier);
      es.push_back(f.shift);
    }
    y = b.call<FixedPointMultiplyPerAxisAttrs>(
        "fixed_point_multiply_per_axis", {t, b.vector(qs), b.vector(es)}, [&](auto &a) {
          a.axis = axis;
          a.rounding = rounding;
        });
  }
  if (p->needClip) y = b.clip(y, p->clipLo, p->clipHi);
  if (spec.zpOut != 0) y = b.add(y, b.scalar(spec.zpOut, DType::Int32));
  return LoweredRequantize{b.cast(y, spec.out), p->outMin, p->outMax};
}

Expr lowerQnnRequantize(TypedBuilder &b, const CallNode *call) {
  const auto &a = call->attrsAs<RequantizeAttrs>();
  auto sIn = constFloats(call->args[1]);
  auto zIn = constInts(call->args[2]);
  auto sOut = constFloats(call->args[3]);
  auto zOut = constInt(call->args[4]);
  auto r = parseRounding(a.rounding);
  auto out = parseDType(a.out_dtype);
  if (!sIn || !zIn || !sOut || !zOut || sOut->size() != 1 || !r || !out) return call;
  RequantizeSpec spec;
  for (double s : *sIn)
    spec.steps.push_back(requantizeStep(static_cast<float>(s), static_cast<float>((*sOut)[0])));
  spec.zpIn = *zIn;
  spec.zpOut = *zOut;
  spec.axis = a.axis;
  spec.rounding = *r;
  spec.out = *out;
  auto l = buildRequantize(b, call->args[0], spec);
  return l ? l->expr : call;
}

} // namespace mtc::passes::qnn
