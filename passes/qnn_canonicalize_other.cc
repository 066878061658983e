// mtc — QnnCanonicalize, part 3: qnn.dense, qnn.add and qnn.concatenate.
//
// qnn.dense uses the zero-point decomposition of qnn.conv2d with a 1x1 "window" (no padding,
// no pooling). qnn.add and qnn.concatenate are defined by the evaluator as requantizes of their
// inputs to the output parameters followed by the plain op, so they lower to buildRequantize
// plus add / concatenate, in int32 when the value ranges prove it cannot overflow.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "passes/qnn_lower.h"

#include <limits>

namespace mtc::passes::qnn {
namespace {

using namespace mtc::ir;

DType outDTypeOf(const std::string &s, DType dflt) {
  if (s.empty()) return dflt;
  auto d = parseDType(s);
  return d ? *d : dflt;
}

// zp_w as a scalar or a (units) vector, in `acc`.
Expr denseKernelZero(TypedBuilder &b, Expr zp, DType acc) { return b.cast(zp, acc); }

// The requantize parameters of one input of qnn.add / qnn.concatenate.
std::optional<RequantizeSpec> specOf(Expr scale, Expr zero, float outScale, int64_t zpOut,
                                     int64_t axis, Rounding r, DType out) {
  auto s = constFloats(scale);
  auto z = constInts(zero);
  if (!s || !z) return std::nullopt;
  RequantizeSpec spec;
  for (double v : *s) spec.steps.push_back(requantizeStep(static_cast<float>(v), outScale));
  spec.zpIn = *z;
  spec.zpOut = zpOut;
  spec.axis = axis;
  spec.rounding = r;
  spec.out = out;
  return spec;
}

} // namespace

Expr lowerQnnDense(TypedBuilder &b, const CallNode *call) {
  const auto &a = call->attrsAs<DenseAttrs>();
  const DType out = outDTypeOf(a.out_dtype, DType::Int32);
  const DType acc = out == DType::Int64 ? DType::Int64 : DType::Int32;
  Expr data = call->args[0], weight = call->args[1];
  const Expr zpA = call->args[2], zpW = call->args[3];
  const int64_t rank = data->type.rank();
  const int64_t k = data->type.shape().back();

  // nn.dense multiplies operands of one dtype: mixed signedness meets in int16 (exact).
  Expr d = data, w = weight;
  if (data->type.dtype() != weight->type.dtype()) {
    d = b.cast(data, DType::Int16);
    w = b.cast(weight, DType::Int16);
  }
  auto attrs = std::make_shared<DenseAttrs>(a);
  attrs->out_dtype = std::string(dtypeName(acc));
  Expr t1 = b.call("nn.dense", {d, w}, attrs);

  const bool zeroA = isConstZero(zpA), zeroW = isConstZero(zpW);
  auto t2 = [&] { // zp_w · Σ_k data
    Expr s = b.sum(b.cast(data, acc), {rank - 1}, /*keepdims=*/true);
    if (auto z = constInt(zpW); z && *z == 1) return s;
    return b.multiply(s, denseKernelZero(b, zpW, acc));
  };
  auto t3 = [&] { // zp_a · Σ_k weight, one per unit
    Expr s = b.sum(b.cast(weight, acc), {1}, false);
    if (auto z = constInt(zpA); z && *z == 1) return s;
    return b.multiply(s, b.cast(zpA, acc));
  };
  auto t4 = [&]() -> Expr { // zp_a · zp_w · K
    auto za = constInt(zpA);
    auto zw = constInts(zpW);
    if (za && zw) {
      std::vector<int64_t> v;
      for (int64_t z : *zw)
        v.push_back(static_cast<int64_t>(static_cast<uint64_t>(*za) * static_cast<uint64_t>(z) *
                                         static_cast<uint64_t>(k)));
      return zpW->type.isScalar() ? b.scalar(v[0], acc) : b.vector(v, acc);
    }
    return b.multiply(b.multiply(b.cast(zpA, acc), denseKernelZero(b, zpW, acc)),
                      b.scalar(k, acc));
  };
  Expr r;
  if (zeroA && zeroW) r = t1;
  else if (zeroA) r = b.subtract(t1, t2());
  else if (zeroW) r = b.subtract(t1, t3());
  else r = b.add(b.subtract(t1, t2()), b.subtract(t4(), t3()));
  return b.cast(r, out);
}

Expr lowerQnnAdd(TypedBuilder &b, const CallNode *call) {
  const auto &a = call->attrsAs<QnnBinaryAttrs>();
  auto sOut = constFloats(call->args[6]);
  auto zOut = constInt(call->args[7]);
  auto r = parseRounding(a.rounding);
  if (!sOut || sOut->size() != 1 || !zOut || !r) return call;
  const float outScale = static_cast<float>((*sOut)[0]);
  auto ls = specOf(call->args[2], call->args[3], outScale, *zOut, a.lhs_axis, *r, DType::Int32);
  auto rs = specOf(call->args[4], call->args[5], outScale, *zOut, a.rhs_axis, *r, DType::Int32);
  if (!ls || !rs) return call;
  auto l = buildRequantize(b, call->args[0], *ls);
  auto rr = buildRequantize(b, call->args[1], *rs);
  if (!l || !rr) return call;
  // l + r − zp_out, exact in int64 (both operands are int32); int32 suffices when the ranges
  // of the two requantized operands say so.
  const __int128 lo = static_cast<__int128>(l->min) + rr->min - *zOut;
  const __int128 hi = static_cast<__int128>(l->max) + rr->max - *zOut;
  const bool fits32 = lo >= std::numeric_limits<int32_t>::min() &&
                      hi <= std::numeric_limits<int32_t>::max();
  const DType acc = fits32 ? DType::Int32 : DType::Int64;
  Expr s = b.add(b.cast(l->expr, acc), b.cast(rr->expr, acc));
  if (*zOut != 0) s = b.subtract(s, b.scalar(*zOut, acc));
  const DType out = call->type.dtype();
  if (lo < dtypeMin(out) || hi > dtypeMax(out)) s = b.clip(s, dtypeMin(out), dtypeMax(out));
  return b.cast(s, out);
}

Expr lowerQnnConcatenate(TypedBuilder &b, const CallNode *call) {
  const auto &a = call->attrsAs<ConcatenateAttrs>();
  const TupleNode *data = dyn<TupleNode>(call->args[0]);
  const TupleNode *scales = dyn<TupleNode>(call->args[1]);
  const TupleNode *zeros = dyn<TupleNode>(call->args[2]);
  auto sOut = constFloats(call->args[3]);
  auto zOut = constInt(call->args[4]);
  if (!data || !scales || !zeros || !sOut || sOut->size() != 1 || !zOut) return call;
  const DType out = call->type.dtype();
  std::vector<Expr> fields;
  for (size_t i = 0; i < data->fields.size(); ++i) {
    // The evaluator requantizes every input with UPWARD rounding.
    auto spec = specOf(scales->fields[i], zeros->fields[i], static_cast<float>((*sOut)[0]),
                       *zOut, -1, Rounding::Upward, out);
    if (!spec) return call;
    auto l = buildRequantize(b, data->fields[i], *spec);
    if (!l) return call;
    fields.push_back(l->expr);
  }
  Builder plain(b.ctx());
  const TupleNode *tup = plain.tuple(fields);
  std::vector<Type> ft;
  for (Expr f : fields) ft.push_back(f->type);
  tup->type = Type::tuple(ft);
  return b.call<ConcatenateAttrs>("concatenate", {tup}, [&](ConcatenateAttrs &c) { c.axis = a.axis; });
}

Expr lowerQnnDequantize(TypedBuilder &b, const CallNode *call) {
  const auto &a = call->attrsAs<DequantizeAttrs>();
  const Expr x = call->args[0], scale = call->args[1], zero = call->args[2];
  const int64_t rank = x->type.rank();
  const int64_t axis = rank == 0 ? 0 : (a.axis < 0 ? a.axis + rank : a.axis);
  // A per-channel parameter is reshaped to run along `axis`.
  auto alongAxis = [&](Expr p) {
    if (p->type.isScalar()) return p;
    Shape s{p->type.shape()[0]};
    for (int64_t d = axis + 1; d < rank; ++d) s.push_back(1);
    return b.reshape(p, s);
  };
  // q − zp is exact in int32 when the zero points are known and the difference cannot leave
  // int32; otherwise in int64 (the evaluator's width). float(d) is the same either way.
  const DType in = x->type.dtype();
  DType wide = DType::Int64;
  if (auto zs = constInts(zero)) {
    bool fits = true;
    for (int64_t z : *zs)
      fits = fits && dtypeMin(in) - z >= dtypeMin(DType::Int32) &&
             dtypeMax(in) - z <= dtypeMax(DType::Int32);
    if (fits) wide = DType::Int32;
  }
  Expr d = b.cast(x, wide);
  if (!isConstZero(zero)) d = b.subtract(d, alongAxis(b.cast(zero, wide)));
  return b.multiply(b.cast(d, DType::Float32), alongAxis(scale));
}

} // namespace mtc::passes::qnn
