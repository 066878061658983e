// mtc — emitting a micro-kernel call as llvm::InlineAsm.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/aarch64/ukernel_emit.h"

#include "ir/check.h"

#include <llvm/IR/Function.h>
#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/Error.h>
#include <llvm/TargetParser/Triple.h>

namespace mtc::codegen::aarch64 {
namespace {

llvm::Value *toI64(llvm::IRBuilder<> &builder, llvm::Value *v) {
  MTC_CHECK(v->getType()->isIntegerTy()) << "kernel count/stride must be an integer";
  return builder.CreateZExtOrTrunc(v, builder.getInt64Ty());
}

} // namespace

llvm::CallInst *emitUKernelCall(llvm::IRBuilder<> &builder, const UKernel &k, llvm::Value *a,
                                llvm::Value *b, llvm::Value *c, llvm::Value *kBlocks,
                                llvm::Value *ldcElems) {
  MTC_CHECK(a->getType()->isPointerTy() && b->getType()->isPointerTy() &&
            c->getType()->isPointerTy())
      << "kernel panels must be pointers";
  if (llvm::BasicBlock *bb = builder.GetInsertBlock(); bb && bb->getModule()) {
    const std::string &triple = bb->getModule()->getTargetTriple();
    MTC_CHECK(triple.empty() || llvm::Triple(triple).isAArch64())
        << "AArch64 kernel " << k.name << " emitted into a module for " << triple;
  }
  llvm::LLVMContext &ctx = builder.getContext();
  llvm::Type *ptrTy = llvm::PointerType::get(ctx, 0);
  llvm::Type *i64 = builder.getInt64Ty();
  // The four read-write operands come back as a struct (their final values are unused); the
  // stride is passed in bytes so the asm needs no shift.
  llvm::StructType *retTy = llvm::StructType::get(ctx, {ptrTy, ptrTy, ptrTy, i64});
  llvm::FunctionType *fnTy =
      llvm::FunctionType::get(retTy, {i64, ptrTy, ptrTy, ptrTy, i64}, /*isVarArg=*/false);
  // Local symbols around the kernel (`${:uid}` is unique per emitted asm statement) let
  // profilers attribute its address range: mtc_uk_<name>.N starts it, mtc_uk_end.N ends it.
  std::string text = "mtc_uk_" + std::string(k.name) + ".${:uid}:\n" + k.llvmAsm() +
                     "\nmtc_uk_end.${:uid}:";
  std::string constraints(k.constraints);
  if (llvm::Error e = llvm::InlineAsm::verify(fnTy, constraints))
    MTC_UNREACHABLE("bad constraints for ") << k.name << ": " << llvm::toString(std::move(e));
  llvm::InlineAsm *asmFn = llvm::InlineAsm::get(fnTy, text, constraints,
                                                /*hasSideEffects=*/true);
  llvm::Value *ldcBytes = builder.CreateShl(toI64(builder, ldcElems), 2, "ldc.bytes");
  llvm::CallInst *call =
      builder.CreateCall(asmFn, {ldcBytes, a, b, c, toI64(builder, kBlocks)});
  call->addFnAttr(llvm::Attribute::NoUnwind);
  return call;
}

std::string ukernelTestSymbol(const UKernel &k) {
  return "mtc_ukernel_test_" + std::string(k.name);
}

llvm::Function *emitUKernelTestFunction(llvm::Module &m, const UKernel &k) {
  llvm::LLVMContext &ctx = m.getContext();
  llvm::Type *ptrTy = llvm::PointerType::get(ctx, 0);
  llvm::Type *i64 = llvm::Type::getInt64Ty(ctx);
  llvm::FunctionType *fnTy = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx),
                                                     {ptrTy, ptrTy, ptrTy, i64, i64}, false);
  llvm::Function *fn = llvm::Function::Create(fnTy, llvm::GlobalValue::ExternalLinkage,
                                              ukernelTestSymbol(k), m);
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  const char *argNames[] = {"a", "b", "c", "kblocks", "ldc"};
  for (unsigned i = 0; i < fn->arg_size(); ++i)
    fn->getArg(i)->setName(argNames[i]);
  llvm::BasicBlock *entry = llvm::BasicBlock::Create(ctx, "entry", fn);
  llvm::IRBuilder<> builder(entry);
  emitUKernelCall(builder, k, fn->getArg(0), fn->getArg(1), fn->getArg(2), fn->getArg(3),
                  fn->getArg(4));
  builder.CreateRetVoid();
  return fn;
}

} // namespace mtc::codegen::aarch64
