// mtc — direct (non-GEMM) convolution: nn.conv2d in every layout the op accepts (NCHW/NHWC data,
// OIHW/HWIO/HWOI/OHWI kernels, groups, depthwise, dilation, asymmetric padding), and the same
// loops over a GEMM-packed kernel for nn.contrib_conv2d_gemm_without_weight_transform when no
// dedicated GEMM lowering (codegen/gemm_conv.cc) replaces it.
//
// Loop order: the output's contiguous dim is innermost (output channels for NHWC, output
// columns for NCHW) and accumulates into a stack row, so that loop is a plain vectorizable loop.
// Every output element still sums its taps in the evaluator's (kh, kw, c) order, which keeps
// float32 results bit-exact; integer sums wrap exactly like the evaluator's modular sum.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/epilogue.h"
#include "codegen/lower_arith.h"
#include "ir/check.h"
#include "ir/ops/attrs.h"
#include "ir/ops/conv.h"
#include "passes/strategy.h"

#include <llvm/IR/Intrinsics.h>

namespace mtc::codegen {

namespace {

using ir::DType;

/// Flat position of weight element (output channel, in-group input channel, kh, kw).
using WeightAddr = std::function<llvm::Value *(Builder &, llvm::Value *o, llvm::Value *i,
                                               llvm::Value *kh, llvm::Value *kw)>;

// Integer products modulo 2^width (see denseAnchor): operands extended by their own
// signedness or truncated.
llvm::Value *toWidth(Builder &b, TypedValue v, unsigned width) {
  const unsigned bits = v.v->getType()->getIntegerBitWidth();
  llvm::Type *t = b.getIntNTy(width);
  if (bits == width) return v.v;
  if (bits > width) return b.CreateTrunc(v.v, t);
  const bool u = v.dtype == DType::UInt8 || v.dtype == DType::Bool;
  return u ? b.CreateZExt(v.v, t) : b.CreateSExt(v.v, t);
}

struct ConvEmitter {
  AnchorCtx &ctx;
  const ir::Conv2DGeometry &g;
  WeightAddr waddr;
  bool isFloat;
  unsigned width;
  llvm::Type *accTy;

  Builder &b() { return ctx.b(); }
  const Buffer &x() { return ctx.inputs.at(0); }
  const Buffer &w() { return ctx.inputs.at(1); }

  llvm::Value *mac(llvm::Value *acc, TypedValue xv, TypedValue wv) {
    if (isFloat)
      return b().CreateFAdd(acc, b().CreateFMul(b().CreateFPExt(xv.v, accTy),
                                                b().CreateFPExt(wv.v, accTy)));
    return b().CreateAdd(acc, b().CreateMul(toWidth(b(), xv, width), toWidth(b(), wv, width)));
  }

  TypedValue finish(llvm::Value *acc) {
    const DType out = ctx.epilogue.accDType();
    if (isFloat) return {b().CreateFPTrunc(acc, b().getFloatTy()), out};
    return {b().CreateTrunc(acc, elemType(b().getContext(), out)), out};
  }

  llvm::Value *dataFlat(llvm::Value *n, llvm::Value *c, llvm::Value *h, llvm::Value *w) {
    const int64_t sC = g.dataNHWC ? 1 : g.inH * g.inW;
    const int64_t sH = g.dataNHWC ? g.inW * g.inC : g.inW;
    const int64_t sW = g.dataNHWC ? g.inC : 1;
    Builder &bb = b();
    llvm::Value *f = bb.CreateMul(n, i64(bb, g.inH * g.inW * g.inC));
    f = bb.CreateAdd(f, bb.CreateMul(c, i64(bb, sC)));
    f = bb.CreateAdd(f, bb.CreateMul(h, i64(bb, sH)));
    return bb.CreateAdd(f, bb.CreateMul(w, i64(bb, sW)));
  }

  // Input channel of in-group channel i for output channel o.
  llvm::Value *inChannel(llvm::Value *o, llvm::Value *i) {
    Builder &bb = b();
    if (g.groups == 1) return i;
    llvm::Value *grp = g.outCPerGroup == 1 ? o : bb.CreateUDiv(o, i64(bb, g.outCPerGroup));
    return bb.CreateAdd(bb.CreateMul(grp, i64(bb, g.inCPerGroup)), i);
  }

  Index outIndex(llvm::Value *n, llvm::Value *o, llvm::Value *y, llvm::Value *xw) {
    const ir::Shape &s = ctx.epilogue.shape();
    return g.outNHWC ? Index::fromDims(s, {n, y, xw, o}) : Index::fromDims(s, {n, o, y, xw});
  }

  llvm::Value *inRow(llvm::Value *y, llvm::Value *kh) {
    return b().CreateAdd(b().CreateSub(b().CreateMul(y, i64(b(), g.strideH)), i64(b(), g.padTop)),
                         b().CreateMul(kh, i64(b(), g.dilationH)));
  }

  // NHWC output: one row of all output channels per pixel.
  void channelRows() {
    Builder &bb = b();
    llvm::Value *row = entryAlloca(bb, accTy, g.outC, "row");
    emitLoop(bb, 0, g.batch, 1, [&](llvm::Value *n) {
      emitLoop(bb, 0, g.outH, 1, [&](llvm::Value *y) {
        emitLoop(bb, 0, g.outW, 1, [&](llvm::Value *xo) {
          emitLoop(bb, 0, g.outC, 1, [&](llvm::Value *o) {
            bb.CreateStore(llvm::Constant::getNullValue(accTy), bb.CreateInBoundsGEP(accTy, row, o));
          }, "oc");
          emitLoop(bb, 0, g.kH, 1, [&](llvm::Value *kh) {
            llvm::Value *ih = inRow(y, kh);
            emitIf(bb, bb.CreateICmpULT(ih, i64(bb, g.inH)), [&] {
              emitLoop(bb, 0, g.kW, 1, [&](llvm::Value *kw) {
                llvm::Value *iw = bb.CreateAdd(
                    bb.CreateSub(bb.CreateMul(xo, i64(bb, g.strideW)), i64(bb, g.padLeft)),
                    bb.CreateMul(kw, i64(bb, g.dilationW)));
                emitIf(bb, bb.CreateICmpULT(iw, i64(bb, g.inW)), [&] {
                  emitLoop(bb, 0, g.inCPerGroup, 1, [&](llvm::Value *i) {
                    emitLoop(bb, 0, g.outC, 1, [&](llvm::Value *o) {
                      TypedValue xv = loadElem(bb, x(), dataFlat(n, inChannel(o, i), ih, iw));
                      TypedValue wv = loadElem(bb, w(), waddr(bb, o, i, kh, kw));
                      llvm::Value *p = bb.CreateInBoundsGEP(accTy, row, o);
                      bb.CreateStore(mac(bb.CreateLoad(accTy, p), xv, wv), p);
                    }, "oc");
                  }, "ic");
                });
              }, "kw");
            });
          }, "kh");
          emitLoop(bb, 0, g.outC, 1, [&](llvm::Value *o) {
            llvm::Value *acc = bb.CreateLoad(accTy, bb.CreateInBoundsGEP(accTy, row, o));
            ctx.epilogue.applyAndStore(finish(acc), outIndex(n, o, y, xo));
          }, "oc");
        }, "ow");
      }, "oh");
    }, "n");
  }

  // NCHW output: one row of all output columns per (n, o, y); the valid columns of each kw are
  // known at compile time, so the column loop has no bounds checks.
  void columnRows() {
    Builder &bb = b();
    llvm::Value *row = entryAlloca(bb, accTy, g.outW, "row");
    emitLoop(bb, 0, g.batch, 1, [&](llvm::Value *n) {
      emitLoop(bb, 0, g.outC, 1, [&](llvm::Value *o) {
        emitLoop(bb, 0, g.outH, 1, [&](llvm::Value *y) {
          emitLoop(bb, 0, g.outW, 1, [&](llvm::Value *xo) {
            bb.CreateStore(llvm::Constant::getNullValue(accTy), bb.CreateInBoundsGEP(accTy, row, xo));
          }, "ow");
          emitLoop(bb, 0, g.kH, 1, [&](llvm::Value *kh) {
            llvm::Value *ih = inRow(y, kh);
            emitIf(bb, bb.CreateICmpULT(ih, i64(bb, g.inH)), [&] {
              emitLoop(bb, 0, g.kW, 1, [&](llvm::Value *kw) {
                // Columns xo with 0 <= xo*sw + off < IW, off = kw*dw - pl.
                llvm::Value *off = bb.CreateSub(bb.CreateMul(kw, i64(bb, g.dilationW)),
                                                i64(bb, g.padLeft));
                llvm::Value *neg = bb.CreateSub(i64(bb, 0), off);
                llvm::Value *lo = bb.CreateSelect(
                    bb.CreateICmpSGE(off, i64(bb, 0)), i64(bb, 0),
                    bb.CreateSDiv(bb.CreateAdd(neg, i64(bb, g.strideW - 1)), i64(bb, g.strideW)));
                llvm::Value *last = bb.CreateSub(i64(bb, g.inW - 1), off);
                llvm::Value *hi = bb.CreateSelect(
                    bb.CreateICmpSLT(last, i64(bb, 0)), i64(bb, 0),
                    bb.CreateAdd(bb.CreateSDiv(last, i64(bb, g.strideW)), i64(bb, 1)));
                hi = bb.CreateBinaryIntrinsic(llvm::Intrinsic::smin, hi, i64(bb, g.outW));
                emitLoop(bb, 0, g.inCPerGroup, 1, [&](llvm::Value *i) {
                  TypedValue wv = loadElem(bb, w(), waddr(bb, o, i, kh, kw));
                  llvm::Value *c = inChannel(o, i);
                  emitLoopDyn(bb, lo, hi, 1, [&](llvm::Value *xo) {
                    llvm::Value *iw = bb.CreateAdd(bb.CreateMul(xo, i64(bb, g.strideW)), off);
                    TypedValue xv = loadElem(bb, x(), dataFlat(n, c, ih, iw));
                    llvm::Value *p = bb.CreateInBoundsGEP(accTy, row, xo);
                    bb.CreateStore(mac(bb.CreateLoad(accTy, p), xv, wv), p);
                  }, "ow");
                }, "ic");
              }, "kw");
            });
          }, "kh");
          emitLoop(bb, 0, g.outW, 1, [&](llvm::Value *xo) {
            llvm::Value *acc = bb.CreateLoad(accTy, bb.CreateInBoundsGEP(accTy, row, xo));
            ctx.epilogue.applyAndStore(finish(acc), outIndex(n, o, y, xo));
          }, "ow");
        }, "oh");
      }, "oc");
    }, "n");
  }

  // One output element at a time with a scalar accumulator: for outputs whose contiguous dim
  // is too long for a stack row.
  void elements() {
    Builder &bb = b();
    llvm::Value *slot = entryAlloca(bb, accTy, 1, "acc");
    const ir::Shape &s = ctx.epilogue.shape();
    emitLoopNest(bb, s, [&](const std::vector<llvm::Value *> &ivs, llvm::Value *flat) {
      llvm::Value *n = ivs[0];
      llvm::Value *o = g.outNHWC ? ivs[3] : ivs[1];
      llvm::Value *y = g.outNHWC ? ivs[1] : ivs[2];
      llvm::Value *xo = g.outNHWC ? ivs[2] : ivs[3];
      bb.CreateStore(llvm::Constant::getNullValue(accTy), slot);
      emitLoop(bb, 0, g.kH, 1, [&](llvm::Value *kh) {
        llvm::Value *ih = inRow(y, kh);
        emitIf(bb, bb.CreateICmpULT(ih, i64(bb, g.inH)), [&] {
          emitLoop(bb, 0, g.kW, 1, [&](llvm::Value *kw) {
            llvm::Value *iw = bb.CreateAdd(
                bb.CreateSub(bb.CreateMul(xo, i64(bb, g.strideW)), i64(bb, g.padLeft)),
                bb.CreateMul(kw, i64(bb, g.dilationW)));
            emitIf(bb, bb.CreateICmpULT(iw, i64(bb, g.inW)), [&] {
              emitLoop(bb, 0, g.inCPerGroup, 1, [&](llvm::Value *i) {
                TypedValue xv = loadElem(bb, x(), dataFlat(n, inChannel(o, i), ih, iw));
                TypedValue wv = loadElem(bb, w(), waddr(bb, o, i, kh, kw));
                bb.CreateStore(mac(bb.CreateLoad(accTy, slot), xv, wv), slot);
              }, "ic");
            });
          }, "kw");
        });
      }, "kh");
      ctx.epilogue.applyAndStore(finish(bb.CreateLoad(accTy, slot)),
                                 Index::fromBoth(s, ivs, flat));
    });
  }

  void emit() {
    const int64_t rowLen = g.outNHWC ? g.outC : g.outW;
    const int64_t accBytes = isFloat ? 8 : width / 8;
    // Rows live on the stack: up to 64 KiB, which covers every layer of common CNNs.
    if (rowLen * accBytes > (int64_t(64) << 10)) elements();
    else if (g.outNHWC) channelRows();
    else columnRows();
  }
};

void convAnchor(AnchorCtx &ctx, const ir::Conv2DGeometry &g, WeightAddr waddr) {
  const bool isFloat = ctx.inputs.at(0).dtype == DType::Float32;
  const unsigned width = ctx.epilogue.accDType() == DType::Int64 ? 64 : 32;
  Builder &b = ctx.b();
  llvm::Type *accTy = isFloat ? static_cast<llvm::Type *>(b.getDoubleTy()) : b.getIntNTy(width);
  ConvEmitter e{ctx, g, std::move(waddr), isFloat, width, accTy};
  e.emit();
}

void conv2dAnchor(AnchorCtx &ctx) {
  const auto &a = ctx.call->attrsAs<ir::Conv2DAttrs>();
  ir::Conv2DGeometry g =
      ir::conv2dGeometryOf("nn.conv2d", a, ctx.inputs.at(0).shape, ctx.inputs.at(1).shape);
  convAnchor(ctx, g, [g](Builder &b, llvm::Value *o, llvm::Value *i, llvm::Value *kh,
                         llvm::Value *kw) {
    llvm::Value *f = b.CreateMul(o, i64(b, g.wStrideO));
    f = b.CreateAdd(f, b.CreateMul(i, i64(b, g.wStrideI)));
    f = b.CreateAdd(f, b.CreateMul(kh, i64(b, g.wStrideH)));
    return b.CreateAdd(f, b.CreateMul(kw, i64(b, g.wStrideW)));
  });
}

// The packed kernel B'[nb, kb, ni, ki] holds W[kh, kw, c, o] at k = (kh*KW + kw)*IC + c,
// o = nb*tileN + ni, k = kb*tileK + ki (ir::packGemmWeight).
void gemmConvDirectAnchor(AnchorCtx &ctx) {
  const auto &a = ctx.call->attrsAs<ir::Conv2DAttrs>();
  const ir::Shape &data = ctx.inputs.at(0).shape, &packed = ctx.inputs.at(1).shape;
  const ir::Shape virt{a.kernel_size[0], a.kernel_size[1], data[3], a.channels};
  ir::Conv2DGeometry g = ir::conv2dGeometryOf(
      "nn.contrib_conv2d_gemm_without_weight_transform", a, data, virt);
  const int64_t kBlocks = packed[1], tileN = packed[2], tileK = packed[3];
  convAnchor(ctx, g, [=](Builder &b, llvm::Value *o, llvm::Value *c, llvm::Value *kh,
                         llvm::Value *kw) {
    llvm::Value *k = b.CreateAdd(
        b.CreateMul(b.CreateAdd(b.CreateMul(kh, i64(b, g.kW)), kw), i64(b, g.inC)), c);
    llvm::Value *nb = b.CreateUDiv(o, i64(b, tileN)), *ni = b.CreateURem(o, i64(b, tileN));
    llvm::Value *kb = b.CreateUDiv(k, i64(b, tileK)), *ki = b.CreateURem(k, i64(b, tileK));
    llvm::Value *f = b.CreateAdd(b.CreateMul(nb, i64(b, kBlocks)), kb);
    f = b.CreateAdd(b.CreateMul(f, i64(b, tileN)), ni);
    return b.CreateAdd(b.CreateMul(f, i64(b, tileK)), ki);
  });
}

std::string conv2dImpl(const ir::CallNode *call, const passes::Target &) {
  const auto &a = call->attrsAs<ir::Conv2DAttrs>();
  std::string layout = a.data_layout + "/" + a.kernel_layout;
  if (a.groups > 1) layout += ", groups " + std::to_string(a.groups);
  return passes::ConvImpl{}.name() + " (direct, " + layout + ")";
}

std::string gemmConvDirectImpl(const ir::CallNode *call, const passes::Target &target) {
  const auto &a = call->attrsAs<ir::Conv2DAttrs>();
  passes::ConvImpl impl = passes::selectConvImpl(target, a, dtypeOf(call->args[0]),
                                                 dtypeOf(call->args[1]));
  return passes::ConvImpl{}.name() + " (direct loops over the packed kernel; " + impl.name() +
         " micro-kernel not available)";
}

// Output elements x taps per output element (KH·KW·IC/groups), padded taps included.
int64_t macsOf(const ir::Conv2DGeometry &g) {
  return g.batch * g.outH * g.outW * g.outC * g.kH * g.kW * g.inCPerGroup;
}

} // namespace

void registerConvLowerings(LoweringTable &t) {
  OpLowering conv;
  conv.anchorFn = conv2dAnchor;
  conv.implName = conv2dImpl;
  conv.macs = [](const ir::CallNode *call) {
    return macsOf(ir::conv2dGeometryOf("nn.conv2d", call->attrsAs<ir::Conv2DAttrs>(),
                                       shapeOf(call->args[0]), shapeOf(call->args[1])));
  };
  t.set("nn.conv2d", conv);
  OpLowering gemm;
  gemm.anchorFn = gemmConvDirectAnchor;
  gemm.implName = gemmConvDirectImpl;
  gemm.macs = [](const ir::CallNode *call) {
    const auto &a = call->attrsAs<ir::Conv2DAttrs>();
    const ir::Shape &data = shapeOf(call->args[0]);
    const ir::Shape virt{a.kernel_size[0], a.kernel_size[1], data[3], a.channels};
    return macsOf(ir::conv2dGeometryOf("nn.contrib_conv2d_gemm_without_weight_transform", a,
                                       data, virt));
  };
  t.set("nn.contrib_conv2d_gemm_without_weight_transform", gemm);
}

} // namespace mtc::codegen
