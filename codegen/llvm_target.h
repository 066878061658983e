// mtc — LLVM TargetMachines for our targets, file emission and shared-library linking.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"
#include "passes/target.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace mtc::codegen {

/// Registers LLVM's AArch64 and X86 targets (only those), once; safe to call repeatedly.
void initializeLlvmTargets();

/// The LLVM triple used for `target`: its `-mtriple`, `aarch64-linux-gnu` for AArch64 without
/// one, LLVM's default (host) triple for the host.
std::string llvmTriple(const passes::Target &target);

/// The `-mcpu` passed to LLVM: the target's cpu, "generic" for AArch64 without one, the host
/// CPU's name for the host.
std::string llvmCpu(const passes::Target &target);

/// The LLVM feature string: Target::llvmFeatures() for AArch64, the host CPU's detected
/// features for the host (so host code uses what this machine has).
std::string llvmFeatureString(const passes::Target &target);

/// Creates a TargetMachine for `target`: position-independent code (shared libraries),
/// CodeGenOptLevel::Aggressive (O3). Reports a failure (e.g. a triple LLVM cannot build for)
/// to `diag` and returns nullptr.
std::unique_ptr<llvm::TargetMachine> createTargetMachine(const passes::Target &target,
                                                         DiagEngine &diag);

/// Sets `m`'s triple and data layout from `tm`. Call before optimizing or emitting.
void prepareModule(llvm::Module &m, const llvm::TargetMachine &tm);

/// Runs LLVM's default O3 module pipeline (vectorisers included) for `tm`'s target.
void optimizeModule(llvm::Module &m, llvm::TargetMachine &tm);

/// What emitModule writes.
enum class EmitKind {
  Object,   ///< ELF relocatable object
  Assembly, ///< target assembly text
  LlvmIr,   ///< textual LLVM IR (.ll)
};

/// Writes `m` (prepared for `tm`) to `path`. The file appears atomically (written to a temporary
/// in the same directory, then renamed) and only on success. Errors of the backend, including
/// inline-asm that the target's features do not allow, are reported to `diag` with the
/// failing file; returns false then, leaving no file behind.
bool emitModule(llvm::Module &m, llvm::TargetMachine &tm, EmitKind kind, const std::string &path,
                DiagEngine &diag);

/// Links objects into a shared library at `path` (atomically, as emitModule).
/// AArch64: `ld.lld-19 -shared` (Debian lld-19), falling back to `aarch64-linux-gnu-gcc -shared`
/// (g++-aarch64-linux-gnu) when lld is not installed; libc of the sysroot
/// /usr/aarch64-linux-gnu is linked when present. Host: the system `cc -shared`, falling back to
/// `ld.lld-19 -shared`. A missing tool is an error naming the package(s) to install; a failing
/// link reports the tool's output.
bool linkSharedLibrary(const passes::Target &target, const std::vector<std::string> &objects,
                       const std::string &path, DiagEngine &diag);

} // namespace mtc::codegen
