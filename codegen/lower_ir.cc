// mtc — element types, indices, loops, loads and stores for the lowering.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/lower_ir.h"

#include "ir/check.h"

#include <atomic>

namespace mtc::codegen {

llvm::Type *elemType(llvm::LLVMContext &c, ir::DType t) {
  switch (t) {
  case ir::DType::Int8:
  case ir::DType::UInt8:
  case ir::DType::Bool: return llvm::Type::getInt8Ty(c);
  case ir::DType::Int16: return llvm::Type::getInt16Ty(c);
  case ir::DType::Int32: return llvm::Type::getInt32Ty(c);
  case ir::DType::Int64: return llvm::Type::getInt64Ty(c);
  case ir::DType::Float32: return llvm::Type::getFloatTy(c);
  }
  MTC_UNREACHABLE("bad dtype");
}

int64_t Buffer::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

namespace {
std::atomic<uint64_t> nextIndexId{1};
} // namespace

Index::Index(ir::Shape shape) : shape_(std::move(shape)), id_(nextIndexId++) {}

Index Index::fromDims(ir::Shape shape, std::vector<llvm::Value *> dims) {
  MTC_CHECK(dims.size() == shape.size()) << "index rank " << dims.size() << " vs " << shape.size();
  Index ix(std::move(shape));
  ix.dims_ = std::move(dims);
  ix.haveDims_ = true;
  return ix;
}

Index Index::fromFlat(ir::Shape shape, llvm::Value *flat) {
  Index ix(std::move(shape));
  ix.flat_ = flat;
  return ix;
}

Index Index::fromBoth(ir::Shape shape, std::vector<llvm::Value *> dims, llvm::Value *flat) {
  Index ix = fromDims(std::move(shape), std::move(dims));
  ix.flat_ = flat;
  return ix;
}

llvm::Value *Index::flat(Builder &b) const {
  if (flat_) return flat_;
  MTC_CHECK(haveDims_) << "empty index";
  llvm::Value *acc = i64(b, 0);
  for (size_t d = 0; d < shape_.size(); ++d) {
    // Size-1 dims contribute nothing; skipping them keeps the expressions small.
    if (shape_[d] == 1) continue;
    acc = b.CreateAdd(b.CreateMul(acc, i64(b, shape_[d]), "", true, true), dims_[d], "", true,
                      true);
  }
  flat_ = acc;
  return flat_;
}

const std::vector<llvm::Value *> &Index::dims(Builder &b) const {
  if (haveDims_) return dims_;
  MTC_CHECK(flat_) << "empty index";
  dims_.assign(shape_.size(), nullptr);
  llvm::Value *rest = flat_;
  for (size_t d = shape_.size(); d-- > 0;) {
    if (shape_[d] == 1) {
      dims_[d] = i64(b, 0);
      continue;
    }
    bool outermost = true;
    for (size_t e = 0; e < d; ++e) outermost &= shape_[e] == 1;
    if (outermost) {
      dims_[d] = rest;
      break;
    }
    dims_[d] = b.CreateURem(rest, i64(b, shape_[d]));
    rest = b.CreateUDiv(rest, i64(b, shape_[d]));
  }
  for (auto &v : dims_)
    if (!v) v = i64(b, 0);
  haveDims_ = true;
  return dims_;
}

llvm::Value *i64(Builder &b, int64_t v) { return b.getInt64(static_cast<uint64_t>(v)); }

llvm::Value *constOf(Builder &b, ir::DType t, int64_t v, double f) {
  llvm::Type *ty = elemType(b.getContext(), t);
  if (t == ir::DType::Float32) return llvm::ConstantFP::get(ty, f);
  return llvm::ConstantInt::get(ty, static_cast<uint64_t>(v), /*isSigned=*/true);
}

namespace {

// emitLoop's loop; returns its latch branch (null when no loop was needed).
llvm::BranchInst *countedLoop(Builder &b, int64_t begin, int64_t end, int64_t step,
                              const std::function<void(llvm::Value *)> &body, const char *name) {
  MTC_CHECK(step > 0) << "loop step " << step;
  if (begin >= end) return nullptr;
  if (end - begin <= step) { // one trip: no loop at all
    body(i64(b, begin));
    return nullptr;
  }
  llvm::Function *fn = b.GetInsertBlock()->getParent();
  llvm::LLVMContext &c = b.getContext();
  llvm::BasicBlock *pre = b.GetInsertBlock();
  llvm::BasicBlock *loop = llvm::BasicBlock::Create(c, std::string(name) + ".body", fn);
  llvm::BasicBlock *exit = llvm::BasicBlock::Create(c, std::string(name) + ".end", fn);
  b.CreateBr(loop);
  b.SetInsertPoint(loop);
  llvm::PHINode *iv = b.CreatePHI(b.getInt64Ty(), 2, name);
  iv->addIncoming(i64(b, begin), pre);
  body(iv);
  // The trip count is exact, so the increment cannot wrap: nsw/nuw help SCEV.
  llvm::Value *next = b.CreateAdd(iv, i64(b, step), std::string(name) + ".next", true, true);
  // Compare against the last start value so that a step not dividing the range stays exact.
  const int64_t lastStart = begin + (end - begin - 1) / step * step;
  llvm::Value *more = b.CreateICmpSLE(next, i64(b, lastStart));
  llvm::BranchInst *latch = b.CreateCondBr(more, loop, exit);
  iv->addIncoming(next, b.GetInsertBlock());
  b.SetInsertPoint(exit);
  return latch;
}

} // namespace

void emitLoop(Builder &b, int64_t begin, int64_t end, int64_t step,
              const std::function<void(llvm::Value *)> &body, const char *name) {
  countedLoop(b, begin, end, step, body, name);
}

void emitLoopDyn(Builder &b, llvm::Value *begin, llvm::Value *end, int64_t step,
                 const std::function<void(llvm::Value *)> &body, const char *name) {
  MTC_CHECK(step > 0) << "loop step " << step;
  llvm::Function *fn = b.GetInsertBlock()->getParent();
  llvm::LLVMContext &c = b.getContext();
  llvm::BasicBlock *pre = b.GetInsertBlock();
  llvm::BasicBlock *loop = llvm::BasicBlock::Create(c, std::string(name) + ".body", fn);
  llvm::BasicBlock *exit = llvm::BasicBlock::Create(c, std::string(name) + ".end", fn);
  b.CreateCondBr(b.CreateICmpSLT(begin, end), loop, exit);
  b.SetInsertPoint(loop);
  llvm::PHINode *iv = b.CreatePHI(b.getInt64Ty(), 2, name);
  iv->addIncoming(begin, pre);
  body(iv);
  llvm::Value *next = b.CreateAdd(iv, i64(b, step), std::string(name) + ".next", true, true);
  b.CreateCondBr(b.CreateICmpSLT(next, end), loop, exit);
  iv->addIncoming(next, b.GetInsertBlock());
  b.SetInsertPoint(exit);
}

void emitLoopNest(Builder &b, const ir::Shape &shape,
                  const std::function<void(const std::vector<llvm::Value *> &, llvm::Value *)> &body) {
  for (int64_t d : shape)
    if (d == 0) return;
  std::vector<llvm::Value *> ivs(shape.size(), nullptr);
  // Recursion depth is the tensor rank (small), not the data size.
  std::function<void(size_t, llvm::Value *)> level = [&](size_t d, llvm::Value *base) {
    if (d == shape.size()) {
      body(ivs, base);
      return;
    }
    emitLoop(b, 0, shape[d], 1, [&](llvm::Value *iv) {
      ivs[d] = iv;
      llvm::Value *flat = shape[d] == 1 ? base
                                        : b.CreateAdd(b.CreateMul(base, i64(b, shape[d]), "", true,
                                                                  true),
                                                      iv, "", true, true);
      level(d + 1, flat);
    }, d + 1 == shape.size() ? "i" : "o");
  };
  level(0, i64(b, 0));
}

void emitIf(Builder &b, llvm::Value *cond, const std::function<void()> &then) {
  llvm::Function *fn = b.GetInsertBlock()->getParent();
  llvm::BasicBlock *thenBB = llvm::BasicBlock::Create(b.getContext(), "then", fn);
  llvm::BasicBlock *join = llvm::BasicBlock::Create(b.getContext(), "endif", fn);
  b.CreateCondBr(cond, thenBB, join);
  b.SetInsertPoint(thenBB);
  then();
  b.CreateBr(join);
  b.SetInsertPoint(join);
}

llvm::Value *elemPtr(Builder &b, const Buffer &buf, llvm::Value *flat) {
  return b.CreateInBoundsGEP(elemType(b.getContext(), buf.dtype), buf.ptr, flat);
}

TypedValue loadElem(Builder &b, const Buffer &buf, llvm::Value *flat) {
  llvm::Type *t = elemType(b.getContext(), buf.dtype);
  llvm::LoadInst *ld = b.CreateLoad(t, elemPtr(b, buf, flat));
  ld->setAlignment(llvm::Align(ir::dtypeBytes(buf.dtype)));
  return {ld, buf.dtype};
}

void storeElem(Builder &b, const Buffer &buf, llvm::Value *flat, llvm::Value *v) {
  MTC_CHECK(v->getType() == elemType(b.getContext(), buf.dtype)) << "store of a mismatched type";
  llvm::StoreInst *st = b.CreateStore(v, elemPtr(b, buf, flat));
  st->setAlignment(llvm::Align(ir::dtypeBytes(buf.dtype)));
}

llvm::Value *entryAlloca(Builder &b, llvm::Type *t, int64_t n, const char *name) {
  llvm::Function *fn = b.GetInsertBlock()->getParent();
  llvm::BasicBlock &entry = fn->getEntryBlock();
  Builder eb(&entry, entry.getFirstInsertionPt());
  llvm::AllocaInst *a = eb.CreateAlloca(t, eb.getInt64(static_cast<uint64_t>(n)), name);
  a->setAlignment(llvm::Align(64));
  return a;
}

// Short loops (a GEMM tile row, a reduction over 32 channels) are below the vectorizer's own
// trip-count threshold, and fully unrolled they stay scalar: the latch metadata asks for the
// vectorizer and forbids unrolling first.
void emitVectorizedLoop(Builder &b, int64_t n, const std::function<void(llvm::Value *)> &body,
                        const char *name, unsigned interleave) {
  llvm::BranchInst *latch = countedLoop(b, 0, n, 1, body, name);
  if (!latch) return;
  llvm::LLVMContext &c = b.getContext();
  llvm::Metadata *vec[] = {llvm::MDString::get(c, "llvm.loop.vectorize.enable"),
                           llvm::ConstantAsMetadata::get(b.getTrue())};
  llvm::Metadata *unroll[] = {llvm::MDString::get(c, "llvm.loop.unroll.disable")};
  std::vector<llvm::Metadata *> props{nullptr, llvm::MDNode::get(c, vec),
                                      llvm::MDNode::get(c, unroll)};
  if (interleave > 0) {
    llvm::Metadata *ic[] = {llvm::MDString::get(c, "llvm.loop.interleave.count"),
                            llvm::ConstantAsMetadata::get(b.getInt32(interleave))};
    props.push_back(llvm::MDNode::get(c, ic));
  }
  llvm::MDNode *id = llvm::MDNode::getDistinct(c, props);
  id->replaceOperandWith(0, id);
  latch->setMetadata(llvm::LLVMContext::MD_loop, id);
}

} // namespace mtc::codegen
