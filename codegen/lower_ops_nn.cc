// mtc — lowering of nn.dense and the 2-D pools (window and global, NCHW and NHWC).
//
// NHWC pools keep one accumulator per channel in a stack row and walk the window taps outside
// the channel loop, so the channel loop is a plain vectorizable loop; each output element still
// sees its taps in the evaluator's (kh, kw) order.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/epilogue.h"
#include "codegen/lower_arith.h"
#include "codegen/lower_reduce.h"
#include "ir/check.h"
#include "ir/ops/attrs.h"

#include <llvm/IR/Intrinsics.h>

namespace mtc::codegen {

namespace {

using ir::DType;

// ---- nn.dense ------------------------------------------------------------------------------

// The integer product terms reduced modulo 2^width: the evaluator sums exactly in uint64 and
// wraps to out_dtype, and the low `width` bits of that sum only depend on the operands' low bits.
llvm::Value *toWidth(Builder &b, TypedValue v, unsigned width) {
  const unsigned bits = v.v->getType()->getIntegerBitWidth();
  llvm::Type *t = b.getIntNTy(width);
  if (bits == width) return v.v;
  if (bits > width) return b.CreateTrunc(v.v, t);
  const bool u = v.dtype == DType::UInt8 || v.dtype == DType::Bool;
  return u ? b.CreateZExt(v.v, t) : b.CreateSExt(v.v, t);
}

void denseAnchor(AnchorCtx &ctx) {
  Builder &b = ctx.b();
  const Buffer &x = ctx.inputs.at(0), &w = ctx.inputs.at(1);
  const int64_t k = x.shape.back(), n = w.shape[0];
  int64_t m = 1;
  for (size_t d = 0; d + 1 < x.shape.size(); ++d) m *= x.shape[d];
  const DType outDt = ctx.epilogue.accDType();
  const bool isFloat = x.dtype == DType::Float32;
  const unsigned width = outDt == DType::Int64 ? 64 : 32;
  llvm::Type *accTy = isFloat ? b.getDoubleTy() : b.getIntNTy(width);
  llvm::Value *slot = entryAlloca(b, accTy, 1, "acc");
  const ir::Shape outShape = ctx.epilogue.shape();
  emitLoop(b, 0, m, 1, [&](llvm::Value *i) {
    emitLoop(b, 0, n, 1, [&](llvm::Value *j) {
      b.CreateStore(llvm::Constant::getNullValue(accTy), slot);
      emitLoop(b, 0, k, 1, [&](llvm::Value *t) {
        TypedValue xv = loadElem(b, x, b.CreateAdd(b.CreateMul(i, i64(b, k)), t));
        TypedValue wv = loadElem(b, w, b.CreateAdd(b.CreateMul(j, i64(b, k)), t));
        llvm::Value *cur = b.CreateLoad(accTy, slot);
        llvm::Value *next;
        if (isFloat) {
          llvm::Value *p = b.CreateFMul(b.CreateFPExt(xv.v, accTy), b.CreateFPExt(wv.v, accTy));
          next = b.CreateFAdd(cur, p);
        } else {
          next = b.CreateAdd(cur, b.CreateMul(toWidth(b, xv, width), toWidth(b, wv, width)));
        }
        b.CreateStore(next, slot);
      }, "k");
      llvm::Value *acc = b.CreateLoad(accTy, slot);
      TypedValue r = isFloat ? TypedValue{b.CreateFPTrunc(acc, b.getFloatTy()), outDt}
                             : TypedValue{b.CreateTrunc(acc, elemType(b.getContext(), outDt)), outDt};
      ctx.epilogue.applyAndStore(
          r, Index::fromFlat(outShape, b.CreateAdd(b.CreateMul(i, i64(b, n)), j)));
    }, "n");
  }, "m");
}

// ---- pools ---------------------------------------------------------------------------------

struct PoolShape {
  int64_t batch, chans, ih, iw, oh, ow;
  int64_t kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight;
  bool nhwc, includePad;
};

PoolShape poolShape(const ir::CallNode *call, const Buffer &in, const ir::Shape &out) {
  PoolShape p{};
  const bool global = call->attrs && call->attrs->typeName() == "GlobalPool2DAttrs";
  p.nhwc = global ? call->attrsAs<ir::GlobalPool2DAttrs>().layout == "NHWC"
                  : call->attrsAs<ir::Pool2DAttrs>().layout == "NHWC";
  const int h = p.nhwc ? 1 : 2, w = p.nhwc ? 2 : 3, c = p.nhwc ? 3 : 1;
  p.batch = in.shape[0], p.chans = in.shape[c], p.ih = in.shape[h], p.iw = in.shape[w];
  p.oh = out[h], p.ow = out[w];
  p.sh = p.sw = p.dh = p.dw = 1;
  if (global) {
    p.kh = p.ih, p.kw = p.iw;
    return p;
  }
  const auto &a = call->attrsAs<ir::Pool2DAttrs>();
  p.kh = a.pool_size[0], p.kw = a.pool_size.back();
  p.sh = a.strides[0], p.sw = a.strides.back();
  p.dh = a.dilation[0], p.dw = a.dilation.back();
  auto pad = ir::pad4(a.padding);
  p.padTop = pad[0], p.padLeft = pad[1], p.padBottom = pad[2], p.padRight = pad[3];
  p.includePad = a.count_include_pad;
  return p;
}

// Taps i in [0, k) with start + i*d <= last (the evaluator's count_include_pad divisor).
llvm::Value *tapsUpTo(Builder &b, llvm::Value *start, int64_t k, int64_t d, int64_t last) {
  llvm::Value *span = b.CreateSub(i64(b, last), start);
  llvm::Value *n = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, i64(b, k),
                                           b.CreateAdd(b.CreateSDiv(span, i64(b, d)), i64(b, 1)));
  return b.CreateSelect(b.CreateICmpSGT(start, i64(b, last)), i64(b, 0), n);
}

// Emits one output pixel (n, y, x): for NHWC a row of `chans` elements, for NCHW one element
// of channel `c`. `inBase` is the flat offset of (n, 0, 0, 0) (+ c for NCHW).
void poolPixel(AnchorCtx &ctx, const PoolShape &p, const Accumulator &acc, llvm::Value *inBase,
               llvm::Value *y, llvm::Value *x, int64_t rowLen, int64_t rowStrideIn,
               const std::function<Index(llvm::Value *c)> &outIndex) {
  Builder &b = ctx.b();
  const Buffer &in = ctx.inputs.at(0);
  llvm::Value *row = entryAlloca(b, acc.type(b), rowLen, "row");
  llvm::Value *count = entryAlloca(b, b.getInt64Ty(), 1, "count");
  emitLoop(b, 0, rowLen, 1, [&](llvm::Value *c) {
    b.CreateStore(acc.init(b), b.CreateInBoundsGEP(acc.type(b), row, c));
  }, "c");
  b.CreateStore(i64(b, 0), count);
  llvm::Value *y0 = b.CreateSub(b.CreateMul(y, i64(b, p.sh)), i64(b, p.padTop));
  llvm::Value *x0 = b.CreateSub(b.CreateMul(x, i64(b, p.sw)), i64(b, p.padLeft));
  const int64_t hStride = p.nhwc ? p.iw * p.chans : p.iw, wStride = p.nhwc ? p.chans : 1;
  emitLoop(b, 0, p.kh, 1, [&](llvm::Value *i) {
    llvm::Value *yy = b.CreateAdd(y0, b.CreateMul(i, i64(b, p.dh)));
    emitIf(b, b.CreateICmpULT(yy, i64(b, p.ih)), [&] {
      emitLoop(b, 0, p.kw, 1, [&](llvm::Value *j) {
        llvm::Value *xx = b.CreateAdd(x0, b.CreateMul(j, i64(b, p.dw)));
        emitIf(b, b.CreateICmpULT(xx, i64(b, p.iw)), [&] {
          llvm::Value *base = b.CreateAdd(inBase, b.CreateAdd(b.CreateMul(yy, i64(b, hStride)),
                                                              b.CreateMul(xx, i64(b, wStride))));
          emitLoop(b, 0, rowLen, 1, [&](llvm::Value *c) {
            llvm::Value *ptr = b.CreateInBoundsGEP(acc.type(b), row, c);
            llvm::Value *v = loadElem(b, in, b.CreateAdd(base, b.CreateMul(c, i64(b, rowStrideIn)))).v;
            b.CreateStore(acc.update(b, b.CreateLoad(acc.type(b), ptr), v), ptr);
          }, "c");
          b.CreateStore(b.CreateAdd(b.CreateLoad(b.getInt64Ty(), count), i64(b, 1)), count);
        });
      }, "kw");
    });
  }, "kh");
  llvm::Value *divisor = b.CreateLoad(b.getInt64Ty(), count);
  if (p.includePad)
    divisor = b.CreateMul(tapsUpTo(b, y0, p.kh, p.dh, p.ih + p.padBottom - 1),
                          tapsUpTo(b, x0, p.kw, p.dw, p.iw + p.padRight - 1));
  divisor = b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, divisor, i64(b, 1));
  emitLoop(b, 0, rowLen, 1, [&](llvm::Value *c) {
    llvm::Value *a = b.CreateLoad(acc.type(b), b.CreateInBoundsGEP(acc.type(b), row, c));
    ctx.epilogue.applyAndStore(acc.finish(b, a, divisor), outIndex(c));
  }, "c");
}

void poolAnchor(AnchorCtx &ctx, bool isMax) {
  Builder &b = ctx.b();
  const Buffer &in = ctx.inputs.at(0);
  const ir::Shape &out = ctx.epilogue.shape();
  const PoolShape p = poolShape(ctx.call, in, out);
  Accumulator acc(isMax ? Accumulator::Kind::Max : Accumulator::Kind::Mean, in.dtype,
                  p.kh * p.kw, /*poolInit=*/true);
  const int64_t inImage = p.ih * p.iw * p.chans;
  // A row of channels stays on the stack only while it is small; huge channel counts fall
  // back to one channel at a time.
  const bool rows = p.nhwc && p.chans * 16 <= 64 * 1024;
  emitLoop(b, 0, p.batch, 1, [&](llvm::Value *n) {
    llvm::Value *imgBase = b.CreateMul(n, i64(b, inImage));
    if (rows) {
      emitLoop(b, 0, p.oh, 1, [&](llvm::Value *y) {
        emitLoop(b, 0, p.ow, 1, [&](llvm::Value *x) {
          poolPixel(ctx, p, acc, imgBase, y, x, p.chans, 1, [&](llvm::Value *c) {
            return Index::fromDims(out, {n, y, x, c});
          });
        }, "ow");
      }, "oh");
      return;
    }
    emitLoop(b, 0, p.chans, 1, [&](llvm::Value *c) {
      llvm::Value *base = b.CreateAdd(imgBase, p.nhwc ? c : b.CreateMul(c, i64(b, p.ih * p.iw)));
      emitLoop(b, 0, p.oh, 1, [&](llvm::Value *y) {
        emitLoop(b, 0, p.ow, 1, [&](llvm::Value *x) {
          poolPixel(ctx, p, acc, base, y, x, 1, 1, [&](llvm::Value *) {
            return p.nhwc ? Index::fromDims(out, {n, y, x, c}) : Index::fromDims(out, {n, c, y, x});
          });
        }, "ow");
      }, "oh");
    }, "ch");
  }, "n");
}

OpLowering anchor(OpLowering::AnchorFn f, const char *impl) {
  OpLowering l;
  l.anchorFn = std::move(f);
  l.implName = [impl](const ir::CallNode *, const passes::Target &) { return std::string(impl); };
  return l;
}

} // namespace

void registerNnLowerings(LoweringTable &t) {
  t.set("nn.dense", anchor(denseAnchor, "generic"));
  t.set("nn.max_pool2d", anchor([](AnchorCtx &c) { poolAnchor(c, true); }, "generic"));
  t.set("nn.avg_pool2d", anchor([](AnchorCtx &c) { poolAnchor(c, false); }, "generic"));
  t.set("nn.global_max_pool2d", anchor([](AnchorCtx &c) { poolAnchor(c, true); }, "generic"));
  t.set("nn.global_avg_pool2d", anchor([](AnchorCtx &c) { poolAnchor(c, false); }, "generic"));
  registerReduceLowerings(t);
}

} // namespace mtc::codegen
