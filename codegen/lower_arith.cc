// mtc — exact scalar semantics (cast, clamps, fixed-point multiply) as LLVM IR.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/lower_arith.h"

#include "ir/check.h"

#include <llvm/IR/Intrinsics.h>

namespace mtc::codegen {

namespace {

bool unsignedInt(ir::DType t) { return t == ir::DType::UInt8 || t == ir::DType::Bool; }

llvm::Value *cI(Builder &b, llvm::Type *t, int64_t v) {
  return llvm::ConstantInt::get(t, static_cast<uint64_t>(v), true);
}

llvm::Value *smax(Builder &b, llvm::Value *a, llvm::Value *c) {
  return b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, a, c);
}
llvm::Value *smin(Builder &b, llvm::Value *a, llvm::Value *c) {
  return b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, a, c);
}

// The rounding shift right of an exact product `p` (type T, i64 or i128) by rs in
// [1, bits-1]: floor(p / 2^rs + 1/2), computed without overflow as
// (p >> rs) + bit (rs - 1) of p; ToNearest subtracts one on negative exact ties.
llvm::Value *roundingShiftRight(Builder &b, llvm::Value *p, llvm::Value *rs, ir::Rounding r) {
  llvm::Type *t = p->getType();
  llvm::Value *one = cI(b, t, 1);
  llvm::Value *rsM1 = b.CreateSub(rs, one);
  llvm::Value *res = b.CreateAdd(b.CreateAShr(p, rs), b.CreateAnd(b.CreateAShr(p, rsM1), one));
  if (r == ir::Rounding::ToNearest) {
    llvm::Value *half = b.CreateShl(one, rsM1);
    llvm::Value *mask = b.CreateSub(b.CreateShl(half, one), one);
    llvm::Value *tie = b.CreateICmpEQ(b.CreateAnd(p, mask), half);
    llvm::Value *neg = b.CreateICmpSLT(p, cI(b, t, 0));
    res = b.CreateSub(res, b.CreateZExt(b.CreateAnd(tie, neg), t));
  }
  return res;
}

// ir::singleRounding for a product that is exact in type T, with `e` = shift - 31 (i32,
// shift already clamped to [-200, 200]). `pBound` bounds |p| by 2^pBound (so right shifts of at
// least pBound + 2 give 0) and `satBits` is the width the caller saturates to (32 or 64).
llvm::Value *singleRounding(Builder &b, llvm::Value *p, llvm::Value *e, ir::Rounding r,
                            int pBound, int satBits) {
  llvm::Type *t = p->getType();
  const int bits = static_cast<int>(t->getIntegerBitWidth());
  llvm::Value *eT = b.CreateSExt(e, t);
  // Left shifts: clamping p to +-(2^(satBits-1) + 1) and the shift to satBits - 1 changes
  // nothing after saturation to satBits (every value that moved already saturates) and cannot
  // overflow T.
  const int64_t lim = satBits == 64 ? INT64_MAX : (int64_t(1) << (satBits - 1)) + 1;
  llvm::Value *limHi = satBits == 64 ? llvm::ConstantInt::get(t, llvm::APInt(bits, 1).shl(63) + 1)
                                     : cI(b, t, lim);
  llvm::Value *limLo = b.CreateNeg(limHi);
  llvm::Value *pc = smin(b, smax(b, p, limLo), limHi);
  llvm::Value *eL = smin(b, smax(b, eT, cI(b, t, 0)), cI(b, t, satBits - 1));
  llvm::Value *left = b.CreateShl(pc, eL);
  // Right shifts: beyond pBound + 1 bits the value is below 1/4 in magnitude and rounds to 0.
  llvm::Value *negE = b.CreateNeg(eT);
  llvm::Value *rs = smin(b, smax(b, negE, cI(b, t, 1)), cI(b, t, bits - 1));
  llvm::Value *right = roundingShiftRight(b, p, rs, r);
  llvm::Value *tooFar = b.CreateICmpSGT(negE, cI(b, t, std::min(pBound + 1, bits - 1)));
  right = b.CreateSelect(tooFar, cI(b, t, 0), right);
  return b.CreateSelect(b.CreateICmpSGE(eT, cI(b, t, 0)), left, right);
}

llvm::Value *saturateTo(Builder &b, llvm::Value *v, int satBits) {
  llvm::Type *t = v->getType();
  const int bits = static_cast<int>(t->getIntegerBitWidth());
  llvm::Value *hi = llvm::ConstantInt::get(t, llvm::APInt::getSignedMaxValue(satBits).sext(bits));
  llvm::Value *lo = llvm::ConstantInt::get(t, llvm::APInt::getSignedMinValue(satBits).sext(bits));
  return b.CreateTrunc(smin(b, smax(b, v, lo), hi), b.getIntNTy(satBits));
}

// The TFLite (gemmlowp) pipeline on an i32 value: saturating left shift, SRDHM, then
// RoundingDivideByPOT; `shift` is i32 clamped to [-200, 200].
llvm::Value *tfliteMultiply(Builder &b, llvm::Value *x, llvm::Value *q, llvm::Value *shift) {
  llvm::Type *i32 = b.getInt32Ty(), *i64t = b.getInt64Ty();
  llvm::Value *zero32 = cI(b, i32, 0);
  llvm::Value *left = smax(b, shift, zero32);
  llvm::Value *right = smax(b, b.CreateNeg(shift), zero32);
  // Saturating x * 2^left.
  llvm::Value *x64 = b.CreateSExt(x, i64t);
  llvm::Value *shl = b.CreateShl(x64, b.CreateZExt(smin(b, left, cI(b, i32, 31)), i64t));
  llvm::Value *sat = saturateTo(b, shl, 32);
  llvm::Value *bySign = b.CreateSelect(b.CreateICmpSGT(x, zero32), cI(b, i32, INT32_MAX),
                                       cI(b, i32, INT32_MIN));
  llvm::Value *big = b.CreateAnd(b.CreateICmpSGE(left, cI(b, i32, 32)),
                                 b.CreateICmpNE(x, zero32));
  llvm::Value *xs = b.CreateSelect(big, bySign, sat);
  // SaturatingRoundingDoublingHighMul(xs, q).
  llvm::Value *ab = b.CreateMul(b.CreateSExt(xs, i64t), b.CreateSExt(q, i64t));
  llvm::Value *nudge = b.CreateSelect(b.CreateICmpSGE(ab, cI(b, i64t, 0)),
                                      cI(b, i64t, int64_t(1) << 30),
                                      cI(b, i64t, 1 - (int64_t(1) << 30)));
  llvm::Value *hi = b.CreateTrunc(b.CreateSDiv(b.CreateAdd(ab, nudge), cI(b, i64t, int64_t(1) << 31)),
                                  i32);
  llvm::Value *bothMin = b.CreateAnd(b.CreateICmpEQ(xs, cI(b, i32, INT32_MIN)),
                                     b.CreateICmpEQ(q, cI(b, i32, INT32_MIN)));
  llvm::Value *srdhm = b.CreateSelect(bothMin, cI(b, i32, INT32_MAX), hi);
  // RoundingDivideByPOT(srdhm, right), in i64 so that exponents up to 62 are plain shifts.
  llvm::Value *e = b.CreateZExt(smin(b, right, cI(b, i32, 62)), i64t);
  llvm::Value *v = b.CreateSExt(srdhm, i64t);
  llvm::Value *mask = b.CreateSub(b.CreateShl(cI(b, i64t, 1), e), cI(b, i64t, 1));
  llvm::Value *rem = b.CreateAnd(v, mask);
  llvm::Value *thr = b.CreateAdd(b.CreateAShr(mask, cI(b, i64t, 1)),
                                 b.CreateZExt(b.CreateICmpSLT(v, cI(b, i64t, 0)), i64t));
  llvm::Value *res = b.CreateAdd(b.CreateAShr(v, e), b.CreateZExt(b.CreateICmpSGT(rem, thr), i64t));
  res = b.CreateSelect(b.CreateICmpSGT(right, cI(b, i32, 62)), cI(b, i64t, 0), res);
  return b.CreateTrunc(res, i32);
}

} // namespace

TypedValue emitConvert(Builder &b, TypedValue v, ir::DType to) {
  if (v.dtype == to) return v;
  llvm::LLVMContext &c = b.getContext();
  llvm::Type *dst = elemType(c, to);
  const bool fromFloat = v.dtype == ir::DType::Float32;
  if (to == ir::DType::Bool) {
    llvm::Value *nz = fromFloat ? b.CreateFCmpUNE(v.v, llvm::ConstantFP::get(v.v->getType(), 0.0))
                                : b.CreateICmpNE(v.v, llvm::ConstantInt::get(v.v->getType(), 0));
    return {b.CreateZExt(nz, dst), to};
  }
  if (to == ir::DType::Float32) {
    llvm::Value *r = unsignedInt(v.dtype) ? b.CreateUIToFP(v.v, dst) : b.CreateSIToFP(v.v, dst);
    return {r, to};
  }
  if (fromFloat) {
    // llvm.fpto[su]i.sat: truncation toward zero, saturation, NaN -> 0: exactly convertElem.
    auto id = unsignedInt(to) ? llvm::Intrinsic::fptoui_sat : llvm::Intrinsic::fptosi_sat;
    return {b.CreateIntrinsic(id, {dst, v.v->getType()}, {v.v}), to};
  }
  const unsigned fromBits = v.v->getType()->getIntegerBitWidth();
  const unsigned toBits = dst->getIntegerBitWidth();
  if (fromBits == toBits) return {v.v, to};
  if (fromBits > toBits) return {b.CreateTrunc(v.v, dst), to};
  return {unsignedInt(v.dtype) ? b.CreateZExt(v.v, dst) : b.CreateSExt(v.v, dst), to};
}

llvm::Value *emitIntMax(Builder &b, ir::DType t, llvm::Value *a, llvm::Value *c) {
  MTC_CHECK(t != ir::DType::Float32) << "emitIntMax on float";
  return b.CreateBinaryIntrinsic(unsignedInt(t) ? llvm::Intrinsic::umax : llvm::Intrinsic::smax, a,
                                 c);
}

llvm::Value *emitIntMin(Builder &b, ir::DType t, llvm::Value *a, llvm::Value *c) {
  MTC_CHECK(t != ir::DType::Float32) << "emitIntMin on float";
  return b.CreateBinaryIntrinsic(unsignedInt(t) ? llvm::Intrinsic::umin : llvm::Intrinsic::smin, a,
                                 c);
}

llvm::Value *emitSaturateFromI64(Builder &b, llvm::Value *v64, ir::DType t) {
  llvm::Type *i64t = b.getInt64Ty();
  llvm::Value *r = smin(b, smax(b, v64, cI(b, i64t, ir::dtypeMin(t))), cI(b, i64t, ir::dtypeMax(t)));
  return b.CreateTrunc(r, elemType(b.getContext(), t));
}

llvm::Value *emitExtendToI64(Builder &b, TypedValue v) {
  MTC_CHECK(v.dtype != ir::DType::Float32) << "emitExtendToI64 on float";
  if (v.v->getType()->getIntegerBitWidth() == 64) return v.v;
  return unsignedInt(v.dtype) ? b.CreateZExt(v.v, b.getInt64Ty()) : b.CreateSExt(v.v, b.getInt64Ty());
}

llvm::Value *emitFixedPointMultiplyInt32(Builder &b, llvm::Value *x, llvm::Value *q,
                                         llvm::Value *shift, ir::Rounding r) {
  llvm::Type *i32 = b.getInt32Ty();
  shift = smin(b, smax(b, shift, cI(b, i32, -200)), cI(b, i32, 200));
  if (r == ir::Rounding::TFLite) return tfliteMultiply(b, x, q, shift);
  // |x * q| <= 2^62: the product is exact in i64.
  llvm::Value *p = b.CreateMul(b.CreateSExt(x, b.getInt64Ty()), b.CreateSExt(q, b.getInt64Ty()));
  llvm::Value *e = b.CreateSub(shift, cI(b, i32, 31));
  return saturateTo(b, singleRounding(b, p, e, r, 62, 32), 32);
}

llvm::Value *emitFixedPointMultiplyInt64(Builder &b, llvm::Value *t, llvm::Value *q,
                                         llvm::Value *shift, ir::Rounding r) {
  llvm::Type *i32 = b.getInt32Ty(), *i64t = b.getInt64Ty(), *i128 = b.getInt128Ty();
  shift = smin(b, smax(b, shift, cI(b, i32, -200)), cI(b, i32, 200));
  if (r == ir::Rounding::TFLite) {
    llvm::Value *t32 = saturateTo(b, t, 32);
    return b.CreateSExt(tfliteMultiply(b, t32, q, shift), i64t);
  }
  // |t * q| < 2^94: exact in i128.
  llvm::Value *p = b.CreateMul(b.CreateSExt(t, i128), b.CreateSExt(q, i128));
  llvm::Value *e = b.CreateSub(shift, cI(b, i32, 31));
  return saturateTo(b, singleRounding(b, p, e, r, 94, 64), 64);
}

} // namespace mtc::codegen
