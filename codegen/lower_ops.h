// mtc — the per-op lowering table and what an op lowering sees.
//
// Every op that can reach code generation has one OpLowering, registered by its family file
// (lower_ops_elemwise.cc, lower_ops_transform.cc, lower_ops_nn.cc, lower_ops_conv.cc, and the
// GEMM convolution in gemm_conv.cc). An op is lowered in one of two ways:
//  - inline: its value at one output index, computed from its operands' values (elementwise,
//    broadcast and injective ops). Chains of inline ops become one loop nest.
//  - anchor: it emits its own loops over materialised inputs (convolutions, dense, pools,
//    reductions, concatenate) and hands every result element — or every tile of them — to an
//    Epilogue, which applies the elementwise ops fused after it and stores the final value.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/lower_ir.h"
#include "ir/expr.h"
#include "ir/op.h"
#include "passes/target.h"

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llvm {
class Module;
class GlobalVariable;
} // namespace llvm

namespace mtc::codegen {

class InlineEmitter;
class Epilogue;

/// Constant tensors as internal read-only globals, shared by identical contents.
class ConstantPool {
public:
  explicit ConstantPool(llvm::Module &m, std::string prefix) : m_(m), prefix_(std::move(prefix)) {}
  /// The global holding `t` (64-byte aligned, in .rodata).
  llvm::GlobalVariable *get(const ir::Tensor &t);
  /// Bytes of all globals created so far.
  uint64_t bytes() const { return bytes_; }

private:
  llvm::Module &m_;
  std::string prefix_;
  std::unordered_map<const void *, llvm::GlobalVariable *> byData_;
  std::unordered_map<uint64_t, std::vector<std::pair<ir::Tensor, llvm::GlobalVariable *>>> byHash_;
  uint64_t bytes_ = 0;
  int count_ = 0;
};

/// What one kernel function is emitted with.
struct KernelEnv {
  llvm::Module &module;
  const passes::Target &target;
  Builder &b;
  ConstantPool &constants;
  /// How an anchor finished its epilogue when not with the scalar chain (e.g. "neon x4"), for
  /// the compile summary; null when nobody asks.
  std::map<const ir::CallNode *, std::string> *epilogueForms = nullptr;
};

/// What an anchor lowering sees: the call, its tensor inputs in memory (tuple arguments are
/// flattened, constants are globals) and the epilogue that finishes and stores every element.
struct AnchorCtx {
  KernelEnv &env;
  const ir::CallNode *call;
  /// One per flattened tensor argument; with OpLowering::inlineArgs an argument computed by
  /// inline ops has no memory (ptr null, shape and dtype set): read it with read().
  std::vector<Buffer> inputs;
  Epilogue &epilogue;
  /// At least OpLowering::scratchBytes bytes of workspace, 64-byte aligned, private to this
  /// kernel while it runs (null when the lowering asked for none). Contents are undefined on
  /// entry.
  llvm::Value *scratch = nullptr;
  /// The argument nodes, parallel to `inputs`.
  std::vector<ir::Expr> args = {};
  Builder &b() const { return env.b; }
  /// Element `flat` (row-major) of input i: a load, or the inline computation of an argument
  /// that is not in memory, emitted where the builder stands.
  TypedValue read(size_t i, llvm::Value *flat);
};

/// How one op is lowered. Exactly one of inlineFn and anchorFn is set.
struct OpLowering {
  using InlineFn = std::function<TypedValue(InlineEmitter &, const ir::CallNode *, const Index &)>;
  using AnchorFn = std::function<void(AnchorCtx &)>;
  /// "" if this call can be lowered, else the reason (e.g. "layout 'NCHW4c' is not supported").
  using CheckFn = std::function<std::string(const ir::CallNode *, const passes::Target &)>;
  /// Name of the implementation used for a call (compile summary), e.g. "generic".
  using ImplFn = std::function<std::string(const ir::CallNode *, const passes::Target &)>;
  /// Bytes of scratch memory the anchor lowering of a call needs while it runs.
  using ScratchFn = std::function<uint64_t(const ir::CallNode *, const passes::Target &)>;

  InlineFn inlineFn;
  AnchorFn anchorFn;
  /// The value at an output index depends only on the operands at the broadcast index: the op
  /// may sit on the epilogue chain after an anchor.
  bool elementwise = false;
  /// Reads its single data operand at the same flat position (reshape, squeeze, cast, ...).
  bool preservesFlat = false;
  /// Anchor only: reads its tensor arguments element by element through AnchorCtx::read, so
  /// an argument computed by inline ops (a cast before a sum) is not materialised.
  bool inlineArgs = false;
  CheckFn check;
  ImplFn implName;
  /// Multiply-accumulates one call performs (convolutions; unset: not counted), for reports.
  std::function<int64_t(const ir::CallNode *)> macs;
  /// Anchor ops only; unset means none. The scratch is part of the module's workspace, planned
  /// at compile time like a kernel temporary (AnchorCtx::scratch), so that lowerings keep large
  /// buffers off the stack.
  ScratchFn scratchBytes;
};

/// Op name → lowering.
class LoweringTable {
public:
  static const LoweringTable &global();
  const OpLowering *find(std::string_view op) const;
  /// Adds or replaces the lowering of `op` (a dedicated lowering registered after the generic
  /// one replaces it).
  void set(const std::string &op, OpLowering l);

private:
  std::map<std::string, OpLowering, std::less<>> ops_;
};

// Family registration (one function per lower_ops_*.cc file).
void registerElemwiseLowerings(LoweringTable &t);
void registerTransformLowerings(LoweringTable &t);
void registerNnLowerings(LoweringTable &t);
void registerConvLowerings(LoweringTable &t);

/// Follows TupleGetItem(Tuple(...), i) to the field it selects.
ir::Expr resolveAlias(ir::Expr e);
/// The tensor arguments of a call with tuple arguments flattened (concatenate's fields).
std::vector<ir::Expr> flatTensorArgs(const ir::CallNode *call);

/// The evaluator's op-level helpers for lowerings: dtype of a node's (tensor) type.
inline ir::DType dtypeOf(ir::Expr e) { return e->type.dtype(); }
inline const ir::Shape &shapeOf(ir::Expr e) { return e->type.shape(); }

} // namespace mtc::codegen
