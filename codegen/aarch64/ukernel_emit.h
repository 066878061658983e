// mtc — emitting a micro-kernel call as llvm::InlineAsm (the tensorize step of TVM #5754).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/aarch64/ukernels.h"

#include <llvm/IR/IRBuilder.h>

namespace llvm {
class Function;
class Module;
} // namespace llvm

namespace mtc::codegen::aarch64 {

/// Emits at the builder's insertion point one call of kernel `k`, which computes and stores the
/// whole tileM x tileN int32 tile C = A·Bᵀ over `kBlocks` k-blocks (see UKernel for the panel
/// layouts). `a`, `b`, `c` are pointers (address space 0); `kBlocks` and `ldcElems` are integers
/// of any width (zero-extended to i64), `ldcElems` being C's row stride in int32 elements
/// (tileN for a contiguous tile). The module must be compiled by a TargetMachine that has the
/// kernel's features (ukernelSupported), otherwise the assembler rejects the instructions.
/// The call is marked as having side effects and clobbering memory, so it is never removed,
/// hoisted or merged; it does not read or write anything but the panels and C.
llvm::CallInst *emitUKernelCall(llvm::IRBuilder<> &builder, const UKernel &k, llvm::Value *a,
                                llvm::Value *b, llvm::Value *c, llvm::Value *kBlocks,
                                llvm::Value *ldcElems);

/// Name of the stand-alone test entry of a kernel: "mtc_ukernel_test_<name>".
std::string ukernelTestSymbol(const UKernel &k);

/// Defines in `m` the external C function
///   void mtc_ukernel_test_<name>(const void *a, const void *b, int32_t *c, int64_t kBlocks,
///                                int64_t ldc)
/// whose body is one emitUKernelCall (ldc in elements). Used by the kernel tests and benches.
llvm::Function *emitUKernelTestFunction(llvm::Module &m, const UKernel &k);

} // namespace mtc::codegen::aarch64
