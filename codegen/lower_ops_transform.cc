// mtc — lowering of data-movement ops: reshape, squeeze, expand_dims, transpose, repeat, nn.pad
// and the GEMM weight transform inline (an index mapping per output element), concatenate as
// an anchor (one copy loop per field, each element through the epilogue).
// SPDX-License-Identifier: Apache-2.0
#include "codegen/epilogue.h"
#include "codegen/lower_arith.h"
#include "ir/check.h"
#include "ir/ops/attrs.h"
#include "ir/ops/conv.h"

#include <llvm/IR/Intrinsics.h>

#include <algorithm>

namespace mtc::codegen {

namespace {

using ir::DType;

std::vector<int64_t> nonUnitDims(const ir::Shape &s) {
  std::vector<int64_t> v;
  for (int64_t d : s)
    if (d != 1) v.push_back(d);
  return v;
}

// The input index of a shape-only op (same elements, row-major): the same flat position. When
// the two shapes differ only by size-1 dims the per-dim values carry over without division.
Index reshapeIndex(Builder &b, const Index &out, const ir::Shape &inShape) {
  const bool unitOnly = nonUnitDims(out.shape()) == nonUnitDims(inShape);
  if (unitOnly && out.hasDims()) {
    std::vector<llvm::Value *> src;
    for (size_t d = 0; d < out.rank(); ++d)
      if (out.shape()[d] != 1) src.push_back(out.dim(b, d));
    std::vector<llvm::Value *> dims(inShape.size());
    size_t k = 0;
    for (size_t d = 0; d < inShape.size(); ++d) dims[d] = inShape[d] == 1 ? i64(b, 0) : src[k++];
    if (out.hasFlat()) return Index::fromBoth(inShape, std::move(dims), out.flat(b));
    return Index::fromDims(inShape, std::move(dims));
  }
  return Index::fromFlat(inShape, out.flat(b));
}

OpLowering reshapeLike() {
  OpLowering l;
  l.preservesFlat = true;
  l.inlineFn = [](InlineEmitter &em, const ir::CallNode *call, const Index &idx) {
    return em.emit(call->args[0], reshapeIndex(em.b(), idx, shapeOf(call->args[0])));
  };
  return l;
}

OpLowering transposeLowering() {
  OpLowering l;
  l.inlineFn = [](InlineEmitter &em, const ir::CallNode *call, const Index &idx) {
    const ir::Shape &in = shapeOf(call->args[0]);
    const auto &axes = call->attrsAs<ir::TransposeAttrs>().axes;
    const int64_t rank = static_cast<int64_t>(in.size());
    std::vector<llvm::Value *> dims(in.size());
    for (int64_t d = 0; d < rank; ++d) {
      int64_t p = axes.empty() ? rank - 1 - d : axes[static_cast<size_t>(d)];
      if (p < 0) p += rank;
      dims[static_cast<size_t>(p)] = idx.dim(em.b(), static_cast<size_t>(d));
    }
    return em.emit(call->args[0], Index::fromDims(in, std::move(dims)));
  };
  return l;
}

OpLowering repeatLowering() {
  OpLowering l;
  l.inlineFn = [](InlineEmitter &em, const ir::CallNode *call, const Index &idx) {
    const auto &a = call->attrsAs<ir::RepeatAttrs>();
    const ir::Shape &in = shapeOf(call->args[0]);
    const int64_t axis = a.axis < 0 ? a.axis + static_cast<int64_t>(in.size()) : a.axis;
    std::vector<llvm::Value *> dims = idx.dims(em.b());
    dims[static_cast<size_t>(axis)] =
        em.b().CreateUDiv(dims[static_cast<size_t>(axis)], i64(em.b(), a.repeats));
    return em.emit(call->args[0], Index::fromDims(in, std::move(dims)));
  };
  return l;
}

OpLowering padLowering() {
  OpLowering l;
  l.inlineFn = [](InlineEmitter &em, const ir::CallNode *call, const Index &idx) {
    Builder &b = em.b();
    const auto &a = call->attrsAs<ir::PadAttrs>();
    const ir::Shape &in = shapeOf(call->args[0]);
    const DType dt = dtypeOf(call->args[0]);
    // Read a clamped (always valid) position and select the pad value outside the data: no
    // branch, no out-of-bounds access.
    llvm::Value *inside = b.getTrue();
    std::vector<llvm::Value *> dims(in.size());
    for (size_t d = 0; d < in.size(); ++d) {
      const int64_t before = a.pad_width[d][0];
      llvm::Value *v = idx.dim(b, d);
      if (before == 0 && a.pad_width[d][1] == 0) {
        dims[d] = v;
        continue;
      }
      llvm::Value *s = b.CreateSub(v, i64(b, before));
      inside = b.CreateAnd(inside, b.CreateICmpULT(s, i64(b, in[d]))); // unsigned: also s >= 0
      dims[d] = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin,
                                        b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, s, i64(b, 0)),
                                        i64(b, in[d] - 1));
    }
    TypedValue x = em.emit(call->args[0], Index::fromDims(in, std::move(dims)));
    TypedValue fill = emitConvert(b, em.emit(call->args[1], Index::fromFlat({}, i64(b, 0))), dt);
    return TypedValue{b.CreateSelect(inside, x.v, fill.v), dt};
  };
  return l;
}

// B'[nb, kb, ni, ki] = W[k * OC + o] (HWIO flat) with k = kb*tileK + ki, o = nb*tileN + ni; zero
// in the padding (ir::packGemmWeight).
OpLowering weightTransformLowering() {
  OpLowering l;
  l.inlineFn = [](InlineEmitter &em, const ir::CallNode *call, const Index &idx) {
    Builder &b = em.b();
    const ir::Shape &w = shapeOf(call->args[0]);
    const auto &a = call->attrsAs<ir::ConvGemmWeightTransformAttrs>();
    const int64_t kTotal = w[0] * w[1] * w[2], oc = w[3];
    llvm::Value *k = b.CreateAdd(b.CreateMul(idx.dim(b, 1), i64(b, a.tile_K)), idx.dim(b, 3));
    llvm::Value *o = b.CreateAdd(b.CreateMul(idx.dim(b, 0), i64(b, a.tile_N)), idx.dim(b, 2));
    llvm::Value *valid = b.CreateAnd(b.CreateICmpSLT(k, i64(b, kTotal)), b.CreateICmpSLT(o, i64(b, oc)));
    llvm::Value *kc = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, k, i64(b, kTotal - 1));
    llvm::Value *occ = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, o, i64(b, oc - 1));
    llvm::Value *flat = b.CreateAdd(b.CreateMul(kc, i64(b, oc)), occ);
    TypedValue v = em.emit(call->args[0], Index::fromFlat(w, flat));
    return TypedValue{b.CreateSelect(valid, v.v, constOf(b, v.dtype, 0)), v.dtype};
  };
  return l;
}

// strided_slice: output index i on axis d reads start_d + i * step_d, with Python's clamping of
// begin (ir/ops/transform_slice.cc).
int64_t sliceStart(int64_t dim, int64_t begin, int64_t step) {
  int64_t v = begin < 0 ? begin + dim : begin;
  return step > 0 ? std::clamp<int64_t>(v, 0, dim) : std::clamp<int64_t>(v, -1, dim - 1);
}

OpLowering stridedSliceLowering() {
  OpLowering l;
  l.inlineFn = [](InlineEmitter &em, const ir::CallNode *call, const Index &idx) {
    Builder &b = em.b();
    const auto &a = call->attrsAs<ir::StridedSliceAttrs>();
    const ir::Shape &in = shapeOf(call->args[0]);
    const int64_t rank = static_cast<int64_t>(in.size());
    std::vector<int64_t> start(in.size(), 0), step(in.size(), 1);
    for (size_t i = 0; i < a.begin.size(); ++i) {
      int64_t ax = a.axes.empty() ? static_cast<int64_t>(i) : a.axes[i];
      if (ax < 0) ax += rank;
      const size_t d = static_cast<size_t>(ax);
      step[d] = i < a.strides.size() ? a.strides[i] : 1;
      start[d] = sliceStart(in[d], a.begin[i], step[d]);
    }
    std::vector<llvm::Value *> dims(in.size());
    for (size_t d = 0; d < in.size(); ++d) {
      llvm::Value *v = idx.dim(b, d);
      if (step[d] != 1) v = b.CreateMul(v, i64(b, step[d]));
      dims[d] = start[d] ? b.CreateAdd(v, i64(b, start[d])) : v;
    }
    return em.emit(call->args[0], Index::fromDims(in, std::move(dims)));
  };
  return l;
}

void concatenateAnchor(AnchorCtx &ctx) {
  Builder &b = ctx.b();
  const ir::Shape &outShape = ctx.epilogue.shape();
  const int64_t rank = static_cast<int64_t>(outShape.size());
  int64_t axis = ctx.call->attrsAs<ir::ConcatenateAttrs>().axis;
  if (axis < 0) axis += rank;
  int64_t offset = 0;
  for (const Buffer &field : ctx.inputs) {
    emitLoopNest(b, field.shape, [&](const std::vector<llvm::Value *> &ivs, llvm::Value *flat) {
      std::vector<llvm::Value *> dims = ivs;
      if (offset) dims[static_cast<size_t>(axis)] = b.CreateAdd(dims[static_cast<size_t>(axis)],
                                                                 i64(b, offset), "", true, true);
      ctx.epilogue.applyAndStore(loadElem(b, field, flat), Index::fromDims(outShape, dims));
    });
    offset += field.shape[static_cast<size_t>(axis)];
  }
}

} // namespace

void registerTransformLowerings(LoweringTable &t) {
  t.set("reshape", reshapeLike());
  t.set("squeeze", reshapeLike());
  t.set("expand_dims", reshapeLike());
  t.set("transpose", transposeLowering());
  t.set("repeat", repeatLowering());
  t.set("nn.pad", padLowering());
  t.set("strided_slice", stridedSliceLowering());
  t.set("nn.contrib_conv2d_gemm_weight_transform", weightTransformLowering());
  OpLowering concat;
  concat.anchorFn = concatenateAnchor;
  concat.implName = [](const ir::CallNode *, const passes::Target &) { return "copy"; };
  t.set("concatenate", concat);
}

} // namespace mtc::codegen
