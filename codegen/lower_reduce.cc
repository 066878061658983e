// mtc — exact accumulators, and the lowering of the reductions sum, max, min and mean.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/lower_reduce.h"

#include "codegen/epilogue.h"
#include "codegen/lower_arith.h"
#include "ir/check.h"
#include "ir/ops/attrs.h"

#include <llvm/IR/Intrinsics.h>

#include <cmath>
#include <limits>

namespace mtc::codegen {

namespace {
bool isFloat(ir::DType t) { return t == ir::DType::Float32; }
bool isUnsigned(ir::DType t) { return t == ir::DType::UInt8 || t == ir::DType::Bool; }
} // namespace

Accumulator::Accumulator(Kind kind, ir::DType dtype, int64_t maxTerms, bool poolInit)
    : kind_(kind), dtype_(dtype), poolInit_(poolInit) {
  if (kind == Kind::Mean && !isFloat(dtype)) {
    // Exact sum: maxTerms values of at most 2^(bits-1) in magnitude.
    const int bits = ir::dtypeBytes(dtype) * 8;
    const double bound = static_cast<double>(std::max<int64_t>(maxTerms, 1)) * std::ldexp(1.0, bits - 1);
    accBits_ = bound < std::ldexp(1.0, 62) ? 64 : 128;
  }
}

llvm::Type *Accumulator::type(Builder &b) const {
  if (isFloat(dtype_) && (kind_ == Kind::Sum || kind_ == Kind::Mean)) return b.getDoubleTy();
  if (kind_ == Kind::Mean) return b.getIntNTy(static_cast<unsigned>(accBits_));
  return elemType(b.getContext(), dtype_);
}

llvm::Value *Accumulator::init(Builder &b) const {
  llvm::Type *t = type(b);
  switch (kind_) {
  case Kind::Sum:
  case Kind::Mean: return llvm::Constant::getNullValue(t);
  case Kind::Max:
    if (isFloat(dtype_))
      return llvm::ConstantFP::get(t, poolInit_ ? -static_cast<double>(std::numeric_limits<float>::max())
                                                : -std::numeric_limits<double>::infinity());
    return constOf(b, dtype_, ir::dtypeMin(dtype_));
  case Kind::Min:
    if (isFloat(dtype_)) return llvm::ConstantFP::get(t, std::numeric_limits<double>::infinity());
    return constOf(b, dtype_, ir::dtypeMax(dtype_));
  }
  MTC_UNREACHABLE("bad accumulator");
}

llvm::Value *Accumulator::update(Builder &b, llvm::Value *acc, llvm::Value *x) const {
  switch (kind_) {
  case Kind::Sum:
    if (isFloat(dtype_)) return b.CreateFAdd(acc, b.CreateFPExt(x, b.getDoubleTy()));
    return b.CreateAdd(acc, x); // wraps in the dtype, as the evaluator's modular sum
  case Kind::Mean:
    if (isFloat(dtype_)) return b.CreateFAdd(acc, b.CreateFPExt(x, b.getDoubleTy()));
    return b.CreateAdd(acc, isUnsigned(dtype_) ? b.CreateZExt(x, acc->getType())
                                               : b.CreateSExt(x, acc->getType()));
  case Kind::Max:
  case Kind::Min: {
    const bool isMax = kind_ == Kind::Max;
    if (isFloat(dtype_)) {
      // keep = acc >= x (max) / acc <= x (min), or acc is NaN; else take x.
      llvm::Value *keep = isMax ? b.CreateFCmpOGE(acc, x) : b.CreateFCmpOLE(acc, x);
      keep = b.CreateOr(keep, b.CreateFCmpUNO(acc, acc));
      return b.CreateSelect(keep, acc, x);
    }
    return isMax ? emitIntMax(b, dtype_, acc, x) : emitIntMin(b, dtype_, acc, x);
  }
  }
  MTC_UNREACHABLE("bad accumulator");
}

TypedValue Accumulator::finish(Builder &b, llvm::Value *acc, llvm::Value *count) const {
  llvm::Type *t = elemType(b.getContext(), dtype_);
  if (kind_ == Kind::Max || kind_ == Kind::Min) return {acc, dtype_};
  if (isFloat(dtype_)) {
    llvm::Value *v = acc;
    if (kind_ == Kind::Mean) v = b.CreateFDiv(v, b.CreateSIToFP(count, b.getDoubleTy()));
    return {b.CreateFPTrunc(v, t), dtype_};
  }
  if (kind_ == Kind::Sum) return {acc, dtype_};
  // Truncation toward zero, like C++ division; the quotient lies in the dtype's range.
  llvm::Value *q = accBits_ == 128 ? sdiv128(b, acc, count)
                                   : b.CreateSDiv(acc, b.CreateSExt(count, acc->getType()));
  return {b.CreateTrunc(q, t), dtype_};
}

llvm::Value *Accumulator::sdiv128(Builder &b, llvm::Value *s, llvm::Value *c) {
  // A 128-bit division would be a call to libgcc's __divti3, which modules must not need (they
  // link against libc only). The divisor is an element count (< 2^47), so long division of the
  // magnitude in 16-bit digits keeps every partial dividend below 2^63: eight 64-bit divisions.
  llvm::Type *i128 = b.getInt128Ty(), *i64t = b.getInt64Ty();
  llvm::Value *neg = b.CreateICmpSLT(s, llvm::ConstantInt::get(i128, 0));
  llvm::Value *mag = b.CreateSelect(neg, b.CreateNeg(s), s);
  llvm::Value *rem = b.getInt64(0), *quot = llvm::ConstantInt::get(i128, 0);
  for (int digit = 7; digit >= 0; --digit) {
    llvm::Value *d = b.CreateAnd(b.CreateTrunc(b.CreateLShr(mag, 16 * digit), i64t), 0xffff);
    llvm::Value *cur = b.CreateOr(b.CreateShl(rem, 16), d);
    llvm::Value *qd = b.CreateUDiv(cur, c);
    rem = b.CreateSub(cur, b.CreateMul(qd, c));
    quot = b.CreateOr(quot, b.CreateShl(b.CreateZExt(qd, i128), 16 * digit));
  }
  return b.CreateSelect(neg, b.CreateNeg(quot), quot);
}

namespace {

void reduceAnchor(AnchorCtx &ctx, Accumulator::Kind kind) {
  Builder &b = ctx.b();
  const Buffer &in = ctx.inputs.at(0);
  const auto &a = ctx.call->attrsAs<ir::ReduceAttrs>();
  const int64_t rank = static_cast<int64_t>(in.shape.size());
  std::vector<bool> red(static_cast<size_t>(rank), a.axis.empty());
  for (int64_t ax : a.axis) red[static_cast<size_t>(ax < 0 ? ax + rank : ax)] = true;
  if (!a.axis.empty() && a.exclude) red.flip();
  ir::Shape keptShape, redShape;
  int64_t count = 1;
  for (int64_t d = 0; d < rank; ++d) {
    if (red[static_cast<size_t>(d)]) {
      redShape.push_back(in.shape[static_cast<size_t>(d)]);
      count *= in.shape[static_cast<size_t>(d)];
    } else {
      keptShape.push_back(in.shape[static_cast<size_t>(d)]);
    }
  }
  Accumulator acc(kind, in.dtype, count);
  const std::vector<int64_t> strides = [&] {
    std::vector<int64_t> s(static_cast<size_t>(rank));
    int64_t m = 1;
    for (int64_t d = rank; d-- > 0;) {
      s[static_cast<size_t>(d)] = m;
      m *= in.shape[static_cast<size_t>(d)];
    }
    return s;
  }();
  llvm::Value *slot = entryAlloca(b, acc.type(b), 1, "acc");
  // Reduced dims after every kept dim (a sum over NHWC channels) are one contiguous run per
  // output element. LLVM fully unrolls such a run of 16 to 127 elements before its vectorizer
  // sees it and leaves it scalar, so those get a flat loop marked for vectorization with two
  // interleaved accumulators (measured on the uint8 zero-point sums of bench/run_bench.py: 32
  // channels 0.034 -> 0.007 instructions per MAC; from 128 on, LLVM's own choice is better).
  // Integer accumulation is exact in any order; float accumulation is never reordered without
  // fast-math flags, so it stays in order.
  bool trailing = true;
  for (int64_t d = 1; d < rank; ++d)
    trailing = trailing && (red[static_cast<size_t>(d)] || !red[static_cast<size_t>(d - 1)]);
  const bool flatVector = trailing && count >= 16 && count < 128;
  // One output element per iteration of the kept dims; the reduced dims are walked inside in
  // row-major order, which is the evaluator's order for each output element.
  emitLoopNest(b, keptShape, [&](const std::vector<llvm::Value *> &kept, llvm::Value *outFlat) {
    b.CreateStore(acc.init(b), slot);
    if (flatVector) {
      llvm::Value *base = b.CreateMul(outFlat, i64(b, count));
      emitVectorizedLoop(b, count, [&](llvm::Value *r) {
        llvm::Value *cur = b.CreateLoad(acc.type(b), slot);
        b.CreateStore(acc.update(b, cur, ctx.read(0, b.CreateAdd(base, r)).v), slot);
      }, "r", 2);
    } else emitLoopNest(b, redShape, [&](const std::vector<llvm::Value *> &rd, llvm::Value *) {
      llvm::Value *flat = i64(b, 0);
      size_t ki = 0, ri = 0;
      for (int64_t d = 0; d < rank; ++d) {
        llvm::Value *v = red[static_cast<size_t>(d)] ? rd[ri++] : kept[ki++];
        flat = b.CreateAdd(flat, b.CreateMul(v, i64(b, strides[static_cast<size_t>(d)])));
      }
      llvm::Value *cur = b.CreateLoad(acc.type(b), slot);
      b.CreateStore(acc.update(b, cur, ctx.read(0, flat).v), slot);
    });
    TypedValue r = acc.finish(b, b.CreateLoad(acc.type(b), slot), i64(b, std::max<int64_t>(count, 1)));
    ctx.epilogue.applyAndStore(r, Index::fromFlat(ctx.epilogue.shape(), outFlat));
  });
}

OpLowering reduceLowering(Accumulator::Kind kind) {
  OpLowering l;
  l.anchorFn = [kind](AnchorCtx &ctx) { reduceAnchor(ctx, kind); };
  // A cast or other inline op before the reduction runs inside its loop (the zero-point sum
  // of a uint8 convolution reads the 8-bit input, not a materialised int32 copy).
  l.inlineArgs = true;
  return l;
}

} // namespace

void registerReduceLowerings(LoweringTable &t) {
  t.set("sum", reduceLowering(Accumulator::Kind::Sum));
  t.set("mean", reduceLowering(Accumulator::Kind::Mean));
  t.set("max", reduceLowering(Accumulator::Kind::Max));
  t.set("min", reduceLowering(Accumulator::Kind::Min));
}

} // namespace mtc::codegen
