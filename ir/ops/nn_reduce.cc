// mtc — reductions: sum, max, min, mean.
//
// The output dtype is the input dtype (TVM). Integer sums wrap at the dtype width; integer means
// divide the exact sum by the count with truncation toward zero; float32 sums and means
// accumulate in double and round once.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/ops/op_util.h"

namespace mtc::ir {
namespace {

enum class ReduceKind { Sum, Max, Min, Mean };

/// Which axes a ReduceAttrs reduces, or nullopt after reporting an error.
std::optional<std::vector<bool>> reducedAxes(TypeInferCtx &ctx, const ReduceAttrs &a,
                                             int64_t rank) {
  std::vector<bool> listed(rank, false);
  for (int64_t ax : a.axis) {
    std::optional<int64_t> n = normalizeAxis(ax, rank);
    if (!n) {
      ctx.error(axisRangeError(ax, rank));
      return std::nullopt;
    }
    if (listed[*n]) {
      ctx.error("axis " + std::to_string(ax) + " is listed twice in " + intListStr(a.axis));
      return std::nullopt;
    }
    listed[*n] = true;
  }
  if (a.axis.empty()) return std::vector<bool>(rank, true);
  if (a.exclude) listed.flip();
  return listed;
}

Type inferReduce(TypeInferCtx &ctx, ReduceKind kind) {
  if (!expectNumeric(ctx, 0, "data")) return Type();
  const Type &t = ctx.arg(0);
  const auto &a = ctx.attrs<ReduceAttrs>();
  std::optional<std::vector<bool>> red = reducedAxes(ctx, a, t.rank());
  if (!red) return Type();
  Shape out;
  int64_t count = 1, outCount = 1;
  for (int64_t d = 0; d < t.rank(); ++d) {
    if ((*red)[d]) {
      count *= t.shape()[d];
      if (a.keepdims) out.push_back(1);
    } else {
      outCount *= t.shape()[d];
      out.push_back(t.shape()[d]);
    }
  }
  if (kind != ReduceKind::Sum && count == 0 && outCount != 0)
    return ctx.error("cannot reduce over zero elements (shape " + shapeStr(t.shape()) + ")");
  return Type::tensor(out, t.dtype());
}

template <ReduceKind Kind> Value evalReduce(const EvalCtx &ctx) {
  const Tensor &in = ctx.arg(0);
  const Shape &inShape = in.shape();
  Tensor out = Tensor::zeros(ctx.outType.shape(), ctx.outType.dtype());
  const int64_t outN = out.numElements();
  if (outN == 0) return out;

  // Map every input index to its output element: keep-dims shape with stride 0 on reduced axes.
  const int64_t rank = in.rank();
  Shape kept = inShape;
  int64_t count = 1;
  {
    const auto &a = ctx.attrsAs<ReduceAttrs>();
    std::vector<bool> listed(rank, a.axis.empty());
    for (int64_t ax : a.axis) listed[*normalizeAxis(ax, rank)] = true;
    if (!a.axis.empty() && a.exclude) listed.flip();
    for (int64_t d = 0; d < rank; ++d)
      if (listed[d]) {
        count *= kept[d];
        kept[d] = 1;
      }
  }
  const std::vector<int64_t> toOut = broadcastStrides(kept, inShape);

  visitDType(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    constexpr bool isFloat = std::is_floating_point_v<T>;
    const T *src = in.data<T>();
    T *dst = out.mutableDataAs<T>();
    if constexpr (Kind == ReduceKind::Max || Kind == ReduceKind::Min) {
      using L = std::numeric_limits<T>;
      T init = Kind == ReduceKind::Max ? L::lowest() : L::max();
      if constexpr (isFloat) init = Kind == ReduceKind::Max ? -L::infinity() : L::infinity();
      std::vector<T> acc(outN, init);
      forEachStrided<1>(inShape, {&toOut}, [&](int64_t i, const std::array<int64_t, 1> &o) {
        T &r = acc[o[0]];
        T x = src[i];
        // NaN is sticky: once the accumulator is NaN it stays; a NaN input replaces it.
        bool keep = Kind == ReduceKind::Max ? r >= x : r <= x;
        if constexpr (isFloat) keep = keep || std::isnan(r);
        if (!keep) r = x;
      });
      std::copy(acc.begin(), acc.end(), dst);
    } else if constexpr (isFloat) {
      std::vector<double> acc(outN, 0.0);
      forEachStrided<1>(inShape, {&toOut}, [&](int64_t i, const std::array<int64_t, 1> &o) {
        acc[o[0]] += static_cast<double>(src[i]);
      });
      for (int64_t j = 0; j < outN; ++j)
        dst[j] =
            static_cast<T>(Kind == ReduceKind::Mean ? acc[j] / static_cast<double>(count) : acc[j]);
    } else if constexpr (Kind == ReduceKind::Sum) {
      std::vector<uint64_t> acc(outN, 0); // modular: the low bits are the wrapped sum
      forEachStrided<1>(inShape, {&toOut}, [&](int64_t i, const std::array<int64_t, 1> &o) {
        acc[o[0]] += static_cast<uint64_t>(src[i]);
      });
      for (int64_t j = 0; j < outN; ++j) dst[j] = static_cast<T>(acc[j]);
    } else {
      std::vector<__int128> acc(outN, 0); // exact even for 2^36 int64 elements
      forEachStrided<1>(inShape, {&toOut}, [&](int64_t i, const std::array<int64_t, 1> &o) {
        acc[o[0]] += static_cast<__int128>(src[i]);
      });
      for (int64_t j = 0; j < outN; ++j) dst[j] = static_cast<T>(acc[j] / count);
    }
  });
  return out;
}

template <ReduceKind Kind> void addReduce(OpRegistry &r, const char *name, const char *doc) {
  r.add(makeOp<ReduceAttrs>(
      name, {"data"}, OpPattern::CommReduce, doc,
      [](TypeInferCtx &ctx) { return inferReduce(ctx, Kind); }, &evalReduce<Kind>));
}

} // namespace

void registerReduceOps(OpRegistry &r) {
  addReduce<ReduceKind::Sum>(r, "sum", "sum over axes; integers wrap in the input dtype");
  addReduce<ReduceKind::Max>(r, "max", "maximum over axes");
  addReduce<ReduceKind::Min>(r, "min", "minimum over axes");
  addReduce<ReduceKind::Mean>(r, "mean", "mean over axes; integers truncate toward zero");
}

} // namespace mtc::ir
