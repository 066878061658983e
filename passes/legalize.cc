// mtc — Legalize: rewrite nn ops into forms the chosen implementation accepts.
//
// TVM's arm_cpu Legalize pads input channels to a multiple of 8 (or of the tile) and output
// channels for its GEMM schedules. Our GEMM pads K and N itself when it packs the operands
// (nn.contrib_conv2d_gemm_weight_transform and the im2col of the codegen), so no channel padding
// is needed here. What remains is the one shape of nn.conv2d the GEMM kernels cannot take but
// selectConvImpl assigns to them: 8-bit operands of different signedness (an nn.conv2d written
// directly, or QnnCanonicalize run without QnnLegalize). Those get TVM's
// conv2d_alter_int8_common shift with compensation:
//
//   Σ d·w = Σ (d ∓ 128)·w ± 128·Σ w     (d' = d ∓ 128 has the kernel's signedness)
//
// The data is padded with 0 first so the padded positions shift too and the compensation is
// the sum over the whole kernel. All steps are ring operations in the output width, hence exact.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "passes/passes.h"
#include "passes/qnn_util.h"
#include "passes/strategy.h"

namespace mtc::passes {
namespace {

using namespace mtc::ir;

bool is8Bit(DType t) { return t == DType::Int8 || t == DType::UInt8; }

Expr shiftConv(qnn::TypedBuilder &b, const CallNode *call) {
  const auto &a = call->attrsAs<Conv2DAttrs>();
  const Expr data = call->args[0], weight = call->args[1];
  const DType to = weight->type.dtype();
  const DType out = call->type.dtype();
  const int64_t shift = to == DType::Int8 ? -128 : 128;

  Expr padded = data;
  const auto p = pad4(a.padding);
  if (p[0] || p[1] || p[2] || p[3]) {
    const bool nhwc = a.data_layout == "NHWC";
    padded = b.call<PadAttrs>("nn.pad", {data, b.scalar(0, data->type.dtype())}, [&](PadAttrs &pa) {
      if (nhwc) pa.pad_width = {{0, 0}, {p[0], p[2]}, {p[1], p[3]}, {0, 0}};
      else pa.pad_width = {{0, 0}, {0, 0}, {p[0], p[2]}, {p[1], p[3]}};
    });
  }
  Expr shifted = b.cast(b.add(b.cast(padded, DType::Int32), b.scalar(shift)), to);
  auto attrs = std::make_shared<Conv2DAttrs>(a);
  attrs->padding = {0, 0, 0, 0};
  attrs->out_dtype = std::string(dtypeName(out));
  Expr conv = b.call("nn.conv2d", {shifted, weight}, attrs);

  // −shift · Σ_{kh,kw,i} w per output channel, in the output dtype (wrapping like the conv).
  Expr wsum = b.sum(b.cast(weight, DType::Int32), qnn::kernelReduceAxes(a.kernel_layout), false);
  const Shape &os = call->type.shape();
  const bool outNHWC = a.out_layout.empty() ? a.data_layout == "NHWC" : a.out_layout == "NHWC";
  const int64_t oc = outNHWC ? os[3] : os[1];
  wsum = b.reshape(wsum, qnn::outChannelShape(outNHWC, oc));
  Expr comp = b.cast(b.multiply(wsum, b.scalar(-shift)), out);
  return b.add(conv, comp);
}

} // namespace

std::optional<Module> legalize(const Module &m, PassContext &ctx) {
  qnn::TypedBuilder b(m.ctx(), ctx.diag);
  int shifted = 0;
  auto out = qnn::rewriteModule(m, [&](const CallNode *old, const CallNode *call) -> Expr {
    if (old->op->name != "nn.conv2d") return call;
    const DType dt = call->args[0]->type.dtype(), kt = call->args[1]->type.dtype();
    if (!is8Bit(dt) || !is8Bit(kt) || dt == kt) return call;
    const auto &a = call->attrsAs<Conv2DAttrs>();
    if (!selectConvImpl(ctx.target, a, dt, kt).isGemm()) return call;
    Expr r = shiftConv(b, call);
    if (!b.ok()) {
      ctx.diag.error(old->loc, "Legalize: internal error shifting nn.conv2d");
      return nullptr;
    }
    ++shifted;
    return r;
  });
  if (!out) return std::nullopt;
  ctx.report(shifted ? "Legalize: " + std::to_string(shifted) +
                           " nn.conv2d shifted to the kernel's signedness (with compensation)"
                     : std::string("Legalize: 0 changes"));
  return out;
}

} // namespace mtc::passes
