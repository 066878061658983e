// mtc — fixed_point_multiply and fixed_point_multiply_per_axis: the integer step that
// QnnCanonicalize lowers qnn.requantize to (per tensor and per channel).
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/ops/qnn_util.h"

#include <limits>

namespace mtc::ir {

namespace {

constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();

Type inferFixedPointMultiply(TypeInferCtx &ctx) {
  const auto &a = ctx.attrs<FixedPointMultiplyAttrs>();
  if (!ctx.expectDType(0, "x", {DType::Int32})) return Type();
  if (a.multiplier < kI32Min || a.multiplier > kI32Max)
    return ctx.error("multiplier = " + std::to_string(a.multiplier) + " does not fit int32");
  if (a.shift < kI32Min || a.shift > kI32Max)
    return ctx.error("shift = " + std::to_string(a.shift) + " does not fit int32");
  if (!roundingAttr(ctx, a.rounding)) return Type();
  return ctx.arg(0);
}

Value evalFixedPointMultiply(const EvalCtx &c) {
  const auto &a = c.attrsAs<FixedPointMultiplyAttrs>();
  const Rounding r = *parseRounding(a.rounding);
  const Tensor &x = c.arg(0);
  Tensor out = Tensor::zeros(x.shape(), DType::Int32);
  const int32_t *src = x.data<int32_t>();
  int32_t *dst = out.mutableDataAs<int32_t>();
  for (int64_t i = 0; i < x.numElements(); ++i)
    dst[i] = fixedPointMultiplyInt32(src[i], static_cast<int32_t>(a.multiplier),
                                     static_cast<int>(a.shift), r);
  return out;
}

Type inferFixedPointMultiplyPerAxis(TypeInferCtx &ctx) {
  const auto &a = ctx.attrs<FixedPointMultiplyPerAxisAttrs>();
  if (!ctx.expectDType(0, "x", {DType::Int32})) return Type();
  if (!roundingAttr(ctx, a.rounding)) return Type();
  const Shape &s = ctx.arg(0).shape();
  if (s.empty()) return ctx.error("argument 'x' must have rank >= 1, got a scalar");
  auto axis = channelAxis(ctx, a.axis, static_cast<int64_t>(s.size()));
  if (!axis) return Type();
  const int64_t channels = s[static_cast<size_t>(*axis)];
  for (size_t i : {size_t(1), size_t(2)}) {
    const char *name = i == 1 ? "multipliers" : "shifts";
    if (!ctx.expectDType(i, name, {DType::Int32})) return Type();
    const Type &t = ctx.arg(i);
    if (t.rank() != 1 || t.shape()[0] != channels)
      return ctx.error("argument '" + std::string(name) + "' must be a vector of length " +
                       std::to_string(channels) + " (x.shape[" + std::to_string(*axis) +
                       "]), got " + t.str());
  }
  return ctx.arg(0);
}

Value evalFixedPointMultiplyPerAxis(const EvalCtx &c) {
  const auto &a = c.attrsAs<FixedPointMultiplyPerAxisAttrs>();
  const Rounding r = *parseRounding(a.rounding);
  const Tensor &x = c.arg(0);
  const ChannelIndexer channel(x.shape(), a.axis < 0 ? a.axis + x.rank() : a.axis);
  const int32_t *q = c.arg(1).data<int32_t>();
  const int32_t *shift = c.arg(2).data<int32_t>();
  Tensor out = Tensor::zeros(x.shape(), DType::Int32);
  const int32_t *src = x.data<int32_t>();
  int32_t *dst = out.mutableDataAs<int32_t>();
  for (int64_t i = 0; i < x.numElements(); ++i) {
    const int64_t ch = channel(i);
    dst[i] = fixedPointMultiplyInt32(src[i], q[ch], shift[ch], r);
  }
  return out;
}

template <class T> std::unique_ptr<Attrs> makeAttrs() { return std::make_unique<T>(); }

} // namespace

void registerFixedPointOps(OpRegistry &r) {
  r.add(OpDef{.name = "fixed_point_multiply",
              .argNames = {"x"},
              .makeAttrs = makeAttrs<FixedPointMultiplyAttrs>,
              .inferType = inferFixedPointMultiply,
              .eval = evalFixedPointMultiply,
              .pattern = OpPattern::ElemWise,
              .doc = "round(x * multiplier * 2^(shift - 31)), saturated to int32"});
  r.add(OpDef{.name = "fixed_point_multiply_per_axis",
              .argNames = {"x", "multipliers", "shifts"},
              .makeAttrs = makeAttrs<FixedPointMultiplyPerAxisAttrs>,
              .inferType = inferFixedPointMultiplyPerAxis,
              .eval = evalFixedPointMultiplyPerAxis,
              .pattern = OpPattern::Broadcast,
              .doc = "per-channel fixed_point_multiply along axis"});
}

} // namespace mtc::ir
