// mtc — helpers shared by the QNN passes.
// SPDX-License-Identifier: Apache-2.0
#include "passes/qnn_util.h"

#include "ir/infer_type.h"

namespace mtc::passes::qnn {

using namespace mtc::ir;

Expr TypedBuilder::call(const std::string &op, std::vector<Expr> args, AttrsPtr attrs) {
  const CallNode *c = b_.call(op, std::move(args), std::move(attrs));
  // A lowering that builds an ill-typed node has a bug; the relation's message says which.
  if (inferCallType(c, diag_).isUnknown()) ok_ = false;
  return c;
}

Expr TypedBuilder::vector(const std::vector<int64_t> &v, DType dt) {
  Tensor t = Tensor::zeros({static_cast<int64_t>(v.size())}, dt);
  for (size_t i = 0; i < v.size(); ++i) t.setInt(static_cast<int64_t>(i), v[i]);
  return b_.constant(std::move(t));
}

Expr TypedBuilder::cast(Expr e, DType dt) {
  if (e->type.isTensor() && e->type.dtype() == dt) return e;
  return call<CastAttrs>("cast", {e}, [&](CastAttrs &a) { a.dtype = dtypeName(dt); });
}

Expr TypedBuilder::sum(Expr e, std::vector<int64_t> axes, bool keepdims) {
  return call<ReduceAttrs>("sum", {e}, [&](ReduceAttrs &a) {
    a.axis = std::move(axes);
    a.keepdims = keepdims;
  });
}

Expr TypedBuilder::reshape(Expr e, std::vector<int64_t> newshape) {
  if (e->type.isTensor() && e->type.shape() == newshape) return e;
  return call<ReshapeAttrs>("reshape", {e},
                            [&](ReshapeAttrs &a) { a.newshape = std::move(newshape); });
}

Expr TypedBuilder::clip(Expr e, int64_t lo, int64_t hi) {
  return call<ClipAttrs>("clip", {e}, [&](ClipAttrs &a) {
    a.a_min = static_cast<double>(lo);
    a.a_max = static_cast<double>(hi);
  });
}

std::optional<int64_t> constInt(Expr e) {
  const ConstantNode *c = dyn<ConstantNode>(e);
  if (!c || c->value.rank() != 0 || !isInteger(c->value.dtype())) return std::nullopt;
  return c->value.intAt(0);
}

std::optional<std::vector<int64_t>> constInts(Expr e) {
  const ConstantNode *c = dyn<ConstantNode>(e);
  if (!c || c->value.rank() > 1 || !isInteger(c->value.dtype())) return std::nullopt;
  std::vector<int64_t> out(static_cast<size_t>(c->value.numElements()));
  for (size_t i = 0; i < out.size(); ++i) out[i] = c->value.intAt(static_cast<int64_t>(i));
  return out;
}

std::optional<std::vector<double>> constFloats(Expr e) {
  const ConstantNode *c = dyn<ConstantNode>(e);
  if (!c || c->value.rank() > 1 || c->value.dtype() != DType::Float32) return std::nullopt;
  std::vector<double> out(static_cast<size_t>(c->value.numElements()));
  for (size_t i = 0; i < out.size(); ++i) out[i] = c->value.floatAt(static_cast<int64_t>(i));
  return out;
}

bool isConstZero(Expr e) {
  const ConstantNode *c = dyn<ConstantNode>(e);
  if (!c || !isInteger(c->value.dtype())) return false;
  for (int64_t i = 0; i < c->value.numElements(); ++i)
    if (c->value.intAt(i) != 0) return false;
  return true;
}

int64_t channelAxis(const std::string &dataLayout) { return dataLayout == "NHWC" ? 3 : 1; }

std::array<int64_t, 2> spatialAxes(const std::string &dataLayout) {
  if (dataLayout == "NHWC") return {1, 2};
  return {2, 3};
}

Shape kernelChannelShape(const std::string &kernelLayout, const Shape &kernelShape) {
  if (kernelLayout == "HWIO") return {kernelShape[3]};
  if (kernelLayout == "HWOI") return {kernelShape[2], kernelShape[3]};
  // OIHW and OHWI: output channels lead.
  return {kernelShape[0], 1, 1, 1};
}

std::vector<int64_t> kernelReduceAxes(const std::string &kernelLayout) {
  if (kernelLayout == "HWIO") return {0, 1, 2};
  if (kernelLayout == "HWOI") return {0, 1};
  return {1, 2, 3};
}

Shape outChannelShape(bool outNHWC, int64_t outC) {
  if (outNHWC) return {outC};
  return {outC, 1, 1};
}

std::optional<Module>
rewriteModule(const Module &m,
              const std::function<Expr(const CallNode *old, const CallNode *rebuilt)> &fn) {
  Module out = m.shallowCopy();
  for (const auto &[name, f] : m.functions()) {
    Rewriter rw(m.ctx());
    bool failed = false;
    Expr nf = rw.rewrite(f, [&](Expr old, Expr rebuilt) -> Expr {
      // Every QNN rewrite keeps the type of the node it replaces, so a rebuilt copy has the type
      // of its original; restoring it lets the lowering read operand shapes.
      if (rebuilt != old && rebuilt->type.isUnknown()) rebuilt->type = old->type;
      const CallNode *oc = dyn<CallNode>(old);
      if (failed || !oc || !oc->op) return rebuilt;
      Expr r = fn(oc, static_cast<const CallNode *>(rebuilt));
      if (!r) {
        failed = true;
        return rebuilt;
      }
      if (r->type.isUnknown()) r->type = old->type;
      return r;
    });
    if (failed) return std::nullopt;
    out.setFunction(name, static_cast<const FunctionNode *>(nf));
  }
  return out;
}

} // namespace mtc::passes::qnn
