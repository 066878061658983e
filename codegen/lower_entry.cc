// mtc — the exported entry points of a module: mtc_<name>_run (argument checks, then the
// kernel sequence over caller tensors, constants and the workspace), mtc_<name>_workspace_size,
// mtc_<name>_info, mtc_module_get_info and the `.mtc_meta` text section.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/lower_entry.h"

#include "codegen/lower_ir.h"
#include "ir/check.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/GlobalVariable.h>
#include <llvm/IR/Module.h>
#include <llvm/Transforms/Utils/ModuleUtils.h>

namespace mtc::codegen {

int runtimeDType(ir::DType t) {
  // The values of mtc_dtype in runtime/mtc_runtime.h.
  switch (t) {
  case ir::DType::Int8: return 0;
  case ir::DType::UInt8: return 1;
  case ir::DType::Int16: return 2;
  case ir::DType::Int32: return 3;
  case ir::DType::Int64: return 4;
  case ir::DType::Float32: return 5;
  case ir::DType::Bool: return 6;
  }
  MTC_UNREACHABLE("bad dtype");
}

namespace {

// Status codes of runtime/mtc_runtime.h.
enum Status { kNull = 1, kNdim = 2, kShape = 3, kDType = 4, kWorkspace = 5, kAlign = 6 };

struct Types {
  llvm::PointerType *ptr;
  llvm::IntegerType *i32, *i64;
  llvm::StructType *tensor, *tensorInfo, *moduleInfo;
  explicit Types(llvm::LLVMContext &c) {
    ptr = llvm::PointerType::get(c, 0);
    i32 = llvm::Type::getInt32Ty(c);
    i64 = llvm::Type::getInt64Ty(c);
    tensor = llvm::StructType::create(c, {ptr, ptr, i32, i32}, "mtc_tensor");
    tensorInfo = llvm::StructType::create(c, {ptr, i32, i32, ptr}, "mtc_tensor_info");
    moduleInfo = llvm::StructType::create(
        c, {i32, i32, i32, i32, ptr, ptr, ptr, ptr, ptr, i64, i64, ptr}, "mtc_module_info");
  }
};

llvm::Constant *cstring(llvm::Module &m, const std::string &s, const std::string &name) {
  llvm::Constant *init = llvm::ConstantDataArray::getString(m.getContext(), s, true);
  auto *gv = new llvm::GlobalVariable(m, init->getType(), true, llvm::GlobalValue::PrivateLinkage,
                                      init, name);
  gv->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  return gv;
}

llvm::Constant *tensorInfos(llvm::Module &m, const Types &t, const std::vector<TensorSig> &sigs,
                            const std::string &prefix) {
  std::vector<llvm::Constant *> elems;
  for (size_t i = 0; i < sigs.size(); ++i) {
    const TensorSig &s = sigs[i];
    std::vector<uint64_t> dims(s.shape.begin(), s.shape.end());
    llvm::Constant *shape = llvm::ConstantPointerNull::get(t.ptr);
    if (!dims.empty()) {
      llvm::Constant *init = llvm::ConstantDataArray::get(m.getContext(), dims);
      shape = new llvm::GlobalVariable(m, init->getType(), true, llvm::GlobalValue::PrivateLinkage,
                                       init, prefix + std::to_string(i) + "_shape");
    }
    elems.push_back(llvm::ConstantStruct::get(
        t.tensorInfo, {cstring(m, s.name, prefix + std::to_string(i) + "_name"),
                       llvm::ConstantInt::get(t.i32, runtimeDType(s.dtype)),
                       llvm::ConstantInt::get(t.i32, s.shape.size()), shape}));
  }
  if (elems.empty()) return llvm::ConstantPointerNull::get(t.ptr);
  auto *arrTy = llvm::ArrayType::get(t.tensorInfo, elems.size());
  return new llvm::GlobalVariable(m, arrTy, true, llvm::GlobalValue::PrivateLinkage,
                                  llvm::ConstantArray::get(arrTy, elems), prefix + "s");
}

/// Emits the checks of one tensor array; returns the data pointers.
std::vector<llvm::Value *> checkTensors(Builder &b, const Types &t, llvm::Value *array,
                                        const std::vector<TensorSig> &sigs, int firstIndex,
                                        llvm::Function *fn) {
  llvm::LLVMContext &c = b.getContext();
  auto failIf = [&](llvm::Value *cond, int code, int tensor) {
    llvm::BasicBlock *bad = llvm::BasicBlock::Create(c, "bad", fn);
    llvm::BasicBlock *ok = llvm::BasicBlock::Create(c, "ok", fn);
    b.CreateCondBr(cond, bad, ok);
    Builder eb(bad);
    eb.CreateRet(llvm::ConstantInt::get(t.i32, code + 256 * (tensor + 1)));
    b.SetInsertPoint(ok);
  };
  std::vector<llvm::Value *> data;
  if (sigs.empty()) return data;
  failIf(b.CreateIsNull(array), kNull, firstIndex);
  for (size_t i = 0; i < sigs.size(); ++i) {
    const TensorSig &s = sigs[i];
    const int k = firstIndex + static_cast<int>(i);
    llvm::Value *tp = b.CreateConstInBoundsGEP1_64(t.tensor, array, i);
    llvm::Value *d = b.CreateLoad(t.ptr, b.CreateStructGEP(t.tensor, tp, 0), "data");
    llvm::Value *shape = b.CreateLoad(t.ptr, b.CreateStructGEP(t.tensor, tp, 1));
    llvm::Value *ndim = b.CreateLoad(t.i32, b.CreateStructGEP(t.tensor, tp, 2));
    llvm::Value *dtype = b.CreateLoad(t.i32, b.CreateStructGEP(t.tensor, tp, 3));
    failIf(b.CreateICmpNE(ndim, llvm::ConstantInt::get(t.i32, s.shape.size())), kNdim, k);
    failIf(b.CreateICmpNE(dtype, llvm::ConstantInt::get(t.i32, runtimeDType(s.dtype))), kDType, k);
    int64_t numel = 1;
    for (int64_t v : s.shape) numel *= v;
    if (numel > 0) failIf(b.CreateIsNull(d), kNull, k);
    if (!s.shape.empty()) {
      failIf(b.CreateIsNull(shape), kNull, k);
      for (size_t j = 0; j < s.shape.size(); ++j) {
        llvm::Value *dim = b.CreateLoad(t.i64, b.CreateConstInBoundsGEP1_64(t.i64, shape, j));
        failIf(b.CreateICmpNE(dim, llvm::ConstantInt::get(t.i64, s.shape[j])), kShape, k);
      }
    }
    const int bytes = ir::dtypeBytes(s.dtype);
    if (bytes > 1) {
      llvm::Value *mis = b.CreateAnd(b.CreatePtrToInt(d, t.i64), llvm::ConstantInt::get(t.i64, bytes - 1));
      failIf(b.CreateICmpNE(mis, llvm::ConstantInt::get(t.i64, 0)), kAlign, k);
    }
    data.push_back(d);
  }
  return data;
}

llvm::Function *exported(llvm::Module &m, llvm::FunctionType *fty, const std::string &name) {
  auto *fn = llvm::Function::Create(fty, llvm::GlobalValue::ExternalLinkage, name, m);
  fn->setVisibility(llvm::GlobalValue::DefaultVisibility);
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  return fn;
}

} // namespace

void emitEntryPoints(llvm::Module &m, const ModuleMeta &meta, const std::vector<SlotRef> &slots,
                     const std::vector<KernelCall> &calls, bool exportModuleInfo) {
  llvm::LLVMContext &c = m.getContext();
  Types t(c);
  const std::string p = "mtc_" + meta.name;

  // int mtc_<name>_run(const mtc_tensor *inputs, mtc_tensor *outputs, void *workspace)
  auto *runTy = llvm::FunctionType::get(t.i32, {t.ptr, t.ptr, t.ptr}, false);
  llvm::Function *run = exported(m, runTy, p + "_run");
  run->getArg(0)->setName("inputs");
  run->getArg(1)->setName("outputs");
  run->getArg(2)->setName("workspace");
  Builder b(llvm::BasicBlock::Create(c, "entry", run));
  std::vector<llvm::Value *> in = checkTensors(b, t, run->getArg(0), meta.inputs, 0, run);
  std::vector<llvm::Value *> out =
      checkTensors(b, t, run->getArg(1), meta.outputs, static_cast<int>(meta.inputs.size()), run);
  llvm::Value *ws = run->getArg(2);
  if (meta.workspaceBytes > 0) {
    llvm::Value *bad = b.CreateOr(
        b.CreateIsNull(ws),
        b.CreateICmpNE(b.CreateAnd(b.CreatePtrToInt(ws, t.i64), llvm::ConstantInt::get(t.i64, 63)),
                       llvm::ConstantInt::get(t.i64, 0)));
    llvm::BasicBlock *badBB = llvm::BasicBlock::Create(c, "bad", run);
    llvm::BasicBlock *ok = llvm::BasicBlock::Create(c, "ok", run);
    b.CreateCondBr(bad, badBB, ok);
    Builder(badBB).CreateRet(llvm::ConstantInt::get(t.i32, kWorkspace));
    b.SetInsertPoint(ok);
  }
  auto slotPtr = [&](int s) -> llvm::Value * {
    const SlotRef &r = slots[static_cast<size_t>(s)];
    switch (r.kind) {
    case SlotRef::Kind::Input: return in.at(static_cast<size_t>(r.index));
    case SlotRef::Kind::Output: return out.at(static_cast<size_t>(r.index));
    case SlotRef::Kind::Constant: return r.global;
    case SlotRef::Kind::Workspace:
      return b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), ws, r.offset);
    }
    MTC_UNREACHABLE("bad slot");
  };
  for (const KernelCall &k : calls) {
    std::vector<llvm::Value *> args;
    for (int s : k.args) args.push_back(slotPtr(s));
    b.CreateCall(k.fn, args);
  }
  b.CreateRet(llvm::ConstantInt::get(t.i32, 0));

  // uint64_t mtc_<name>_workspace_size(void)
  llvm::Function *wsFn = exported(m, llvm::FunctionType::get(t.i64, false), p + "_workspace_size");
  Builder(llvm::BasicBlock::Create(c, "entry", wsFn))
      .CreateRet(llvm::ConstantInt::get(t.i64, meta.workspaceBytes));

  // The mtc_module_info structure and its accessors.
  llvm::Constant *info = llvm::ConstantStruct::get(
      t.moduleInfo,
      {llvm::ConstantInt::get(t.i32, 1), llvm::ConstantInt::get(t.i32, meta.inputs.size()),
       llvm::ConstantInt::get(t.i32, meta.outputs.size()), llvm::ConstantInt::get(t.i32, 0),
       cstring(m, meta.name, p + "_info_name"), cstring(m, meta.target, p + "_info_target"),
       cstring(m, meta.qemuCpu, p + "_info_cpu"), tensorInfos(m, t, meta.inputs, p + "_input"),
       tensorInfos(m, t, meta.outputs, p + "_output"),
       llvm::ConstantInt::get(t.i64, meta.workspaceBytes),
       llvm::ConstantInt::get(t.i64, meta.constantBytes), run});
  auto *infoGV = new llvm::GlobalVariable(m, t.moduleInfo, true, llvm::GlobalValue::InternalLinkage,
                                          info, p + "_module_info");
  auto *infoTy = llvm::FunctionType::get(t.ptr, false);
  Builder(llvm::BasicBlock::Create(c, "entry", exported(m, infoTy, p + "_info"))).CreateRet(infoGV);
  if (exportModuleInfo)
    Builder(llvm::BasicBlock::Create(c, "entry", exported(m, infoTy, "mtc_module_get_info")))
        .CreateRet(infoGV);

  // The same description as text, for tools that must not run the module's code.
  llvm::Constant *text = llvm::ConstantDataArray::getString(c, meta.serialize(), true);
  auto *metaGV = new llvm::GlobalVariable(m, text->getType(), true,
                                          llvm::GlobalValue::InternalLinkage, text, p + "_meta");
  metaGV->setSection(kMetaSection);
  metaGV->setAlignment(llvm::Align(1));
  llvm::appendToUsed(m, {metaGV});
}

} // namespace mtc::codegen
