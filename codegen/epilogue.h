// mtc — inline evaluation of elementwise / injective op chains, and the fused epilogue.
//
// InlineEmitter computes the value of a graph node at one element index by emitting its op's
// scalar code over its operands' values, recursively down to leaves (kernel parameters,
// constants, materialised intermediates). An Epilogue is an InlineEmitter in which the anchor
// op's result is bound to a value the anchor lowering provides: `apply(acc, idx)` emits the
// whole chain after the anchor (bias add, zero-point terms, requantize, clip, cast, ...) for the
// element `idx`, with no memory traffic but the chain's own side inputs. The GEMM convolution
// calls it per element of each output tile, so a layer's int32 result is never stored when the
// layer's output is 8-bit.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/lower_ops.h"

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace mtc::codegen {

/// A leaf of a kernel graph: memory, or a scalar constant folded into the code.
struct LeafValue {
  bool isScalar = false;
  TypedValue scalar;
  Buffer buffer;
  static LeafValue ofBuffer(Buffer b) {
    LeafValue l;
    l.buffer = std::move(b);
    return l;
  }
  static LeafValue ofScalar(TypedValue v) {
    LeafValue l;
    l.isScalar = true;
    l.scalar = v;
    return l;
  }
};

/// Emits node values at element indices (see the file comment).
class InlineEmitter {
public:
  explicit InlineEmitter(KernelEnv &env) : env_(env) {}

  /// Binds a leaf (a parameter, a materialised node) to memory or a scalar. Constants need no
  /// binding: scalars become immediates and tensors read the constant pool.
  void bindLeaf(ir::Expr e, LeafValue v);
  const LeafValue *leaf(ir::Expr e) const;
  /// Binds the value of `e` at exactly `idx` (an anchor's result inside its epilogue).
  void bindAt(ir::Expr e, const Index &idx, TypedValue v);

  /// The value of `e` at `idx` (idx.shape() must be e's shape).
  TypedValue emit(ir::Expr e, const Index &idx);
  /// The value of operand `e` at the index of an output element under numpy broadcasting
  /// (e's shape broadcasts to outIdx.shape()).
  TypedValue emitBroadcast(ir::Expr e, const Index &outIdx);
  /// The index of operand shape `s` read at the output index under numpy broadcasting.
  Index broadcastIndex(const ir::Shape &s, const Index &outIdx);
  /// A memory view of a leaf or a constant, or nullptr if `e` is neither.
  const Buffer *bufferOf(ir::Expr e);

  /// Forgets per-element values (call between elements emitted at different code points).
  void clearCache() { cache_.clear(); }

  Builder &b() { return env_.b; }
  KernelEnv &env() { return env_; }

private:
  KernelEnv &env_;
  std::unordered_map<ir::Expr, LeafValue> leaves_;
  std::map<std::pair<ir::Expr, uint64_t>, TypedValue> cache_;
};

/// The elementwise chain fused after an anchor op, ending in a store to the kernel's output.
class Epilogue {
public:
  /// `anchor` is the op call whose result feeds the chain; `root` is the node whose value is
  /// stored in `out` (root == anchor when nothing is fused). Every node between them is
  /// elementwise with the anchor's shape (the planner guarantees it).
  Epilogue(InlineEmitter &em, ir::Expr anchor, ir::Expr root, Buffer out);

  ir::DType accDType() const { return dtypeOf(anchor_); }
  const ir::Shape &shape() const { return out_.shape; }
  ir::DType outDType() const { return out_.dtype; }
  const Buffer &output() const { return out_; }
  ir::Expr anchor() const { return anchor_; }
  ir::Expr root() const { return root_; }
  /// True when nothing is fused (apply is the identity).
  bool isIdentity() const { return anchor_ == root_; }

  /// The final value of the element at `idx` given the anchor's value there (of accDType()).
  TypedValue apply(TypedValue acc, const Index &idx);
  /// apply(), then stores the result into the output at `idx`.
  void applyAndStore(TypedValue acc, const Index &idx);

  InlineEmitter &emitter() { return em_; }

private:
  InlineEmitter &em_;
  ir::Expr anchor_;
  ir::Expr root_;
  Buffer out_;
};

} // namespace mtc::codegen
