// mtc — building blocks of the lowering: element types, typed scalars, tensor buffers, element
// indices, counted loops, loads and stores. Shared by every lower_*.cc, epilogue.cc and the
// GEMM convolution.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/type.h"

#include <llvm/IR/IRBuilder.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace mtc::codegen {

using Builder = llvm::IRBuilder<>;

/// LLVM storage type of one element: i8 for int8/uint8/bool (bool holds 0 or 1), i16, i32,
/// i64, float.
llvm::Type *elemType(llvm::LLVMContext &c, ir::DType t);

/// A scalar in a register with its IR dtype (LLVM integers carry no signedness).
struct TypedValue {
  llvm::Value *v = nullptr;
  ir::DType dtype = ir::DType::Int32;
};

/// A dense row-major tensor in memory.
struct Buffer {
  llvm::Value *ptr = nullptr;
  ir::Shape shape;
  ir::DType dtype = ir::DType::Int32;
  int64_t numElements() const;
  ir::Type type() const { return ir::Type::tensor(shape, dtype); }
};

/// The position of one element of a tensor of a given shape, as per-dimension i64 values, as
/// the row-major flat position, or both. The missing form is derived on first use (flat from
/// dims by multiply-add; dims from flat by division) in the block where it is asked for, so an
/// Index must only be used in blocks dominated by that one (the lowering emits selects, never
/// branches, inside element computations).
class Index {
public:
  static Index fromDims(ir::Shape shape, std::vector<llvm::Value *> dims);
  static Index fromFlat(ir::Shape shape, llvm::Value *flat);
  /// Both forms, which must agree.
  static Index fromBoth(ir::Shape shape, std::vector<llvm::Value *> dims, llvm::Value *flat);

  const ir::Shape &shape() const { return shape_; }
  size_t rank() const { return shape_.size(); }
  bool hasDims() const { return haveDims_; }
  bool hasFlat() const { return flat_ != nullptr; }
  llvm::Value *flat(Builder &b) const;
  const std::vector<llvm::Value *> &dims(Builder &b) const;
  llvm::Value *dim(Builder &b, size_t d) const { return dims(b)[d]; }
  /// A unique number per constructed index (cache key of the inline emitter).
  uint64_t id() const { return id_; }

private:
  Index(ir::Shape shape);
  ir::Shape shape_;
  mutable std::vector<llvm::Value *> dims_;
  mutable bool haveDims_ = false;
  mutable llvm::Value *flat_ = nullptr;
  uint64_t id_;
};

/// An i64 constant.
llvm::Value *i64(Builder &b, int64_t v);
/// A constant of the storage type of `t` (integers from `v`, float from `f` when float32).
llvm::Value *constOf(Builder &b, ir::DType t, int64_t v, double f = 0);

/// Emits `for (iv = begin; iv < end; iv += step) body(iv)` as a canonical rotated loop with an
/// i64 induction variable: simple enough for LLVM's vectorizer. Emits nothing for zero trips.
/// `body` may create blocks; the loop continues from wherever it leaves the builder.
void emitLoop(Builder &b, int64_t begin, int64_t end, int64_t step,
              const std::function<void(llvm::Value *iv)> &body, const char *name = "i");
/// A counted loop [0, n) (n a compile-time constant) whose latch asks LLVM to vectorize it and
/// not to unroll it first, with `interleave` vector iterations in flight (0: LLVM's choice);
/// n <= 1 emits the body once or not at all.
void emitVectorizedLoop(Builder &b, int64_t n, const std::function<void(llvm::Value *iv)> &body,
                        const char *name, unsigned interleave = 0);
/// Same with run-time bounds (guarded: no iteration when begin >= end).
void emitLoopDyn(Builder &b, llvm::Value *begin, llvm::Value *end, int64_t step,
                 const std::function<void(llvm::Value *iv)> &body, const char *name = "i");
/// A row-major loop nest over `shape`; `body` gets the induction variables and the flat index.
/// Rank 0 runs the body once with flat index 0.
void emitLoopNest(Builder &b, const ir::Shape &shape,
                  const std::function<void(const std::vector<llvm::Value *> &, llvm::Value *)> &body);
/// `if (cond) then()`; the builder continues after the join.
void emitIf(Builder &b, llvm::Value *cond, const std::function<void()> &then);

/// Address of element `flat` of `buf`.
llvm::Value *elemPtr(Builder &b, const Buffer &buf, llvm::Value *flat);
/// Loads element `flat` of `buf` (aligned to the element size).
TypedValue loadElem(Builder &b, const Buffer &buf, llvm::Value *flat);
/// Stores `v` (already of buf.dtype) into element `flat`.
void storeElem(Builder &b, const Buffer &buf, llvm::Value *flat, llvm::Value *v);

/// A function-entry stack array of `n` elements of `t` (accumulator rows of direct loops).
llvm::Value *entryAlloca(Builder &b, llvm::Type *t, int64_t n, const char *name);

} // namespace mtc::codegen
