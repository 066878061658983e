// mtc — the GEMM convolution on AArch64: per batch image and row block of tileM output pixels,
// pack the A panel (gemm_conv_pack.cc), then per column block of tileN output channels call the
// micro-kernel into a tileM x tileN int32 tile on the stack and hand each valid element of the
// tile to the fused epilogue, which stores the final (usually 8-bit) value. The int32 result of
// the layer is never stored as a whole. The A panel and the row buffer, whose size grows with
// K, are workspace scratch (OpLowering::scratchBytes), so the stack use does not depend on K.
//
// Every loop bound is a compile-time constant: full row/column blocks run in loops and the
// partial last block of each dimension gets its own copy of the code, so the epilogue loops
// have constant trip counts and no bounds checks.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/gemm_conv.h"

#include "codegen/aarch64/ukernel_emit.h"
#include "codegen/aarch64/vector_epilogue.h"
#include "codegen/epilogue.h"
#include "ir/check.h"
#include "ir/ops/attrs.h"
#include "passes/strategy.h"

#include <llvm/IR/GlobalVariable.h>
#include <llvm/IR/Metadata.h>

namespace mtc::codegen {

namespace {

using ir::DType;

constexpr const char *kGemmConvOp = "nn.contrib_conv2d_gemm_without_weight_transform";

// The kernel's int32 sums are exact modulo 2^32; an int64 result needs the exact sum, which
// the kernels guarantee while |C| < 2^31 (ukernels.h).
int64_t exactKLimit(DType t) { return t == DType::Int8 ? 131071 : 33025; }

const aarch64::UKernel *chooseKernel(const ir::CallNode *call, const passes::Target &target,
                                     DType dtype, int64_t tileN, int64_t tileK) {
  auto fits = [&](const aarch64::UKernel *k) {
    return k && k->dtype == dtype && k->tileN == tileN && k->tileK == tileK &&
           aarch64::ukernelSupported(*k, target);
  };
  // The strategy's kernel first (it chose the packing), then any kernel the weights fit.
  passes::ConvImpl impl =
      passes::selectConvImpl(target, call->attrsAs<ir::Conv2DAttrs>(), dtype, dtype);
  if (impl.isGemm())
    if (const aarch64::UKernel *k = aarch64::findUKernel(impl.kind, dtype); fits(k)) return k;
  for (const aarch64::UKernel &k : aarch64::ukernelTable())
    if (fits(&k)) return &k;
  return nullptr;
}

struct GemmEmitter {
  AnchorCtx &ctx;
  const GemmConvPlan &p;
  const aarch64::UKernel &uk;
  llvm::Value *panel = nullptr, *tile = nullptr, *rowBuf = nullptr, *padRow = nullptr;
  llvm::Function *packFull = nullptr, *packTail = nullptr;
  /// The epilogue in NEON vector form when every fused op has one (else the scalar loop).
  std::optional<aarch64::VectorEpilogue> vec = aarch64::VectorEpilogue::plan(ctx.epilogue);

  Builder &b() { return ctx.b(); }

  TypedValue finish(llvm::Value *acc) {
    const DType out = ctx.epilogue.accDType();
    switch (out) {
    case DType::Int32: return {acc, out};
    case DType::Int64: return {b().CreateSExt(acc, b().getInt64Ty()), out};
    default: return {b().CreateTrunc(acc, elemType(b().getContext(), out)), out};
    }
  }

  // Epilogue over the valid rows x cols of the tile whose element (0, 0) is output (m0, n0).
  void epilogueTile(llvm::Value *batch, llvm::Value *m0, int64_t rows, llvm::Value *n0,
                    int64_t cols) {
    Builder &bb = b();
    const ir::Shape &shape = ctx.epilogue.shape();
    emitLoop(bb, 0, rows, 1, [&](llvm::Value *mi) {
      llvm::Value *m = bb.CreateAdd(m0, mi);
      llvm::Value *oh = bb.CreateUDiv(m, i64(bb, p.g.outW));
      llvm::Value *ow = bb.CreateURem(m, i64(bb, p.g.outW));
      llvm::Value *rowFlat = bb.CreateAdd(
          bb.CreateMul(bb.CreateAdd(bb.CreateMul(batch, i64(bb, p.m)), m), i64(bb, p.n)), n0);
      llvm::Value *accRow = bb.CreateInBoundsGEP(bb.getInt32Ty(), tile,
                                                 bb.CreateMul(mi, i64(bb, uk.tileN)));
      if (vec) {
        const Buffer &out = ctx.epilogue.output();
        vec->emitRow(bb, accRow, Index::fromBoth(shape, {batch, oh, ow, n0}, rowFlat), n0, cols,
                     bb.CreateInBoundsGEP(elemType(bb.getContext(), out.dtype), out.ptr, rowFlat));
        return;
      }
      emitVectorizedLoop(bb, cols, [&](llvm::Value *ni) {
        llvm::Value *acc = bb.CreateAlignedLoad(
            bb.getInt32Ty(), bb.CreateInBoundsGEP(bb.getInt32Ty(), accRow, ni), llvm::Align(4));
        Index idx = Index::fromBoth(shape, {batch, oh, ow, bb.CreateAdd(n0, ni)},
                                    bb.CreateAdd(rowFlat, ni));
        ctx.epilogue.applyAndStore(finish(acc), idx);
      }, "tn");
    }, "tm");
  }

  void columnBlock(llvm::Value *batch, llvm::Value *m0, int64_t rows, llvm::Value *nb,
                   int64_t cols) {
    Builder &bb = b();
    const int64_t panelStride = p.kBlocks * uk.tileN * uk.tileK;
    llvm::Value *bPanel = bb.CreateInBoundsGEP(bb.getInt8Ty(), ctx.inputs.at(1).ptr,
                                               bb.CreateMul(nb, i64(bb, panelStride)));
    // A partial block runs a tail kernel: it reads the same panels and writes only its own
    // corner of the tile.
    const aarch64::UKernel &k = p.kernelFor(rows, cols);
    aarch64::emitUKernelCall(bb, k, panel, bPanel, tile, i64(bb, p.kBlocks), i64(bb, uk.tileN));
    epilogueTile(batch, m0, rows, bb.CreateMul(nb, i64(bb, uk.tileN)), cols);
  }

  // The packing of one row block of `rows` rows, as its own internal function
  // `<kernel>.pack` (`.pack.tail` for the partial last block). It runs once per row block, so
  // the call costs nothing measurable, and profiles (bench/run_bench.py's phase split) see
  // packing, micro-kernel and epilogue as separate address ranges.
  llvm::Function *packFunction(int64_t rows) {
    llvm::Function *&fn = rows == uk.tileM ? packFull : packTail;
    if (fn) return fn;
    Builder &bb = b();
    llvm::Function *parent = bb.GetInsertBlock()->getParent();
    llvm::LLVMContext &c = bb.getContext();
    llvm::Type *ptr = llvm::PointerType::get(c, 0), *i64t = bb.getInt64Ty();
    auto *fty = llvm::FunctionType::get(bb.getVoidTy(), {ptr, i64t, i64t, ptr, ptr}, false);
    fn = llvm::Function::Create(fty, llvm::GlobalValue::InternalLinkage,
                                parent->getName() + (rows == uk.tileM ? ".pack" : ".pack.tail"),
                                parent->getParent());
    fn->addFnAttr(llvm::Attribute::NoUnwind);
    fn->addFnAttr(llvm::Attribute::NoInline);
    fn->addParamAttr(0, llvm::Attribute::NoAlias);
    fn->addParamAttr(3, llvm::Attribute::NoAlias);
    fn->addParamAttr(4, llvm::Attribute::NoAlias);
    Builder fb(llvm::BasicBlock::Create(c, "entry", fn));
    Buffer data = ctx.inputs.at(0);
    data.ptr = fn->getArg(0);
    llvm::Value *fpanel = fn->getArg(3);
    // A partial block leaves rows of the panel unwritten; the kernel still reads them.
    if (rows < uk.tileM && p.packing == GemmPacking::Rows)
      fb.CreateMemSet(fpanel, fb.getInt8(0), static_cast<uint64_t>(p.panelBytes()), llvm::Align(64));
    emitGemmPackPanel(fb, p, data, fn->getArg(1), fn->getArg(2), rows, fpanel, padRow,
                      rowBuf ? static_cast<llvm::Value *>(fn->getArg(4)) : nullptr);
    fb.CreateRetVoid();
    return fn;
  }

  void rowBlock(llvm::Value *batch, llvm::Value *m0, int64_t rows) {
    Builder &bb = b();
    llvm::Value *row = rowBuf ? rowBuf : llvm::ConstantPointerNull::get(bb.getPtrTy());
    bb.CreateCall(packFunction(rows), {ctx.inputs.at(0).ptr, batch, m0, panel, row});
    emitLoop(bb, 0, p.nFull, 1, [&](llvm::Value *nb) { columnBlock(batch, m0, rows, nb, uk.tileN); },
             "nb");
    if (p.nRem) columnBlock(batch, m0, rows, i64(bb, p.nFull), p.nRem);
  }

  void emit() {
    Builder &bb = b();
    MTC_CHECK(ctx.scratch) << "the GEMM convolution's scratch memory is missing";
    panel = ctx.scratch;
    tile = entryAlloca(bb, bb.getInt32Ty(), int64_t(uk.tileM) * uk.tileN, "c.tile");
    // Padded taps read this row: IC bytes of the op's pad_value (0 unless AlterOpLayout folded
    // an explicit nn.pad with the data zero point into the convolution).
    ir::Tensor padBytes = ir::Tensor::zeros({p.g.inC}, DType::UInt8);
    const int64_t padValue = ctx.call->attrsAs<ir::Conv2DAttrs>().pad_value;
    for (int64_t i = 0; padValue && i < p.g.inC; ++i) padBytes.setInt(i, padValue & 0xff);
    padRow = ctx.env.constants.get(padBytes);
    if (p.packing == GemmPacking::Rows) {
      // Bytes past K are never written by the row builder and must read as zero; the scratch
      // may hold anything from another kernel.
      const int64_t kPad = p.kBlocks * uk.tileK;
      rowBuf = bb.CreateInBoundsGEP(bb.getInt8Ty(), ctx.scratch, i64(bb, p.rowBufOffset()),
                                    "a.row");
      bb.CreateMemSet(rowBuf, bb.getInt8(0), static_cast<uint64_t>(kPad), llvm::Align(64));
    }
    emitLoop(bb, 0, p.g.batch, 1, [&](llvm::Value *batch) {
      emitLoop(bb, 0, p.mFull, 1, [&](llvm::Value *mb) {
        rowBlock(batch, bb.CreateMul(mb, i64(bb, uk.tileM)), uk.tileM);
      }, "mb");
      if (p.mRem) rowBlock(batch, i64(bb, p.mFull * uk.tileM), p.mRem);
    }, "batch");
  }
};

} // namespace

int64_t GemmConvPlan::panelBytes() const {
  return int64_t(kernel->tileM) * kBlocks * kernel->tileK;
}

int64_t GemmConvPlan::rowBufOffset() const { return (panelBytes() + 63) / 64 * 64; }

int64_t GemmConvPlan::scratchBytes() const {
  if (packing != GemmPacking::Rows) return panelBytes();
  return rowBufOffset() + kBlocks * kernel->tileK;
}

const aarch64::UKernel &GemmConvPlan::kernelFor(int64_t rows, int64_t cols) const {
  const bool fullRows = rows == kernel->tileM, fullCols = cols == kernel->tileN;
  if (fullRows && fullCols) return *kernel;
  return fullCols ? *tailM : fullRows ? *tailN : *tailMN;
}

std::string GemmConvPlan::describe() const {
  passes::ConvImpl impl;
  impl.kind = kernel->kind;
  impl.tiles = {kernel->tileM, kernel->tileN, kernel->tileK};
  std::string how = packing == GemmPacking::Units ? "im2col units" : "im2col rows";
  if (pointwise) how = "pointwise, " + how;
  std::string tails;
  for (const aarch64::UKernel *t : {tailM, tailN, tailMN})
    if (t && t != kernel && tails.find(t->name) == std::string::npos)
      tails += (tails.empty() ? "; tails " : ", ") + std::string(t->name);
  how += tails;
  return impl.name() + " (" + std::string(kernel->name) + ", " + how + ")";
}

std::optional<GemmConvPlan> planGemmConv(const ir::CallNode *call, const passes::Target &target,
                                         std::string *whyNot) {
  auto no = [&](std::string why) {
    if (whyNot) *whyNot = std::move(why);
    return std::optional<GemmConvPlan>();
  };
  if (!target.isAArch64()) return no("the target is not AArch64");
  const auto &a = call->attrsAs<ir::Conv2DAttrs>();
  const DType dtype = dtypeOf(call->args[0]);
  if (dtypeOf(call->args[1]) != dtype || (dtype != DType::Int8 && dtype != DType::UInt8))
    return no("data and packed weight must both be int8 or both uint8");
  const ir::Shape &data = shapeOf(call->args[0]), &packed = shapeOf(call->args[1]);
  const ir::Shape virt{a.kernel_size[0], a.kernel_size[1], data[3], a.channels};
  GemmConvPlan p;
  p.g = ir::conv2dGeometryOf(kGemmConvOp, a, data, virt);
  if (!p.g.outNHWC) return no("the output layout is not NHWC");
  p.kernel = chooseKernel(call, target, dtype, packed[2], packed[3]);
  if (!p.kernel)
    return no("no micro-kernel for " + std::string(ir::dtypeName(dtype)) + " with tile_N " +
              std::to_string(packed[2]) + ", tile_K " + std::to_string(packed[3]) +
              " on this target");
  p.m = p.g.outH * p.g.outW;
  p.k = p.g.reduction();
  p.n = p.g.outC;
  p.kBlocks = packed[1];
  MTC_CHECK(p.kBlocks * p.kernel->tileK >= p.k) << "packed weight shorter than K";
  if (dtypeOf(call) == DType::Int64 && p.k > exactKLimit(dtype))
    return no("an int64 result with K = " + std::to_string(p.k) +
              " can exceed the kernel's exact int32 range");
  const int64_t tm = p.kernel->tileM, tn = p.kernel->tileN;
  p.mFull = p.m / tm;
  p.mRem = p.m % tm;
  p.nFull = p.n / tn;
  p.nRem = p.n % tn;
  p.packing = p.g.inC % p.kernel->tileK == 0 ? GemmPacking::Units : GemmPacking::Rows;
  p.pointwise = p.g.kH == 1 && p.g.kW == 1 && p.g.strideH == 1 && p.g.strideW == 1 &&
                p.g.padTop == 0 && p.g.padLeft == 0 && p.g.padBottom == 0 && p.g.padRight == 0;
  auto tail = [&](int64_t rows, int64_t cols) {
    const aarch64::UKernel *t = aarch64::findTailKernel(*p.kernel, static_cast<int>(rows),
                                                        static_cast<int>(cols));
    return t ? t : p.kernel;
  };
  p.tailM = p.mRem ? tail(p.mRem, tn) : p.kernel;
  p.tailN = p.nRem ? tail(tm, p.nRem) : p.kernel;
  p.tailMN = p.mRem && p.nRem ? tail(p.mRem, p.nRem) : p.kernel;
  return p;
}

void registerGemmConvLowering(LoweringTable &t) {
  const OpLowering *prev = t.find(kGemmConvOp);
  MTC_CHECK(prev && prev->anchorFn) << "the generic lowering of " << kGemmConvOp
                                    << " must be registered first";
  OpLowering generic = *prev;
  OpLowering l = generic;
  // The direct loops pad with zeros; a non-zero pad_value needs the GEMM lowering.
  l.check = [generic](const ir::CallNode *call, const passes::Target &target) -> std::string {
    if (call->attrsAs<ir::Conv2DAttrs>().pad_value == 0 || planGemmConv(call, target))
      return generic.check ? generic.check(call, target) : "";
    std::string why;
    planGemmConv(call, target, &why);
    return "pad_value " + std::to_string(call->attrsAs<ir::Conv2DAttrs>().pad_value) +
           " needs the AArch64 GEMM lowering, which does not apply: " + why;
  };
  l.anchorFn = [generic](AnchorCtx &ctx) {
    auto p = planGemmConv(ctx.call, ctx.env.target);
    if (!p) {
      generic.anchorFn(ctx);
      return;
    }
    GemmEmitter e{ctx, *p, *p->kernel};
    e.emit();
    if (e.vec && ctx.env.epilogueForms) (*ctx.env.epilogueForms)[ctx.call] = e.vec->form();
  };
  l.implName = [generic](const ir::CallNode *call, const passes::Target &target) {
    if (auto p = planGemmConv(call, target)) return p->describe();
    return generic.implName ? generic.implName(call, target) : std::string("generic");
  };
  l.scratchBytes = [generic](const ir::CallNode *call, const passes::Target &target) {
    if (auto p = planGemmConv(call, target)) return static_cast<uint64_t>(p->scratchBytes());
    return generic.scratchBytes ? generic.scratchBytes(call, target) : uint64_t(0);
  };
  t.set(kGemmConvOp, std::move(l));
}

} // namespace mtc::codegen
