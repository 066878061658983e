// mtc — QnnCanonicalize: qnn.* ops become nn.* ops and integer elementwise ops. This file has
// the pass driver and the qnn.conv2d lowering (TVM's QnnConv2DCanonicalize, §3.2 of the
// research notes); requantize and the other qnn ops are in qnn_canonicalize_requantize.cc.
//
//   Σ (QA − zp_a)(QW − zp_w) = Σ QA·QW − zp_w·Σ QA − zp_a·Σ QW + zp_a·zp_w·K
//                               (T1)      (T2)        (T3)        (T4)
//
// Every term is a ring operation except T2's window average, so the whole expression is exact
// modulo 2^bits of the accumulator — the evaluator's definition (the exact sum wrapped to
// out_dtype) — provided T2's average divides exactly, which the pre-multiplication by KH·KW
// guarantees as long as the pooled values do not overflow; they are pooled in int64 when int32
// could overflow.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/conv.h"
#include "passes/passes.h"
#include "passes/qnn_lower.h"

#include <limits>

namespace mtc::passes {
namespace qnn {
namespace {

using namespace mtc::ir;

DType outDTypeOf(const std::string &s) {
  if (s.empty()) return DType::Int32;
  auto d = parseDType(s);
  return d ? *d : DType::Int32;
}

// Accumulator of the decomposition: the output dtype when it is 32 or 64 bits wide; narrower
// outputs are computed in int32 and wrapped by the final cast (wrapping commutes with + − ×).
DType accumulatorOf(DType out) { return out == DType::Int64 ? DType::Int64 : DType::Int32; }

bool anyPadding(const Conv2DAttrs &a) {
  for (int64_t p : pad4(a.padding))
    if (p != 0) return true;
  return false;
}

bool isDepthwise(const Conv2DGeometry &g) { return g.groups > 1 && g.groups == g.inC; }

Conv2DGeometry geometryOf(const CallNode *call) {
  return conv2dGeometryOf(call->op->name, call->attrsAs<Conv2DAttrs>(),
                          call->args[0]->type.shape(), call->args[1]->type.shape());
}

// zp_w broadcast against the kernel (for subtracting it from the weight).
Expr kernelZeroPoint(TypedBuilder &b, const CallNode *call, DType acc) {
  Expr zp = b.cast(call->args[3], acc);
  if (call->args[3]->type.isScalar()) return zp;
  const auto &a = call->attrsAs<Conv2DAttrs>();
  return b.reshape(zp, kernelChannelShape(a.kernel_layout, call->args[1]->type.shape()));
}

// zp_w broadcast against the output (one value per output channel).
Expr outputZeroPoint(TypedBuilder &b, const CallNode *call, const Conv2DGeometry &g, DType acc) {
  Expr zp = b.cast(call->args[3], acc);
  if (call->args[3]->type.isScalar()) return zp;
  return b.reshape(zp, outChannelShape(g.outNHWC, g.outC));
}

// TVM's Conv2DFallBack: (cast(QA) − zp_a) ⊛ (cast(QW) − zp_w) with the original padding, which
// now pads with 0 = a padded QA minus zp_a.
Expr lowerFallback(TypedBuilder &b, const CallNode *call, DType acc, DType out) {
  Expr d = b.cast(call->args[0], acc);
  if (!isConstZero(call->args[2])) d = b.subtract(d, b.cast(call->args[2], acc));
  Expr w = b.cast(call->args[1], acc);
  if (!isConstZero(call->args[3])) w = b.subtract(w, kernelZeroPoint(b, call, acc));
  auto attrs = std::make_shared<Conv2DAttrs>(call->attrsAs<Conv2DAttrs>());
  attrs->out_dtype = std::string(dtypeName(acc));
  return b.cast(b.call("nn.conv2d", {d, w}, attrs), out);
}

// T2 = zp_w · (sum of the padded data over each window and its input channels).
Expr secondTerm(TypedBuilder &b, const CallNode *call, Expr padded, const Conv2DGeometry &g,
                DType acc) {
  const auto &a = call->attrsAs<Conv2DAttrs>();
  const bool dw = isDepthwise(g);
  const int64_t window = g.kH * g.kW;
  // Largest |pooled value|: each element sums `channels` data values, then is multiplied by the
  // window size, and the pool adds `window` of them before dividing.
  const DType dt = call->args[0]->type.dtype();
  const int64_t maxAbs = std::max(std::abs(dtypeMin(dt)), std::abs(dtypeMax(dt)));
  const int64_t channels = dw ? 1 : g.inC;
  const double bound = static_cast<double>(maxAbs) * channels * window * window;
  const DType poolDT = bound <= std::numeric_limits<int32_t>::max() ? DType::Int32 : DType::Int64;

  Expr s = b.cast(padded, poolDT);
  if (!dw) s = b.sum(s, {channelAxis(a.data_layout)}, /*keepdims=*/true);
  const bool strided = a.strides[0] != 1 || a.strides[1] != 1;
  if (window != 1 || strided) {
    // Pre-multiplying by the window size makes the integer average the exact window sum. A 1x1
    // window still pools when strided: the output only samples every stride-th position
    // (TVM #6420; a reshape here would ignore the stride, §6 item 22).
    if (window != 1) s = b.multiply(s, b.scalar(window, poolDT));
    s = b.call<Pool2DAttrs>("nn.avg_pool2d", {s}, [&](Pool2DAttrs &p) {
      p.pool_size = {g.kH, g.kW};
      p.strides = a.strides;
      p.dilation = a.dilation;
      p.padding = {0, 0, 0, 0};
      p.layout = a.data_layout;
      p.count_include_pad = false;
    });
  }
  if (dw && g.outC != g.inC)
    s = b.call<RepeatAttrs>("repeat", {s}, [&](RepeatAttrs &r) {
      r.repeats = g.outC / g.inC;
      r.axis = channelAxis(a.data_layout);
    });
  s = b.cast(s, acc);
  if (auto z = constInt(call->args[3]); z && *z == 1) return s;
  return b.multiply(s, outputZeroPoint(b, call, g, acc));
}

// T3 = zp_a · (sum of each output channel's weights), shaped to broadcast over the output.
Expr thirdTerm(TypedBuilder &b, const CallNode *call, const Conv2DGeometry &g, DType acc) {
  const auto &a = call->attrsAs<Conv2DAttrs>();
  Expr w = b.sum(b.cast(call->args[1], acc), kernelReduceAxes(a.kernel_layout), false);
  w = b.reshape(w, outChannelShape(g.outNHWC, g.outC));
  if (auto z = constInt(call->args[2]); z && *z == 1) return w;
  return b.multiply(w, b.cast(call->args[2], acc));
}

// T4 = zp_a · zp_w · (input channels per output channel) · KH · KW; a constant when both zero
// points are (computed with wrap-around in the accumulator's width, like the other terms).
Expr fourthTerm(TypedBuilder &b, const CallNode *call, const Conv2DGeometry &g, DType acc) {
  const int64_t k = g.inCPerGroup * g.kH * g.kW;
  auto za = constInt(call->args[2]);
  auto zw = constInts(call->args[3]);
  if (za && zw) {
    auto prod = [&](int64_t w) {
      return static_cast<int64_t>(static_cast<uint64_t>(*za) * static_cast<uint64_t>(w) *
                                  static_cast<uint64_t>(k));
    };
    if (call->args[3]->type.isScalar()) return b.scalar(prod((*zw)[0]), acc);
    std::vector<int64_t> v;
    for (int64_t w : *zw) v.push_back(prod(w));
    return b.reshape(b.vector(v, acc), outChannelShape(g.outNHWC, g.outC));
  }
  Expr za2 = b.cast(call->args[2], acc);
  return b.multiply(b.multiply(za2, outputZeroPoint(b, call, g, acc)), b.scalar(k, acc));
}

} // namespace

bool qnnConvUsesFallback(const CallNode *call) {
  using namespace mtc::ir;
  const auto &a = call->attrsAs<Conv2DAttrs>();
  const Conv2DGeometry g = geometryOf(call);
  // Grouped convolutions other than depthwise have no term decomposition. (TVM also falls back
  // for a dilated convolution with a kernel zero point because its pool cannot dilate; this
  // nn.avg_pool2d can, so T2 sums the dilated window like any other.)
  if (g.groups != 1 && !isDepthwise(g)) return true;
  // T2 is computed in the data layout; an output in another layout would need a transpose.
  if (g.outNHWC != g.dataNHWC) return true;
  // The explicit pad stores zp_a in the data dtype: it must be a known, representable value.
  if (anyPadding(a)) {
    auto za = constInt(call->args[2]);
    const DType dt = call->args[0]->type.dtype();
    if (!za || *za < dtypeMin(dt) || *za > dtypeMax(dt)) return true;
  }
  return false;
}

Expr lowerQnnConv2d(TypedBuilder &b, const CallNode *call) {
  const auto &a = call->attrsAs<Conv2DAttrs>();
  const DType out = outDTypeOf(a.out_dtype);
  const DType acc = accumulatorOf(out);
  if (qnnConvUsesFallback(call)) return lowerFallback(b, call, acc, out);
  const Conv2DGeometry g = geometryOf(call);
  const Expr data = call->args[0];

  Expr padded = data;
  if (anyPadding(a)) {
    const auto p = pad4(a.padding);
    const DType dt = data->type.dtype();
    padded = b.call<PadAttrs>("nn.pad", {data, b.scalar(*constInt(call->args[2]), dt)},
                              [&](PadAttrs &pa) {
                                if (g.dataNHWC)
                                  pa.pad_width = {{0, 0}, {p[0], p[2]}, {p[1], p[3]}, {0, 0}};
                                else
                                  pa.pad_width = {{0, 0}, {0, 0}, {p[0], p[2]}, {p[1], p[3]}};
                              });
  }
  auto t1Attrs = std::make_shared<Conv2DAttrs>(a);
  t1Attrs->padding = {0, 0, 0, 0};
  t1Attrs->out_dtype = std::string(dtypeName(acc));
  Expr t1 = b.call("nn.conv2d", {padded, call->args[1]}, t1Attrs);

  const bool zeroA = isConstZero(call->args[2]), zeroW = isConstZero(call->args[3]);
  Expr r;
  if (zeroA && zeroW) {
    r = t1;
  } else if (zeroA) {
    r = b.subtract(t1, secondTerm(b, call, padded, g, acc));
  } else if (zeroW) {
    r = b.subtract(t1, thirdTerm(b, call, g, acc));
  } else {
    // (T1 − T2) + (T4 − T3): with constant weights and zero points the right half folds.
    Expr left = b.subtract(t1, secondTerm(b, call, padded, g, acc));
    Expr right = b.subtract(fourthTerm(b, call, g, acc), thirdTerm(b, call, g, acc));
    r = b.add(left, right);
  }
  return b.cast(r, out);
}

} // namespace qnn

std::optional<ir::Module> qnnCanonicalize(const ir::Module &m, PassContext &ctx) {
  qnn::TypedBuilder b(m.ctx(), ctx.diag);
  std::map<std::string, int> lowered, kept;
  auto out = qnn::rewriteModule(m, [&](const ir::CallNode *old, const ir::CallNode *call) {
    const std::string &name = old->op->name;
    ir::Expr r = call;
    if (name == "qnn.conv2d") r = qnn::lowerQnnConv2d(b, call);
    else if (name == "qnn.dense") r = qnn::lowerQnnDense(b, call);
    else if (name == "qnn.requantize") r = qnn::lowerQnnRequantize(b, call);
    else if (name == "qnn.add") r = qnn::lowerQnnAdd(b, call);
    else if (name == "qnn.concatenate") r = qnn::lowerQnnConcatenate(b, call);
    else if (name == "qnn.dequantize") r = qnn::lowerQnnDequantize(b, call);
    else return r;
    if (!b.ok()) {
      ctx.diag.error(old->loc, "QnnCanonicalize: internal error lowering " + name);
      return ir::Expr(nullptr);
    }
    ++(r == call ? kept : lowered)[name];
    return r;
  });
  if (!out) return std::nullopt;
  std::string line = "QnnCanonicalize: ";
  if (lowered.empty()) line += "0 changes";
  bool first = true;
  for (const auto &[name, n] : lowered) {
    line += (first ? "" : ", ") + std::to_string(n) + " " + name;
    first = false;
  }
  if (!lowered.empty()) line += " lowered";
  for (const auto &[name, n] : kept)
    line += "; " + std::to_string(n) + " " + name + " kept (no exact integer lowering)";
  // qnn.quantize needs a float division and rounding, which have no canonical op here.
  int quantize = 0;
  for (const auto &[fname, fn] : out->functions())
    for (ir::Expr e : ir::postOrder(fn)) quantize += ir::isOpCall(e, "qnn.quantize") ? 1 : 0;
  if (quantize) line += "; " + std::to_string(quantize) + " qnn.quantize kept";
  ctx.report(line);
  return out;
}

} // namespace mtc::passes
