// mtc — one kernel's graph (a Primitive function body, or a single op call of an unfused graph)
// split into stages: which nodes are materialised, which anchor takes which epilogue, and the
// emission of those stages into the kernel's LLVM function.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/epilogue.h"
#include "ir/diagnostics.h"

#include <functional>
#include <optional>
#include <vector>

namespace mtc::codegen {

/// One loop nest of a kernel: computes `node` into a group output or a temporary.
struct Stage {
  ir::Expr node = nullptr;                 ///< the value stored
  const ir::CallNode *anchor = nullptr;    ///< anchor op whose epilogue ends at `node`, or null
  int output = -1;                         ///< group output number, or -1
  int temp = -1;                           ///< temporary number when output < 0
  std::vector<std::string> fused;          ///< ops fused after the anchor, in order
};

/// The stages of one kernel, in execution order.
struct GroupPlan {
  std::vector<Stage> stages;
  std::vector<ir::Expr> outputs;  ///< the group's result, tuple fields flattened
  std::vector<ir::Expr> temps;    ///< materialised intermediates (need workspace memory)
  std::vector<const ir::CallNode *> calls; ///< every op call of the group, operands first
  /// Scratch bytes of the anchors (OpLowering::scratchBytes): the largest of them, as the
  /// stages run one after another and share one region.
  uint64_t scratchBytes = 0;
};

/// Plans the kernel whose result is `root` (a tensor or a tuple of tensors). `isLeaf` says
/// which nodes are inputs of the kernel (parameters, values computed by other kernels);
/// constants are always leaves. Reports an op without a lowering (naming the op and its
/// location), unsupported constructs and failed lowering checks, and returns nullopt.
std::optional<GroupPlan> planGroup(ir::Expr root, const std::function<bool(ir::Expr)> &isLeaf,
                                   const passes::Target &target, DiagEngine &diag);

/// Emits every stage of `plan` at the builder's position. Leaves must already be bound in `em`;
/// `outputs` / `temps` are the memory of the plan's outputs and temporaries, `scratch` that of
/// plan.scratchBytes (null when 0).
void emitGroup(InlineEmitter &em, const GroupPlan &plan, const std::vector<Buffer> &outputs,
               const std::vector<Buffer> &temps, llvm::Value *scratch);

} // namespace mtc::codegen
