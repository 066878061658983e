// mtc — 2-D pooling: nn.avg_pool2d, nn.max_pool2d, nn.global_avg_pool2d, nn.global_max_pool2d.
//
// Output sizes and divisors follow TVM's topi pooling: with ceil_mode the bottom/right edge gets
// stride-1 extra rows of padding, and count_include_pad counts window cells only up to the
// user's padded edge. Integer averages are the exact sum divided with truncation toward zero.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/ops/op_util.h"

namespace mtc::ir {
namespace {

/// Window geometry of one pooling call, after validation.
struct PoolGeom {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;
  bool ceilMode = false, includePad = false, nhwc = false;
};

/// Reads a 1- or 2-entry list of positive values into (h, w); reports an error otherwise.
bool readPair(TypeInferCtx &ctx, const char *name, const std::vector<int64_t> &v, int64_t &h,
              int64_t &w) {
  if (v.size() != 1 && v.size() != 2) {
    ctx.error(std::string(name) + " must have 1 or 2 entries, got " + intListStr(v));
    return false;
  }
  h = v[0];
  w = v.back();
  if (h <= 0 || w <= 0 || h > kMaxElements || w > kMaxElements) {
    ctx.error(std::string(name) + " " + intListStr(v) + " must be positive");
    return false;
  }
  return true;
}

bool checkLayout(TypeInferCtx &ctx, const std::string &layout) {
  if (layout == "NCHW" || layout == "NHWC") return true;
  ctx.error("layout '" + layout + "' is not supported (NCHW or NHWC)");
  return false;
}

bool checkData(TypeInferCtx &ctx, const std::string &layout) {
  if (!expectNumeric(ctx, 0, "data")) return false;
  if (ctx.arg(0).rank() != 4) {
    ctx.error("argument 'data' must have rank 4 (" + layout + "), got " +
              shapeStr(ctx.arg(0).shape()));
    return false;
  }
  return checkLayout(ctx, layout);
}

int64_t outDim(int64_t in, int64_t padA, int64_t padB, int64_t k, int64_t s, int64_t d,
               bool ceilMode) {
  const int64_t span = in + padA + padB - ((k - 1) * d + 1);
  return (span + (ceilMode ? s - 1 : 0)) / s + 1;
}

std::optional<PoolGeom> poolGeom(TypeInferCtx &ctx, const Pool2DAttrs &a) {
  PoolGeom g;
  if (!readPair(ctx, "pool_size", a.pool_size, g.kh, g.kw) ||
      !readPair(ctx, "strides", a.strides, g.sh, g.sw) ||
      !readPair(ctx, "dilation", a.dilation, g.dh, g.dw))
    return std::nullopt;
  std::array<int64_t, 4> p = pad4(a.padding);
  if (p[0] < 0 || p[1] < 0 || p[2] < 0 || p[3] < 0 || p[0] > kMaxElements || p[1] > kMaxElements ||
      p[2] > kMaxElements || p[3] > kMaxElements) {
    ctx.error("padding " + intListStr(a.padding) +
              " must have 1, 2 or 4 non-negative entries [top, left, bottom, right]");
    return std::nullopt;
  }
  g.padTop = p[0], g.padLeft = p[1], g.padBottom = p[2], g.padRight = p[3];
  g.ceilMode = a.ceil_mode;
  g.includePad = a.count_include_pad;
  g.nhwc = a.layout == "NHWC";
  return g;
}

Type inferPool(TypeInferCtx &ctx) {
  const auto &a = ctx.attrs<Pool2DAttrs>();
  if (!checkData(ctx, a.layout)) return Type();
  std::optional<PoolGeom> g = poolGeom(ctx, a);
  if (!g) return Type();
  Shape s = ctx.arg(0).shape();
  const int hAx = g->nhwc ? 1 : 2, wAx = g->nhwc ? 2 : 3;
  const int64_t dkh = (g->kh - 1) * g->dh + 1, dkw = (g->kw - 1) * g->dw + 1;
  const int64_t ph = s[hAx] + g->padTop + g->padBottom, pw = s[wAx] + g->padLeft + g->padRight;
  if (ph < dkh || pw < dkw)
    return ctx.error("pooling window " + std::to_string(dkh) + "x" + std::to_string(dkw) +
                     " (with dilation) is larger than the padded input " + std::to_string(ph) +
                     "x" + std::to_string(pw));
  s[hAx] = outDim(s[hAx], g->padTop, g->padBottom, g->kh, g->sh, g->dh, g->ceilMode);
  s[wAx] = outDim(s[wAx], g->padLeft, g->padRight, g->kw, g->sw, g->dw, g->ceilMode);
  if (!checkShapeSize(ctx, s)) return Type();
  return Type::tensor(s, ctx.arg(0).dtype());
}

/// Number of window taps i in [0, k) with start + i*d <= last (taps before index 0 included).
int64_t tapsUpTo(int64_t start, int64_t k, int64_t d, int64_t last) {
  if (start > last) return 0;
  return std::min(k, (last - start) / d + 1);
}

template <bool IsMax> Value runPool(const Tensor &in, const Type &outType, const PoolGeom &g) {
  Tensor out = Tensor::zeros(outType.shape(), outType.dtype());
  const Shape &is = in.shape(), &os = outType.shape();
  // Dims in N, C, H, W order for either layout, and the element strides of each.
  const int hAx = g.nhwc ? 1 : 2, wAx = g.nhwc ? 2 : 3, cAx = g.nhwc ? 3 : 1;
  const int64_t batch = is[0], chans = is[cAx], ih = is[hAx], iw = is[wAx];
  const int64_t oh = os[hAx], ow = os[wAx];
  const std::vector<int64_t> ist = rowMajorStrides(is), ost = rowMajorStrides(os);
  visitDType(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    constexpr bool isFloat = std::is_floating_point_v<T>;
    using Acc = std::conditional_t<isFloat, double, __int128>;
    const T *src = in.data<T>();
    T *dst = out.mutableDataAs<T>();
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t c = 0; c < chans; ++c)
        for (int64_t y = 0; y < oh; ++y)
          for (int64_t x = 0; x < ow; ++x) {
            const int64_t y0 = y * g.sh - g.padTop, x0 = x * g.sw - g.padLeft;
            const T *base = src + n * ist[0] + c * ist[cAx];
            T best = std::numeric_limits<T>::lowest(); // max pool's pad value
            Acc sum = 0;
            int64_t inside = 0;
            for (int64_t i = 0; i < g.kh; ++i) {
              const int64_t yy = y0 + i * g.dh;
              if (yy < 0 || yy >= ih) continue;
              for (int64_t j = 0; j < g.kw; ++j) {
                const int64_t xx = x0 + j * g.dw;
                if (xx < 0 || xx >= iw) continue;
                const T v = base[yy * ist[hAx] + xx * ist[wAx]];
                if constexpr (IsMax) {
                  bool keep = best >= v;
                  if constexpr (isFloat) keep = keep || std::isnan(best);
                  if (!keep) best = v;
                } else {
                  sum += static_cast<Acc>(v);
                  ++inside;
                }
              }
            }
            T result;
            if constexpr (IsMax) {
              result = best;
            } else {
              int64_t count = inside;
              if (g.includePad)
                count = tapsUpTo(y0, g.kh, g.dh, ih + g.padBottom - 1) *
                        tapsUpTo(x0, g.kw, g.dw, iw + g.padRight - 1);
              // A window entirely outside the data sums to 0; divide by 1 rather than 0.
              count = std::max<int64_t>(count, 1);
              result = static_cast<T>(sum / static_cast<Acc>(count));
            }
            dst[n * ost[0] + c * ost[cAx] + y * ost[hAx] + x * ost[wAx]] = result;
          }
  });
  return out;
}

template <bool IsMax> Value evalPool(const EvalCtx &ctx) {
  const auto &a = ctx.attrsAs<Pool2DAttrs>();
  PoolGeom g;
  g.kh = a.pool_size[0], g.kw = a.pool_size.back();
  g.sh = a.strides[0], g.sw = a.strides.back();
  g.dh = a.dilation[0], g.dw = a.dilation.back();
  std::array<int64_t, 4> p = pad4(a.padding);
  g.padTop = p[0], g.padLeft = p[1], g.padBottom = p[2], g.padRight = p[3];
  g.ceilMode = a.ceil_mode;
  g.includePad = a.count_include_pad;
  g.nhwc = a.layout == "NHWC";
  return runPool<IsMax>(ctx.arg(0), ctx.outType, g);
}

Type inferGlobalPool(TypeInferCtx &ctx) {
  const std::string &layout = ctx.attrs<GlobalPool2DAttrs>().layout;
  if (!checkData(ctx, layout)) return Type();
  Shape s = ctx.arg(0).shape();
  const int hAx = layout == "NHWC" ? 1 : 2, wAx = hAx + 1;
  if (s[hAx] == 0 || s[wAx] == 0)
    return ctx.error("argument 'data' " + shapeStr(s) + " has an empty spatial dim");
  s[hAx] = s[wAx] = 1;
  return Type::tensor(s, ctx.arg(0).dtype());
}

// A global pool is the window pool whose window is the whole plane.
template <bool IsMax> Value evalGlobalPool(const EvalCtx &ctx) {
  const Tensor &in = ctx.arg(0);
  PoolGeom g;
  g.nhwc = ctx.attrsAs<GlobalPool2DAttrs>().layout == "NHWC";
  g.kh = in.shape()[g.nhwc ? 1 : 2];
  g.kw = in.shape()[g.nhwc ? 2 : 3];
  return runPool<IsMax>(in, ctx.outType, g);
}

} // namespace

void registerPoolOps(OpRegistry &r) {
  r.add(makeOp<Pool2DAttrs>("nn.avg_pool2d", {"data"}, OpPattern::OutEWiseFusable,
                            "window average; integers truncate toward zero", &inferPool,
                            &evalPool<false>));
  r.add(makeOp<Pool2DAttrs>("nn.max_pool2d", {"data"}, OpPattern::OutEWiseFusable, "window maximum",
                            &inferPool, &evalPool<true>));
  r.add(makeOp<GlobalPool2DAttrs>("nn.global_avg_pool2d", {"data"}, OpPattern::OutEWiseFusable,
                                  "average over H and W", &inferGlobalPool,
                                  &evalGlobalPool<false>));
  r.add(makeOp<GlobalPool2DAttrs>("nn.global_max_pool2d", {"data"}, OpPattern::OutEWiseFusable,
                                  "maximum over H and W", &inferGlobalPool, &evalGlobalPool<true>));
}

} // namespace mtc::ir
