// mtc — QnnCanonicalize, part 2b: the exact int64 lowering of qnn.requantize, used when the
// int32 form (qnn_canonicalize_requantize.cc) cannot be proved exact — an int32 output with a
// non-zero output zero point whose fixed-point result can leave int32, an int32 input with an
// input zero point, int64 inputs.
//
// t = x − zp_in is formed in int64 (wrapping like the evaluator), then clamped to [tLo, tHi]:
// beyond those values the (monotone) final result no longer changes, which bounds every later
// product. The fixed-point step is then written out with int64 multiplies and shifts:
//
//   UPWARD     v = (p + 2^(n−1)) >> n            p = t·q·2^a,  a = max(k, 0), n = max(−k, 0),
//   TONEAREST  v = (p + 2^(n−1) − [p < 0]) >> n                   k = shift − 31
//   (evaluated as (p >> n) + ((p mod 2^n + rounding term) >> n), which cannot overflow)
//   TFLITE     t2 = sat32(sat32(t)·2^min(l, 31)),  s = (t2·q + 2^30) >> 31,  l = max(shift, 0)
//              v = (s >> r) + [s − ((s >> r) << r) > ((2^r − 1) >> 1) + [s < 0]],  r = max(−shift, 0)
//
// (gemmlowp's SaturatingRoundingDoublingHighMul truncates (ab + nudge) / 2^31 toward zero; for
// ab < 0 that equals (ab + 2^30) >> 31, the same expression as for ab >= 0.) Every bound is
// checked at compile time; the result is clamp(v + zp_out, out range).
// SPDX-License-Identifier: Apache-2.0
#include "passes/qnn_lower.h"

#include <algorithm>
#include <limits>

namespace mtc::passes::qnn {
namespace {

using namespace mtc::ir;
using I128 = __int128;

constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();

// Largest t in [lo, hi] with f(t) == f(lo), for f monotone on [lo, hi].
template <class F> int64_t lastEqual(int64_t lo, int64_t hi, F &&f) {
  const int64_t target = f(lo);
  while (lo < hi) {
    const int64_t mid = static_cast<int64_t>(lo + (static_cast<I128>(hi) - lo + 1) / 2);
    if (f(mid) == target) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// Smallest t in [lo, hi] with f(t) == f(hi).
template <class F> int64_t firstEqual(int64_t lo, int64_t hi, F &&f) {
  const int64_t target = f(hi);
  while (lo < hi) {
    const int64_t mid = static_cast<int64_t>(lo + (static_cast<I128>(hi) - lo) / 2);
    if (f(mid) == target) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

struct Channel {
  int64_t tLo = 0, tHi = 0; ///< clamp range of t
  int64_t q = 0, shift = 0; ///< the step (identity: q = 0 with `identity`)
  bool identity = false;
  bool zero = false; ///< the step rounds every reachable t to 0
};

I128 absMax(int64_t a, int64_t b) {
  return std::max(a < 0 ? -static_cast<I128>(a) : static_cast<I128>(a),
                  b < 0 ? -static_cast<I128>(b) : static_cast<I128>(b));
}

} // namespace

std::optional<LoweredRequantize> buildRequantizeWide(TypedBuilder &b, Expr x,
                                                     const RequantizeSpec &spec) {
  const DType in = x->type.dtype();
  const int64_t rank = x->type.rank();
  const int64_t axis = rank == 0 ? 0 : (spec.axis < 0 ? spec.axis + rank : spec.axis);
  const size_t channels = std::max(spec.steps.size(), spec.zpIn.size());
  const Rounding r = spec.rounding;
  std::vector<Channel> ch(channels);
  int64_t outMin = kI64Max, outMax = kI64Min;
  bool directOk = true, splitOk = true;
  for (size_t c = 0; c < channels; ++c) {
    const auto &step = spec.steps.size() == 1 ? spec.steps[0] : spec.steps[c];
    const int64_t zpIn = spec.zpIn.size() == 1 ? spec.zpIn[0] : spec.zpIn[c];
    const int64_t tMin = in == DType::Int64 ? kI64Min : dtypeMin(in) - zpIn;
    const int64_t tMax = in == DType::Int64 ? kI64Max : dtypeMax(in) - zpIn;
    auto f = [&](int64_t t) { return requantizeValue(t, 0, step, spec.zpOut, r, spec.out); };
    Channel &k = ch[c];
    k.tLo = lastEqual(tMin, tMax, f);
    k.tHi = std::max(k.tLo, firstEqual(tMin, tMax, f));
    k.identity = !step;
    if (step) {
      k.q = step->multiplier;
      k.shift = step->shift;
    }
    outMin = std::min({outMin, f(tMin), f(tMax)});
    outMax = std::max({outMax, f(tMin), f(tMax)});
    // Single rounding: decide which int64 spelling of the step is exact for this channel.
    // TFLite saturates t to int32 before multiplying, so its products always fit.
    if (!k.identity && r != Rounding::TFLite) {
      const I128 tAbs = absMax(k.tLo, k.tHi);
      const I128 qAbs = k.q < 0 ? -static_cast<I128>(k.q) : k.q;
      const int64_t n = std::max<int64_t>(31 - k.shift, 0), a = std::max<int64_t>(k.shift - 31, 0);
      const I128 pMax = tAbs * qAbs; // < 2^94
      if (n >= 63 && (n > 125 || pMax < (I128(1) << (n - 1)))) {
        k.zero = true; // |t·q·2^-n| < 1/2: both roundings give 0
      } else {
        directOk = directOk && n <= 62 && a <= 20 && pMax * (I128(1) << a) < (I128(1) << 63);
        // Split forms (t = th·2^31 + tl): n in [31, 93] always fits (|th·q| < 2^63 and the
        // rest is shifted before it is added); n <= 30 needs th·q·2^(31−n+a) small.
        const I128 thq = absMax(k.tLo >> 31, k.tHi >> 31) * qAbs;
        if (n >= 31) splitOk = splitOk && n <= 93;
        else splitOk = splitOk && a <= 20 && thq * (I128(1) << (31 - n + a)) < (I128(1) << 61) &&
                       (I128(1) << 62) * (I128(1) << a) < (I128(1) << 83);
      }
    }
  }
  if (r != Rounding::TFLite && !directOk && !splitOk) return std::nullopt;

  const bool zpVector = spec.zpIn.size() > 1;
  const bool zpZero = std::all_of(spec.zpIn.begin(), spec.zpIn.end(), [](int64_t z) { return !z; });
  // A per-channel constant along `axis` (or a scalar when every channel has the same value).
  auto perChannel = [&](auto value) -> Expr {
    std::vector<int64_t> v;
    for (size_t c = 0; c < channels; ++c) v.push_back(value(ch[c]));
    if (std::all_of(v.begin(), v.end(), [&](int64_t e) { return e == v[0]; }))
      return b.scalar(v[0], DType::Int64);
    Shape s{static_cast<int64_t>(v.size())};
    for (int64_t d = axis + 1; d < rank; ++d) s.push_back(1);
    return b.reshape(b.vector(v, DType::Int64), s);
  };
  const Expr zero = b.scalar(0, DType::Int64);
  auto flag = [&](Expr cond) { return b.cast(cond, DType::Int64); };
  // add / multiply by a per-channel constant, skipping the identities (0, 1) so the dumps stay
  // readable; `c` is what perChannel returned.
  auto addC = [&](Expr e, Expr c) {
    auto v = constInt(c);
    return v && *v == 0 ? e : b.add(e, c);
  };
  auto mulC = [&](Expr e, Expr c) {
    auto v = constInt(c);
    return v && *v == 1 ? e : b.multiply(e, c);
  };

  Expr t = b.cast(x, DType::Int64);
  if (!zpZero) {
    if (zpVector) {
      Shape zs{static_cast<int64_t>(spec.zpIn.size())};
      for (int64_t d = axis + 1; d < rank; ++d) zs.push_back(1);
      t = b.subtract(t, b.reshape(b.vector(spec.zpIn, DType::Int64), zs));
    } else {
      t = b.subtract(t, b.scalar(spec.zpIn[0], DType::Int64));
    }
  }
  t = b.call("maximum", {t, perChannel([](const Channel &k) { return k.tLo; })});
  t = b.call("minimum", {t, perChannel([](const Channel &k) { return k.tHi; })});

  const bool allIdentity =
      std::all_of(ch.begin(), ch.end(), [](const Channel &k) { return k.identity; });
  Expr v = t;
  if (!allIdentity && r != Rounding::TFLite) {
    auto nOf = [](const Channel &k) { return std::max<int64_t>(31 - k.shift, 0); };
    auto qOf = [](const Channel &k) { return k.identity || k.zero ? 0 : k.q; };
    if (directOk) {
      // p = t·q·2^a fits int64. floor((p + R) / 2^n) = (p >> n) + ((p mod 2^n + R) >> n): no
      // intermediate exceeds 2^63 even when p is close to it.
      auto nCap = [&](const Channel &k) { return std::min<int64_t>(nOf(k), 62); };
      Expr p = mulC(t, perChannel(qOf));
      p = mulC(p, perChannel([](const Channel &k) {
        return int64_t(1) << std::max<int64_t>(k.shift - 31, 0);
      }));
      Expr sh = perChannel(nCap);
      Expr hi = b.call("right_shift", {p, sh});
      Expr lo = b.subtract(p, b.call("left_shift", {hi, sh}));
      Expr rnd = perChannel([&](const Channel &k) { return nCap(k) ? int64_t(1) << (nCap(k) - 1) : 0; });
      Expr sum = addC(lo, rnd);
      if (r == Rounding::ToNearest)
        sum = b.subtract(sum, mulC(flag(b.call("less", {p, zero})),
                                   perChannel([&](const Channel &k) {
                                     return int64_t(nCap(k) > 0);
                                   })));
      v = b.add(hi, b.call("right_shift", {sum, sh}));
    } else {
      // t·q may exceed int64 (int64 inputs). With t = th·2^31 + tl, tl in [0, 2^31), c the
      // TONEAREST correction and R = 2^(n−1):
      //   n >= 31: floor((t·q + R − c) / 2^n) = floor((th·q + B) / 2^s), s = n − 31,
      //            B = [n >= 32]·2^(n−32) + ((tl·q + [n == 31]·2^30 − c) >> 31),
      //            evaluated as (A >> s) + ((A mod 2^s + B) >> s) with A = th·q (|A| < 2^63);
      //   n <= 30: th·q·2^(31−n+a) + ((tl·q·2^a + R − c) >> n).
      // Channels of the two kinds are blended with a 0/1 mask.
      auto isHigh = [&](const Channel &k) { return nOf(k) >= 31; };
      const Expr c31 = b.scalar(31, DType::Int64);
      Expr qv = perChannel(qOf);
      Expr th = b.call("right_shift", {t, c31});
      Expr tl = b.subtract(t, b.call("left_shift", {th, c31}));
      Expr tlq = b.multiply(tl, qv);
      Expr corr = nullptr; // c = [t·q < 0], from the signs of t and of the (constant) q
      if (r == Rounding::ToNearest) {
        const bool anyPos = std::any_of(ch.begin(), ch.end(), [&](const Channel &k) { return qOf(k) > 0; });
        const bool anyNeg = std::any_of(ch.begin(), ch.end(), [&](const Channel &k) { return qOf(k) < 0; });
        if (anyPos)
          corr = mulC(flag(b.call("less", {t, zero})),
                      perChannel([&](const Channel &k) { return int64_t(qOf(k) > 0); }));
        if (anyNeg) {
          Expr m = mulC(flag(b.call("greater", {t, zero})),
                        perChannel([&](const Channel &k) { return int64_t(qOf(k) < 0); }));
          corr = corr ? b.add(corr, m) : m;
        }
      }
      const bool anyHigh = std::any_of(ch.begin(), ch.end(), [&](const Channel &k) {
        return !k.identity && isHigh(k);
      });
      const bool anyLow = std::any_of(ch.begin(), ch.end(), [&](const Channel &k) {
        return !k.identity && !isHigh(k);
      });
      Expr vHigh = nullptr, vLow = nullptr;
      if (anyHigh) {
        auto nH = [&](const Channel &k) { return std::clamp<int64_t>(nOf(k), 31, 93); };
        Expr low = addC(tlq, perChannel([&](const Channel &k) {
          return nH(k) == 31 ? int64_t(1) << 30 : 0;
        }));
        if (corr) low = b.subtract(low, corr);
        Expr bb = addC(b.call("right_shift", {low, c31}), perChannel([&](const Channel &k) {
          return nH(k) >= 32 ? int64_t(1) << (nH(k) - 32) : 0;
        }));
        Expr a = b.multiply(th, qv);
        Expr sh = perChannel([&](const Channel &k) { return nH(k) - 31; });
        Expr ahi = b.call("right_shift", {a, sh});
        Expr alo = b.subtract(a, b.call("left_shift", {ahi, sh}));
        vHigh = b.add(ahi, b.call("right_shift", {b.add(alo, bb), sh}));
      }
      if (anyLow) {
        auto nL = [&](const Channel &k) { return std::min<int64_t>(nOf(k), 30); };
        auto aOf = [](const Channel &k) { return std::max<int64_t>(k.shift - 31, 0); };
        Expr hiPart = mulC(b.multiply(th, qv), perChannel([&](const Channel &k) {
          return int64_t(1) << std::min<int64_t>(31 - nL(k) + aOf(k), 62);
        }));
        Expr low = mulC(tlq, perChannel([&](const Channel &k) { return int64_t(1) << aOf(k); }));
        low = addC(low, perChannel([&](const Channel &k) {
          return nL(k) ? int64_t(1) << (nL(k) - 1) : 0;
        }));
        if (corr)
          low = b.subtract(low, mulC(corr, perChannel([&](const Channel &k) {
                                       return int64_t(nL(k) > 0);
                                     })));
        vLow = b.add(hiPart, b.call("right_shift", {low, perChannel(nL)}));
      }
      if (vHigh && vLow) {
        Expr m = perChannel([&](const Channel &k) { return int64_t(isHigh(k)); });
        v = b.add(b.multiply(vHigh, m), b.multiply(vLow, b.subtract(b.scalar(1, DType::Int64), m)));
      } else {
        v = vHigh ? vHigh : vLow;
      }
    }
  } else if (!allIdentity) {
    auto rOf = [](const Channel &k) { return std::max<int64_t>(-k.shift, 0); };
    auto qOf = [&](const Channel &k) { return k.identity || rOf(k) > 62 ? 0 : k.q; };
    auto rCap = [&](const Channel &k) { return std::min<int64_t>(rOf(k), 62); };
    Expr t1 = b.clip(t, kI32Min, kI32Max);
    Expr t2 = b.multiply(t1, perChannel([](const Channel &k) {
      return int64_t(1) << std::min<int64_t>(std::max<int64_t>(k.shift, 0), 31);
    }));
    t2 = b.clip(t2, kI32Min, kI32Max);
    Expr ab = b.multiply(t2, perChannel(qOf));
    Expr s = b.call("right_shift", {b.add(ab, b.scalar(int64_t(1) << 30, DType::Int64)),
                                    b.scalar(31, DType::Int64)});
    Expr sh = perChannel(rCap);
    Expr q1 = b.call("right_shift", {s, sh});
    Expr rem = b.subtract(s, b.call("left_shift", {q1, sh}));
    Expr thr = b.add(perChannel([&](const Channel &k) { return ((int64_t(1) << rCap(k)) - 1) >> 1; }),
                     flag(b.call("less", {s, zero})));
    v = b.add(q1, flag(b.call("greater", {rem, thr})));
  }
  if (!allIdentity && std::any_of(ch.begin(), ch.end(), [](const Channel &k) { return k.identity; })) {
    // Channels whose scales are equal take t itself: v·(1 − m) + t·m with m = 1 there.
    Expr m = perChannel([](const Channel &k) { return int64_t(k.identity); });
    v = b.add(b.multiply(v, b.subtract(b.scalar(1, DType::Int64), m)), b.multiply(t, m));
  }
  if (spec.zpOut != 0) v = b.add(v, b.scalar(spec.zpOut, DType::Int64));
  v = b.clip(v, dtypeMin(spec.out), dtypeMax(spec.out));
  return LoweredRequantize{b.cast(v, spec.out), outMin, outMax};
}

} // namespace mtc::passes::qnn
