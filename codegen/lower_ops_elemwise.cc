// mtc — lowering of elementwise and broadcast ops: arithmetic, shifts, comparisons, min/max,
// negative, relu, clip, cast, copy, bias_add and the fixed-point multiplies. Each reproduces
// the evaluator's element rule in ir/ops/elemwise*.cc, nn.cc and qnn_fixed_point.cc exactly.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/epilogue.h"
#include "codegen/lower_arith.h"
#include "ir/check.h"
#include "ir/ops/attrs.h"
#include "ir/ops/op_util.h"

#include <llvm/IR/Intrinsics.h>

#include <cmath>

namespace mtc::codegen {

namespace {

using ir::DType;

bool isFloat(DType t) { return t == DType::Float32; }
bool isUnsigned(DType t) { return t == DType::UInt8 || t == DType::Bool; }

llvm::Value *fconst(Builder &b, double v) { return llvm::ConstantFP::get(b.getFloatTy(), v); }

// The evaluator's float max/min: NaN in either operand wins (lhs first), otherwise
// `a < b ? b : a` (max) or `b < a ? b : a` (min); -0.0 vs +0.0 keeps the lhs.
llvm::Value *floatMaxMin(Builder &b, llvm::Value *a, llvm::Value *c, bool isMax) {
  llvm::Value *pick = isMax ? b.CreateSelect(b.CreateFCmpOLT(a, c), c, a)
                            : b.CreateSelect(b.CreateFCmpOLT(c, a), c, a);
  pick = b.CreateSelect(b.CreateFCmpUNO(c, c), c, pick);
  return b.CreateSelect(b.CreateFCmpUNO(a, a), a, pick);
}

enum class Bin { Add, Sub, Mul, Max, Min, Shr, Shl, Eq, Ne, Lt, Le, Gt, Ge };

llvm::Value *shiftOp(Builder &b, DType t, llvm::Value *a, llvm::Value *s, bool right) {
  llvm::Type *ty = a->getType();
  const int64_t bits = ty->getIntegerBitWidth();
  // Amounts are clamped to [0, bits]; bits means "all the way" (sign fill / zero).
  llvm::Value *k = s;
  if (!isUnsigned(t))
    k = b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, k, llvm::ConstantInt::get(ty, 0));
  k = b.CreateBinaryIntrinsic(llvm::Intrinsic::umin, k, llvm::ConstantInt::get(ty, bits));
  llvm::Value *full = b.CreateICmpEQ(k, llvm::ConstantInt::get(ty, bits));
  llvm::Value *kIn = b.CreateBinaryIntrinsic(llvm::Intrinsic::umin, k,
                                             llvm::ConstantInt::get(ty, bits - 1));
  if (right && !isUnsigned(t)) return b.CreateAShr(a, kIn); // bits-1 already fills with sign
  llvm::Value *shifted = right ? b.CreateLShr(a, kIn) : b.CreateShl(a, kIn);
  return b.CreateSelect(full, llvm::ConstantInt::get(ty, 0), shifted);
}

TypedValue binary(Builder &b, Bin op, TypedValue a, TypedValue c) {
  const DType t = a.dtype;
  const bool f = isFloat(t), u = isUnsigned(t);
  auto cmp = [&](llvm::CmpInst::Predicate fp, llvm::CmpInst::Predicate sp,
                 llvm::CmpInst::Predicate up) {
    llvm::Value *r = f ? b.CreateFCmp(fp, a.v, c.v) : b.CreateICmp(u ? up : sp, a.v, c.v);
    return TypedValue{b.CreateZExt(r, b.getInt8Ty()), DType::Bool};
  };
  using P = llvm::CmpInst::Predicate;
  switch (op) {
  case Bin::Add: return {f ? b.CreateFAdd(a.v, c.v) : b.CreateAdd(a.v, c.v), t};
  case Bin::Sub: return {f ? b.CreateFSub(a.v, c.v) : b.CreateSub(a.v, c.v), t};
  case Bin::Mul: return {f ? b.CreateFMul(a.v, c.v) : b.CreateMul(a.v, c.v), t};
  case Bin::Max: return {f ? floatMaxMin(b, a.v, c.v, true) : emitIntMax(b, t, a.v, c.v), t};
  case Bin::Min: return {f ? floatMaxMin(b, a.v, c.v, false) : emitIntMin(b, t, a.v, c.v), t};
  case Bin::Shr: return {shiftOp(b, t, a.v, c.v, true), t};
  case Bin::Shl: return {shiftOp(b, t, a.v, c.v, false), t};
  case Bin::Eq: return cmp(P::FCMP_OEQ, P::ICMP_EQ, P::ICMP_EQ);
  case Bin::Ne: return cmp(P::FCMP_UNE, P::ICMP_NE, P::ICMP_NE);
  case Bin::Lt: return cmp(P::FCMP_OLT, P::ICMP_SLT, P::ICMP_ULT);
  case Bin::Le: return cmp(P::FCMP_OLE, P::ICMP_SLE, P::ICMP_ULE);
  case Bin::Gt: return cmp(P::FCMP_OGT, P::ICMP_SGT, P::ICMP_UGT);
  case Bin::Ge: return cmp(P::FCMP_OGE, P::ICMP_SGE, P::ICMP_UGE);
  }
  MTC_UNREACHABLE("bad binary op");
}

OpLowering binaryLowering(Bin op) {
  OpLowering l;
  l.elementwise = true;
  l.inlineFn = [op](InlineEmitter &em, const ir::CallNode *call, const Index &idx) {
    TypedValue a = em.emitBroadcast(call->args[0], idx);
    TypedValue c = em.emitBroadcast(call->args[1], idx);
    return binary(em.b(), op, a, c);
  };
  return l;
}

OpLowering unaryLowering(std::function<TypedValue(Builder &, const ir::CallNode *, TypedValue)> f) {
  OpLowering l;
  l.elementwise = true;
  l.inlineFn = [f](InlineEmitter &em, const ir::CallNode *call, const Index &idx) {
    return f(em.b(), call, em.emit(call->args[0], idx));
  };
  return l;
}

// clip's integer bounds: the integers in [a_min, a_max] are [ceil(a_min), floor(a_max)],
// saturated to the dtype (as the evaluator does).
int64_t saturateBound(double v, DType t) {
  const double lo = static_cast<double>(ir::dtypeMin(t)), hi = static_cast<double>(ir::dtypeMax(t));
  if (v <= lo) return ir::dtypeMin(t);
  if (v >= hi) return ir::dtypeMax(t);
  return static_cast<int64_t>(v);
}

TypedValue clip(Builder &b, const ir::CallNode *call, TypedValue x) {
  const auto &a = call->attrsAs<ir::ClipAttrs>();
  if (isFloat(x.dtype)) {
    llvm::Value *lo = fconst(b, static_cast<float>(a.a_min));
    llvm::Value *hi = fconst(b, static_cast<float>(a.a_max));
    // std::min(x, hi) then std::max(., lo): NaN passes through both.
    llvm::Value *m = b.CreateSelect(b.CreateFCmpOLT(hi, x.v), hi, x.v);
    return {b.CreateSelect(b.CreateFCmpOLT(m, lo), lo, m), x.dtype};
  }
  llvm::Value *lo = constOf(b, x.dtype, saturateBound(std::ceil(a.a_min), x.dtype));
  llvm::Value *hi = constOf(b, x.dtype, saturateBound(std::floor(a.a_max), x.dtype));
  return {emitIntMax(b, x.dtype, emitIntMin(b, x.dtype, x.v, hi), lo), x.dtype};
}

TypedValue relu(Builder &b, const ir::CallNode *, TypedValue x) {
  if (isUnsigned(x.dtype)) return x;
  if (isFloat(x.dtype))
    return {b.CreateSelect(b.CreateFCmpOLT(x.v, fconst(b, 0.0)), fconst(b, 0.0), x.v), x.dtype};
  return {b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, x.v, constOf(b, x.dtype, 0)), x.dtype};
}

TypedValue negative(Builder &b, const ir::CallNode *, TypedValue x) {
  // 0 - x, not fneg: the evaluator computes 0.0f - 0.0f = +0.0.
  if (isFloat(x.dtype)) return {b.CreateFSub(fconst(b, 0.0), x.v), x.dtype};
  return {b.CreateSub(constOf(b, x.dtype, 0), x.v), x.dtype};
}

TypedValue castOp(Builder &b, const ir::CallNode *call, TypedValue x) {
  return emitConvert(b, x, call->type.dtype());
}

TypedValue fixedPointMultiply(Builder &b, const ir::CallNode *call, TypedValue x) {
  const auto &a = call->attrsAs<ir::FixedPointMultiplyAttrs>();
  const ir::Rounding r = *ir::parseRounding(a.rounding);
  llvm::Value *q = b.getInt32(static_cast<uint32_t>(static_cast<int32_t>(a.multiplier)));
  llvm::Value *s = b.getInt32(static_cast<uint32_t>(static_cast<int32_t>(a.shift)));
  return {emitFixedPointMultiplyInt32(b, x.v, q, s, r), DType::Int32};
}

// Index of the element of a per-axis vector operand (bias, multipliers, shifts).
Index axisIndex(InlineEmitter &em, const Index &idx, int64_t axis) {
  const int64_t len = idx.shape()[static_cast<size_t>(axis)];
  return Index::fromFlat({len}, idx.dim(em.b(), static_cast<size_t>(axis)));
}

int64_t normAxis(int64_t axis, size_t rank) {
  return axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
}

OpLowering biasAddLowering() {
  OpLowering l;
  l.elementwise = true;
  l.inlineFn = [](InlineEmitter &em, const ir::CallNode *call, const Index &idx) {
    const int64_t axis = normAxis(call->attrsAs<ir::BiasAddAttrs>().axis, idx.rank());
    TypedValue x = em.emit(call->args[0], idx);
    TypedValue bias = em.emit(call->args[1], axisIndex(em, idx, axis));
    return binary(em.b(), Bin::Add, x, bias);
  };
  return l;
}

OpLowering fixedPointPerAxisLowering() {
  OpLowering l;
  l.elementwise = true;
  l.inlineFn = [](InlineEmitter &em, const ir::CallNode *call, const Index &idx) {
    const auto &a = call->attrsAs<ir::FixedPointMultiplyPerAxisAttrs>();
    const int64_t axis = normAxis(a.axis, idx.rank());
    TypedValue x = em.emit(call->args[0], idx);
    Index ch = axisIndex(em, idx, axis);
    TypedValue q = em.emit(call->args[1], ch);
    TypedValue s = em.emit(call->args[2], ch);
    return TypedValue{emitFixedPointMultiplyInt32(em.b(), x.v, q.v, s.v,
                                                  *ir::parseRounding(a.rounding)),
                      DType::Int32};
  };
  return l;
}

} // namespace

void registerElemwiseLowerings(LoweringTable &t) {
  const std::pair<const char *, Bin> bins[] = {
      {"add", Bin::Add},         {"subtract", Bin::Sub},    {"multiply", Bin::Mul},
      {"maximum", Bin::Max},     {"minimum", Bin::Min},     {"right_shift", Bin::Shr},
      {"left_shift", Bin::Shl},  {"equal", Bin::Eq},        {"not_equal", Bin::Ne},
      {"less", Bin::Lt},         {"less_equal", Bin::Le},   {"greater", Bin::Gt},
      {"greater_equal", Bin::Ge}};
  for (const auto &[name, op] : bins) t.set(name, binaryLowering(op));
  t.set("negative", unaryLowering(negative));
  t.set("nn.relu", unaryLowering(relu));
  t.set("clip", unaryLowering(clip));
  t.set("cast", unaryLowering(castOp));
  t.set("copy", unaryLowering([](Builder &, const ir::CallNode *, TypedValue x) { return x; }));
  t.set("fixed_point_multiply", unaryLowering(fixedPointMultiply));
  t.set("nn.bias_add", biasAddLowering());
  t.set("fixed_point_multiply_per_axis", fixedPointPerAxisLowering());
}

} // namespace mtc::codegen
