// mtc — the exported C entry points of a lowered module (runtime/mtc_runtime.h): argument
// checks, the kernel call sequence over the planned workspace, and the self-description.
// Internal to codegen/lower*.cc.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/module_meta.h"

#include "ir/expr.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llvm {
class Function;
class GlobalVariable;
class Module;
} // namespace llvm

namespace mtc::codegen {

/// Where one tensor of the kernel call sequence lives at run time.
struct SlotRef {
  enum class Kind { Input, Output, Workspace, Constant };
  Kind kind = Kind::Workspace;
  int index = -1;            ///< input / output number
  uint64_t offset = 0;       ///< workspace offset
  llvm::GlobalVariable *global = nullptr; ///< constant
};

/// One kernel launch: the function and the slots of its pointer arguments, in order.
struct KernelCall {
  llvm::Function *fn = nullptr;
  std::vector<int> args;
  /// KernelEnv::epilogueForms of the kernel's anchors.
  std::map<const ir::CallNode *, std::string> epilogueForms;
};

/// Emits mtc_<name>_run, mtc_<name>_workspace_size, mtc_<name>_info (and, with
/// `exportModuleInfo`, mtc_module_get_info) plus the `.mtc_meta` section into `m`.
void emitEntryPoints(llvm::Module &m, const ModuleMeta &meta, const std::vector<SlotRef> &slots,
                     const std::vector<KernelCall> &calls, bool exportModuleInfo);

/// Value of an ir::DType in the runtime's mtc_dtype enum.
int runtimeDType(ir::DType t);

} // namespace mtc::codegen
