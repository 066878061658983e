// mtc — elementwise unary ops: negative, nn.relu, clip, cast, copy.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/ops/op_util.h"

#include <algorithm>

namespace mtc::ir {
namespace {

Type inferNumericUnary(TypeInferCtx &ctx) {
  if (!expectNumeric(ctx, 0, "data")) return Type();
  return ctx.arg(0);
}

/// Applies `f` to every element of argument 0 into a tensor of the same shape and dtype.
template <class F> Value mapSameType(const EvalCtx &ctx, F &&f) {
  const Tensor &in = ctx.arg(0);
  Tensor out = Tensor::zeros(in.shape(), in.dtype());
  const int64_t n = in.numElements();
  visitDType(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T *src = in.data<T>();
    T *dst = out.mutableDataAs<T>();
    for (int64_t i = 0; i < n; ++i) dst[i] = f(src[i]);
  });
  return out;
}

Value evalNegative(const EvalCtx &ctx) {
  return mapSameType(ctx, [](auto x) { return wrapSub(decltype(x){0}, x); });
}

Value evalRelu(const EvalCtx &ctx) {
  // `x < 0` is false for NaN, so NaN passes through.
  return mapSameType(ctx, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_unsigned_v<T>)
      return x;
    else
      return x < 0 ? T{0} : x;
  });
}

Type inferClip(TypeInferCtx &ctx) {
  if (!expectNumeric(ctx, 0, "data")) return Type();
  const auto &a = ctx.attrs<ClipAttrs>();
  if (std::isnan(a.a_min) || std::isnan(a.a_max))
    return ctx.error("a_min and a_max must not be NaN");
  if (a.a_min > a.a_max)
    return ctx.error("a_min " + AttrValue::ofFloat(a.a_min).str() + " is greater than a_max " +
                     AttrValue::ofFloat(a.a_max).str());
  return ctx.arg(0);
}

/// Clamps a double to an integer dtype's range and converts it (the value is already integral).
int64_t saturateToDType(double v, DType dt) {
  const double lo = static_cast<double>(dtypeMin(dt)), hi = static_cast<double>(dtypeMax(dt));
  if (v <= lo) return dtypeMin(dt);
  if (v >= hi) return dtypeMax(dt);
  return static_cast<int64_t>(v);
}

Value evalClip(const EvalCtx &ctx) {
  const auto &a = ctx.attrsAs<ClipAttrs>();
  const DType dt = ctx.arg(0).dtype();
  if (dt == DType::Float32) {
    const float lo = static_cast<float>(a.a_min), hi = static_cast<float>(a.a_max);
    return mapSameType(ctx, [&](auto x) {
      using T = decltype(x);
      return static_cast<T>(std::max<float>(std::min<float>(x, hi), lo));
    });
  }
  // Integers: the integers in [a_min, a_max] are exactly [ceil(a_min), floor(a_max)]; both
  // bounds saturate to the dtype so the clamp result is always representable.
  const int64_t lo = saturateToDType(std::ceil(a.a_min), dt);
  const int64_t hi = saturateToDType(std::floor(a.a_max), dt);
  return mapSameType(ctx, [&](auto x) {
    using T = decltype(x);
    int64_t v = static_cast<int64_t>(x);
    return static_cast<T>(std::max(std::min(v, hi), lo));
  });
}

Type inferCast(TypeInferCtx &ctx) {
  if (!ctx.expectTensor(0, "data")) return Type();
  const std::string &name = ctx.attrs<CastAttrs>().dtype;
  if (name.empty()) return ctx.error("attribute 'dtype' is missing (empty)");
  std::optional<DType> dt = parseDType(name);
  if (!dt) return ctx.error("attribute 'dtype' has unknown dtype '" + name + "'");
  return Type::tensor(ctx.arg(0).shape(), *dt);
}

Value evalCast(const EvalCtx &ctx) { return castTensor(ctx.arg(0), ctx.outType.dtype()); }

Type inferCopy(TypeInferCtx &ctx) {
  if (!ctx.expectTensor(0, "data")) return Type();
  return ctx.arg(0);
}

// Tensors are immutable and shared, so the identity can return the input buffer itself.
Value evalCopy(const EvalCtx &ctx) { return ctx.arg(0); }

} // namespace

void registerElemwiseUnaryOps(OpRegistry &r) {
  r.add(makeOp("negative", {"data"}, OpPattern::ElemWise, "-data; integers wrap",
               &inferNumericUnary, &evalNegative));
  r.add(makeOp("nn.relu", {"data"}, OpPattern::ElemWise, "max(data, 0)", &inferNumericUnary,
               &evalRelu));
  r.add(makeOp<ClipAttrs>("clip", {"data"}, OpPattern::ElemWise, "clamp data to [a_min, a_max]",
                          &inferClip, &evalClip));
  r.add(makeOp<CastAttrs>("cast", {"data"}, OpPattern::ElemWise, "convert data to dtype",
                          &inferCast, &evalCast));
  r.add(makeOp("copy", {"data"}, OpPattern::ElemWise, "identity", &inferCopy, &evalCopy));
}

} // namespace mtc::ir
