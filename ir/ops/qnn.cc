// mtc — quantized ops: qnn.conv2d, qnn.dense, qnn.requantize, qnn.quantize, qnn.dequantize.
// The binary/concatenate ops are in qnn_binary.cc, the fixed-point multiplies in
// qnn_fixed_point.cc; the arithmetic itself is in ir/quant.h.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/conv.h"
#include "ir/ops/qnn_util.h"

#include "ir/check.h"

namespace mtc::ir {

namespace {

constexpr auto kQnnInputTypes = {DType::Int8, DType::UInt8, DType::Int16};

// ---- qnn.conv2d ------------------------------------------------------------------------------

Type inferQnnConv2D(TypeInferCtx &ctx) {
  const auto &a = ctx.attrs<Conv2DAttrs>();
  if (a.pad_value != 0)
    return ctx.error("pad_value is only supported by nn.contrib_conv2d_gemm_without_weight_transform "
                     "(qnn.conv2d pads with input_zero_point)");
  if (!ctx.expectDType(0, "data", kQnnInputTypes) || !ctx.expectDType(1, "weight", kQnnInputTypes))
    return Type();
  auto out = outDTypeAttr(ctx, a.out_dtype, DType::Int32, {DType::Int16, DType::Int32, DType::Int64});
  if (!out) return Type();
  auto g = conv2dGeometry(ctx, a, ctx.arg(0).shape(), ctx.arg(1).shape());
  if (!g) return Type();
  if (!ctx.expectScalarOrVector(2, "input_zero_point", DType::Int32) ||
      !ctx.expectScalarOrVector(3, "kernel_zero_point", DType::Int32, g->outC) ||
      !ctx.expectScalarOrVector(4, "input_scale", DType::Float32) ||
      !ctx.expectScalarOrVector(5, "kernel_scale", DType::Float32, g->outC))
    return Type();
  return Type::tensor(g->outShape(), *out);
}

Value evalQnnConv2D(const EvalCtx &c) {
  const auto &a = c.attrsAs<Conv2DAttrs>();
  Conv2DGeometry g = conv2dGeometryOf("qnn.conv2d", a, c.arg(0).shape(), c.arg(1).shape());
  return conv2dInteger(g, c.arg(0), c.arg(1), intValues(c.arg(2))[0], intValues(c.arg(3)),
                       c.outType.dtype());
}

// ---- qnn.dense -------------------------------------------------------------------------------

Type inferQnnDense(TypeInferCtx &ctx) {
  const auto &a = ctx.attrs<DenseAttrs>();
  if (!ctx.expectDType(0, "data", kQnnInputTypes) || !ctx.expectDType(1, "weight", kQnnInputTypes))
    return Type();
  auto out = outDTypeAttr(ctx, a.out_dtype, DType::Int32, {DType::Int16, DType::Int32, DType::Int64});
  if (!out) return Type();
  const Shape &d = ctx.arg(0).shape(), &w = ctx.arg(1).shape();
  if (d.empty()) return ctx.error("argument 'data' must have rank >= 1, got a scalar");
  if (w.size() != 2)
    return ctx.error("argument 'weight' must be 2-D (units, input features), got shape " +
                     shapeStr(w));
  if (w[1] != d.back())
    return ctx.error("weight has " + std::to_string(w[1]) + " input features but data has " +
                     std::to_string(d.back()));
  if (a.units < 0 || (a.units > 0 && a.units != w[0]))
    return ctx.error("units = " + std::to_string(a.units) + " but the weight has " +
                     std::to_string(w[0]) + " rows");
  if (!ctx.expectScalarOrVector(2, "input_zero_point", DType::Int32) ||
      !ctx.expectScalarOrVector(3, "kernel_zero_point", DType::Int32, w[0]) ||
      !ctx.expectScalarOrVector(4, "input_scale", DType::Float32) ||
      !ctx.expectScalarOrVector(5, "kernel_scale", DType::Float32, w[0]))
    return Type();
  Shape os = d;
  os.back() = w[0];
  if (checkedNumElements(os, int64_t(1) << 36) < 0)
    return ctx.error("output shape " + shapeStr(os) + " is too large");
  return Type::tensor(os, *out);
}

Value evalQnnDense(const EvalCtx &c) {
  const Tensor &x = c.arg(0), &w = c.arg(1);
  const int64_t k = w.shape()[1], units = w.shape()[0];
  const int64_t rows = k == 0 ? 0 : x.numElements() / k;
  const int64_t zpA = intValues(c.arg(2))[0];
  const std::vector<int64_t> zpW = intValues(c.arg(3));
  // uint64 arithmetic: wraps instead of overflowing; the low bits are the exact sum's.
  std::vector<uint64_t> xs(static_cast<size_t>(x.numElements())), ws(static_cast<size_t>(w.numElements()));
  for (size_t i = 0; i < xs.size(); ++i)
    xs[i] = static_cast<uint64_t>(x.intAt(static_cast<int64_t>(i))) - static_cast<uint64_t>(zpA);
  for (int64_t n = 0; n < units; ++n)
    for (int64_t j = 0; j < k; ++j)
      ws[static_cast<size_t>(n * k + j)] = static_cast<uint64_t>(w.intAt(n * k + j)) -
                                           static_cast<uint64_t>(paramAt(zpW, n));
  Tensor out = Tensor::zeros(c.outType.shape(), c.outType.dtype());
  for (int64_t m = 0; m < rows; ++m)
    for (int64_t n = 0; n < units; ++n) {
      uint64_t acc = 0;
      for (int64_t j = 0; j < k; ++j) acc += xs[static_cast<size_t>(m * k + j)] * ws[static_cast<size_t>(n * k + j)];
      out.setInt(m * units + n, static_cast<int64_t>(acc));
    }
  return out;
}

// ---- qnn.requantize --------------------------------------------------------------------------

Type inferRequantize(TypeInferCtx &ctx) {
  const auto &a = ctx.attrs<RequantizeAttrs>();
  if (!ctx.expectDType(0, "data",
                       {DType::Int8, DType::UInt8, DType::Int16, DType::Int32, DType::Int64}))
    return Type();
  auto out = outDTypeAttr(ctx, a.out_dtype, DType::Int8,
                          {DType::Int8, DType::UInt8, DType::Int16, DType::Int32});
  if (!out || !roundingAttr(ctx, a.rounding)) return Type();
  const Shape &s = ctx.arg(0).shape();
  int64_t channels = 0; // 0: per-tensor parameters only
  if (!s.empty()) {
    auto axis = channelAxis(ctx, a.axis, static_cast<int64_t>(s.size()));
    if (!axis) return Type();
    channels = s[static_cast<size_t>(*axis)];
  }
  if (!ctx.expectScalarOrVector(1, "input_scale", DType::Float32, channels) ||
      !ctx.expectScalarOrVector(2, "input_zero_point", DType::Int32, channels) ||
      !ctx.expectScalarOrVector(3, "output_scale", DType::Float32) ||
      !ctx.expectScalarOrVector(4, "output_zero_point", DType::Int32))
    return Type();
  return Type::tensor(s, *out);
}

Value evalRequantize(const EvalCtx &c) {
  const auto &a = c.attrsAs<RequantizeAttrs>();
  const Tensor &x = c.arg(0);
  const Rounding r = *parseRounding(a.rounding);
  const int64_t rank = x.rank();
  ChannelIndexer channel = rank ? ChannelIndexer(x.shape(), a.axis < 0 ? a.axis + rank : a.axis)
                                : ChannelIndexer();
  const auto steps = requantizeSteps(floatValues(c.arg(1)), floatValues(c.arg(3))[0]);
  const std::vector<int64_t> zpIn = intValues(c.arg(2));
  const int64_t zpOut = intValues(c.arg(4))[0];
  const DType od = c.outType.dtype();
  Tensor out = Tensor::zeros(x.shape(), od);
  for (int64_t i = 0; i < x.numElements(); ++i) {
    const int64_t ch = channel(i);
    out.setInt(i, requantizeValue(x.intAt(i), paramAt(zpIn, ch), paramAt(steps, ch), zpOut, r, od));
  }
  return out;
}

// ---- qnn.quantize / qnn.dequantize -----------------------------------------------------------

// Checks `scaleArg`/`zeroArg` as scalars or vectors along `axisAttr` of argument 0.
bool checkScaleZero(TypeInferCtx &ctx, int64_t axisAttr, size_t scaleArg, const char *scaleName,
                    size_t zeroArg, const char *zeroName) {
  const Shape &s = ctx.arg(0).shape();
  int64_t channels = 0;
  if (!s.empty()) {
    auto axis = channelAxis(ctx, axisAttr, static_cast<int64_t>(s.size()));
    if (!axis) return false;
    channels = s[static_cast<size_t>(*axis)];
  }
  return ctx.expectScalarOrVector(scaleArg, scaleName, DType::Float32, channels) &&
         ctx.expectScalarOrVector(zeroArg, zeroName, DType::Int32, channels);
}

Type inferQuantize(TypeInferCtx &ctx) {
  const auto &a = ctx.attrs<QuantizeAttrs>();
  if (!ctx.expectDType(0, "data", {DType::Float32})) return Type();
  auto out = outDTypeAttr(ctx, a.out_dtype, DType::Int8,
                          {DType::Int8, DType::UInt8, DType::Int16, DType::Int32});
  if (!out || !checkScaleZero(ctx, a.axis, 1, "output_scale", 2, "output_zero_point"))
    return Type();
  return Type::tensor(ctx.arg(0).shape(), *out);
}

Value evalQuantize(const EvalCtx &c) {
  const auto &a = c.attrsAs<QuantizeAttrs>();
  const Tensor &x = c.arg(0);
  const int64_t rank = x.rank();
  ChannelIndexer channel = rank ? ChannelIndexer(x.shape(), a.axis < 0 ? a.axis + rank : a.axis)
                                : ChannelIndexer();
  const std::vector<float> scale = floatValues(c.arg(1));
  const std::vector<int64_t> zp = intValues(c.arg(2));
  const DType od = c.outType.dtype();
  Tensor out = Tensor::zeros(x.shape(), od);
  const float *p = x.data<float>();
  for (int64_t i = 0; i < x.numElements(); ++i) {
    const int64_t ch = channel(i);
    out.setInt(i, quantizeValue(p[i], paramAt(scale, ch), paramAt(zp, ch), od));
  }
  return out;
}

Type inferDequantize(TypeInferCtx &ctx) {
  const auto &a = ctx.attrs<DequantizeAttrs>();
  if (!ctx.expectDType(0, "data", {DType::Int8, DType::UInt8, DType::Int16, DType::Int32}))
    return Type();
  if (!checkScaleZero(ctx, a.axis, 1, "input_scale", 2, "input_zero_point")) return Type();
  return Type::tensor(ctx.arg(0).shape(), DType::Float32);
}

Value evalDequantize(const EvalCtx &c) {
  const auto &a = c.attrsAs<DequantizeAttrs>();
  const Tensor &x = c.arg(0);
  const int64_t rank = x.rank();
  ChannelIndexer channel = rank ? ChannelIndexer(x.shape(), a.axis < 0 ? a.axis + rank : a.axis)
                                : ChannelIndexer();
  const std::vector<float> scale = floatValues(c.arg(1));
  const std::vector<int64_t> zp = intValues(c.arg(2));
  Tensor out = Tensor::zeros(x.shape(), DType::Float32);
  float *p = out.mutableDataAs<float>();
  for (int64_t i = 0; i < x.numElements(); ++i) {
    const int64_t ch = channel(i);
    p[i] = dequantizeValue(x.intAt(i), paramAt(zp, ch), paramAt(scale, ch));
  }
  return out;
}

template <class T> std::unique_ptr<Attrs> makeAttrs() { return std::make_unique<T>(); }

} // namespace

void registerQnnOps(OpRegistry &r) {
  r.add(OpDef{.name = "qnn.conv2d",
              .argNames = {"data", "weight", "input_zero_point", "kernel_zero_point",
                           "input_scale", "kernel_scale"},
              .makeAttrs = makeAttrs<Conv2DAttrs>,
              .inferType = inferQnnConv2D,
              .eval = evalQnnConv2D,
              .pattern = OpPattern::Opaque,
              .doc = "quantized conv2d: exact sum of (x - zp_a)(w - zp_w)"});
  r.add(OpDef{.name = "qnn.dense",
              .argNames = {"data", "weight", "input_zero_point", "kernel_zero_point",
                           "input_scale", "kernel_scale"},
              .makeAttrs = makeAttrs<DenseAttrs>,
              .inferType = inferQnnDense,
              .eval = evalQnnDense,
              .pattern = OpPattern::Opaque,
              .doc = "quantized dense: exact sum of (x - zp_a)(w - zp_w)"});
  r.add(OpDef{.name = "qnn.requantize",
              .argNames = {"data", "input_scale", "input_zero_point", "output_scale",
                           "output_zero_point"},
              .makeAttrs = makeAttrs<RequantizeAttrs>,
              .inferType = inferRequantize,
              .eval = evalRequantize,
              .pattern = OpPattern::Opaque,
              .doc = "rescales quantized values with a fixed-point multiplier"});
  r.add(OpDef{.name = "qnn.quantize",
              .argNames = {"data", "output_scale", "output_zero_point"},
              .makeAttrs = makeAttrs<QuantizeAttrs>,
              .inferType = inferQuantize,
              .eval = evalQuantize,
              .pattern = OpPattern::Opaque,
              .doc = "float32 -> integer: clamp(round(x / scale) + zp)"});
  r.add(OpDef{.name = "qnn.dequantize",
              .argNames = {"data", "input_scale", "input_zero_point"},
              .makeAttrs = makeAttrs<DequantizeAttrs>,
              .inferType = inferDequantize,
              .eval = evalDequantize,
              .pattern = OpPattern::Opaque,
              .doc = "integer -> float32: (q - zp) * scale"});
  registerQnnBinaryOps(r);
  registerFixedPointOps(r);
}

} // namespace mtc::ir
