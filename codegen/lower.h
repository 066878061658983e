// mtc — lowering of an optimized module to an LLVM module: one function per kernel (a Primitive
// function of FuseOps, or one op call of an unfused graph), constants as read-only globals, one
// workspace planned at compile time, and the C entry points of runtime/mtc_runtime.h.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/memory_plan.h"
#include "codegen/module_meta.h"
#include "ir/diagnostics.h"
#include "ir/expr.h"
#include "passes/target.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
class DataLayout;
} // namespace llvm

namespace mtc::codegen {

/// Options of lowerModule.
struct LowerOptions {
  /// The <name> of mtc_<name>_run / _workspace_size / _info: a C identifier.
  std::string name = "model";
  /// Also export the fixed-name `mtc_module_get_info` (shared libraries; not objects that may
  /// be linked together with other modules).
  bool exportModuleInfo = true;
};

/// What the lowering says about one kernel, for the compile summary.
struct KernelSummary {
  std::string function;            ///< LLVM function name
  std::vector<std::string> anchors; ///< anchor ops of the kernel, e.g. {"nn.conv2d"}
  std::vector<std::string> impls;   ///< the implementation of each anchor
  std::vector<SourceLoc> anchorLocs; ///< where each anchor op was written
  std::vector<int64_t> anchorMacs;  ///< multiply-accumulates of each anchor (0: not counted)
  std::vector<std::string> epilogueForms; ///< per anchor: "" (scalar chain) or e.g. "neon x4"
  std::vector<std::string> fused;   ///< ops fused into an anchor's epilogue, all stages
  int numOps = 0;                   ///< op calls in the kernel
  int numStages = 0;                ///< loop nests (materialised values)
  SourceLoc loc;                    ///< the call in @main
};

/// The result of lowerModule.
struct LoweredModule {
  std::unique_ptr<llvm::Module> module;
  ModuleMeta meta;
  std::vector<KernelSummary> kernels;
  MemoryPlan plan;
  int numOps = 0;
};

/// Lowers @main of a type-checked module (normally the -O3 pipeline's output) for `target`.
/// `triple` and `dataLayout` come from the TargetMachine that will compile the module. Reports
/// ops without a lowering (naming the op, at its location) and unsupported constructs, and
/// returns nullopt.
std::optional<LoweredModule> lowerModule(const ir::Module &m, const passes::Target &target,
                                         llvm::LLVMContext &ctx, const std::string &triple,
                                         const llvm::DataLayout &dataLayout,
                                         const LowerOptions &opts, DiagEngine &diag);

} // namespace mtc::codegen
