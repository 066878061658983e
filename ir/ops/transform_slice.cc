// mtc — strided_slice: numpy-style slicing with clamped bounds (TVM's slice_mode "end").
//
// The Arm int8 convolution legalization pads output channels and slices them off again with this
// op; it is also common in imported models.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/ops/op_util.h"

namespace mtc::ir {
namespace {

/// Start index, step and length of the slice on one axis.
struct AxisSlice {
  int64_t start = 0, step = 1, len = 0;
};

// Python slicing rules: negative indices count from the end, then bounds clamp to the valid
// range for the step direction, so any begin/end is accepted.
AxisSlice sliceAxis(int64_t dim, int64_t begin, std::optional<int64_t> end, int64_t step) {
  AxisSlice s;
  s.step = step;
  auto clampIdx = [&](int64_t v, int64_t lo, int64_t hi) {
    if (v < 0) v += dim;
    return std::min(std::max(v, lo), hi);
  };
  if (step > 0) {
    const int64_t b = clampIdx(begin, 0, dim);
    const int64_t e = end ? clampIdx(*end, 0, dim) : dim;
    s.start = b;
    s.len = e > b ? (e - b + step - 1) / step : 0;
  } else {
    const int64_t b = clampIdx(begin, -1, dim - 1);
    const int64_t e = end ? clampIdx(*end, -1, dim - 1) : -1;
    s.start = b;
    s.len = b > e ? (b - e - step - 1) / -step : 0;
  }
  return s;
}

/// Per-axis slices of a StridedSliceAttrs for `shape`, or nullopt after reporting an error.
std::optional<std::vector<AxisSlice>> slices(TypeInferCtx *ctx, const StridedSliceAttrs &a,
                                             const Shape &shape) {
  auto fail = [&](std::string msg) {
    if (ctx) ctx->error(std::move(msg));
    return std::nullopt;
  };
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (a.slice_mode != "end")
    return fail("slice_mode '" + a.slice_mode + "' is not supported (only \"end\")");
  if (a.end.size() > a.begin.size() || a.strides.size() > a.begin.size())
    return fail("end " + intListStr(a.end) + " and strides " + intListStr(a.strides) +
                " may not be longer than begin " + intListStr(a.begin));
  if (!a.axes.empty() && a.axes.size() != a.begin.size())
    return fail("axes " + intListStr(a.axes) + " must have one entry per begin entry " +
                intListStr(a.begin));
  if (a.axes.empty() && static_cast<int64_t>(a.begin.size()) > rank)
    return fail("begin " + intListStr(a.begin) + " has more entries than the rank " +
                std::to_string(rank) + " of 'data'");
  std::vector<AxisSlice> out(rank);
  std::vector<bool> seen(rank, false);
  for (int64_t d = 0; d < rank; ++d) out[d] = sliceAxis(shape[d], 0, std::nullopt, 1);
  for (size_t i = 0; i < a.begin.size(); ++i) {
    int64_t ax = static_cast<int64_t>(i);
    if (!a.axes.empty()) {
      std::optional<int64_t> n = normalizeAxis(a.axes[i], rank);
      if (!n) return fail(axisRangeError(a.axes[i], rank));
      ax = *n;
    }
    if (seen[ax]) return fail("axis " + std::to_string(ax) + " is sliced twice");
    seen[ax] = true;
    const int64_t step = i < a.strides.size() ? a.strides[i] : 1;
    if (step == 0) return fail("strides " + intListStr(a.strides) + " contain a 0 step");
    std::optional<int64_t> end;
    if (i < a.end.size()) end = a.end[i];
    out[ax] = sliceAxis(shape[ax], a.begin[i], end, step);
  }
  return out;
}

Type inferStridedSlice(TypeInferCtx &ctx) {
  if (!ctx.expectTensor(0, "data")) return Type();
  const Type &t = ctx.arg(0);
  std::optional<std::vector<AxisSlice>> s = slices(&ctx, ctx.attrs<StridedSliceAttrs>(), t.shape());
  if (!s) return Type();
  Shape out;
  for (const AxisSlice &a : *s) out.push_back(a.len);
  return Type::tensor(out, t.dtype());
}

Value evalStridedSlice(const EvalCtx &ctx) {
  const Tensor &in = ctx.arg(0);
  const Shape &shape = ctx.outType.shape();
  Tensor out = Tensor::zeros(shape, in.dtype());
  std::vector<AxisSlice> s = *slices(nullptr, ctx.attrsAs<StridedSliceAttrs>(), in.shape());
  const std::vector<int64_t> own = rowMajorStrides(in.shape());
  // Output index i on axis d reads input index start + i*step: a strided view with an offset.
  std::vector<int64_t> st(own.size());
  int64_t base = 0;
  for (size_t d = 0; d < own.size(); ++d) {
    st[d] = own[d] * s[d].step;
    base += own[d] * s[d].start;
  }
  visitDType(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T *src = in.data<T>();
    T *dst = out.mutableDataAs<T>();
    forEachStrided<1>(shape, {&st}, [&](int64_t i, const std::array<int64_t, 1> &o) {
      dst[i] = src[base + o[0]];
    });
  });
  return out;
}

} // namespace

void registerSliceOps(OpRegistry &r) {
  r.add(makeOp<StridedSliceAttrs>("strided_slice", {"data"}, OpPattern::Injective,
                                  "numpy-style slice with begin, end, strides", &inferStridedSlice,
                                  &evalStridedSlice));
}

} // namespace mtc::ir
