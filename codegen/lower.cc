// mtc — @main into kernels, slots and a workspace plan; kernel functions; the LLVM module.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/lower.h"

#include "codegen/lower_entry.h"
#include "codegen/lower_group.h"
#include "ir/check.h"

#include <llvm/IR/Function.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <unordered_map>
#include <unordered_set>

namespace mtc::codegen {

namespace {

using ir::Expr;

/// A tensor value of @main: where it lives and who writes / reads it.
struct Slot {
  SlotRef::Kind kind = SlotRef::Kind::Workspace;
  int index = -1;
  ir::Type type;
  const ir::ConstantNode *constant = nullptr;
  int producer = -1; ///< kernel writing it (workspace and output slots)
  int lastUse = -1;  ///< last kernel reading it
  uint64_t bytes() const { return static_cast<uint64_t>(type.numElements()) * ir::dtypeBytes(type.dtype()); }
};

/// One kernel: a group graph, its leaves bound to slots, results and temporaries.
struct KernelPlan {
  Expr root = nullptr;
  SourceLoc loc;
  std::vector<std::pair<Expr, int>> leaves;
  std::vector<int> outSlots;
  std::vector<int> tempSlots;
  int scratchSlot = -1; ///< plan.scratchBytes of workspace for the anchors, or -1
  GroupPlan plan;
  int copyFrom = -1; ///< a plain copy of slot copyFrom into outSlots[0]
};

std::string sanitize(const std::string &s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

class MainLowering {
public:
  MainLowering(const ir::Module &m, const passes::Target &t, DiagEngine &d)
      : mod_(m), target_(t), diag_(d) {}

  bool partition();
  std::vector<Slot> slots;
  std::vector<KernelPlan> kernels;
  std::vector<TensorSig> inputs, outputs;

private:
  int newSlot(Slot s) {
    slots.push_back(std::move(s));
    return static_cast<int>(slots.size()) - 1;
  }
  bool visit(Expr e);
  bool addKernel(Expr root, const ir::CallNode *site, std::vector<std::pair<Expr, int>> leaves);
  std::optional<int> tensorSlot(Expr e, const char *what);

  const ir::Module &mod_;
  const passes::Target &target_;
  DiagEngine &diag_;
  std::unordered_map<Expr, std::vector<int>> values_;
};

std::optional<int> MainLowering::tensorSlot(Expr e, const char *what) {
  const std::vector<int> &v = values_.at(resolveAlias(e));
  if (v.size() != 1 || !slots[static_cast<size_t>(v[0])].type.isTensor()) {
    diag_.error(e->loc, std::string(what) + ": tuple values are not supported here");
    return std::nullopt;
  }
  return v[0];
}

bool MainLowering::addKernel(Expr root, const ir::CallNode *site,
                             std::vector<std::pair<Expr, int>> leaves) {
  std::unordered_set<Expr> leafSet;
  for (auto &[e, s] : leaves) leafSet.insert(e);
  auto plan = planGroup(root, [&](Expr e) { return leafSet.count(e) > 0; }, target_, diag_);
  if (!plan) return false;
  KernelPlan k;
  k.root = root;
  k.loc = site->loc;
  k.leaves = std::move(leaves);
  k.plan = std::move(*plan);
  const int index = static_cast<int>(kernels.size());
  for (auto &[e, s] : k.leaves) slots[static_cast<size_t>(s)].lastUse = index;
  std::vector<int> result;
  for (Expr o : k.plan.outputs) {
    Slot s;
    s.type = o->type;
    s.producer = index;
    s.lastUse = index;
    k.outSlots.push_back(newSlot(s));
  }
  for (Expr t : k.plan.temps) {
    Slot s;
    s.type = t->type;
    s.producer = s.lastUse = index;
    k.tempSlots.push_back(newSlot(s));
  }
  if (k.plan.scratchBytes) {
    // A temporary like the others: live for this kernel only, so kernels share the memory.
    Slot s;
    s.type = ir::Type::tensor({static_cast<int64_t>(k.plan.scratchBytes)}, ir::DType::UInt8);
    s.producer = s.lastUse = index;
    k.scratchSlot = newSlot(s);
  }
  values_[site] = k.outSlots;
  kernels.push_back(std::move(k));
  return true;
}

bool MainLowering::visit(Expr e) {
  if (const auto *c = ir::dyn<ir::ConstantNode>(e)) {
    Slot s;
    s.kind = SlotRef::Kind::Constant;
    s.type = c->value.type();
    s.constant = c;
    values_[e] = {newSlot(s)};
    return true;
  }
  if (const auto *t = ir::dyn<ir::TupleNode>(e)) {
    std::vector<int> v;
    for (Expr f : t->fields) {
      const std::vector<int> &fv = values_.at(f);
      v.insert(v.end(), fv.begin(), fv.end());
    }
    values_[e] = v;
    return true;
  }
  if (const auto *g = ir::dyn<ir::TupleGetItemNode>(e)) {
    const std::vector<int> &tv = values_.at(g->tuple);
    if (!g->tuple->type.isTuple() || g->index < 0 || static_cast<size_t>(g->index) >= tv.size()) {
      diag_.error(e->loc, "projection from a non-tuple value");
      return false;
    }
    for (const ir::Type &f : g->tuple->type.fields())
      if (!f.isTensor()) {
        diag_.error(e->loc, "nested tuples are not supported by the code generator");
        return false;
      }
    // Fields of nested tuples would be ranges; only flat tuples reach here.
    values_[e] = {tv[static_cast<size_t>(g->index)]};
    return true;
  }
  const auto *call = ir::dyn<ir::CallNode>(e);
  if (!call) {
    diag_.error(e->loc, "function values are not supported by the code generator");
    return false;
  }
  std::vector<std::pair<Expr, int>> leaves;
  if (call->op) {
    // One unfused op: the call is the kernel's graph; its arguments (tuple fields for
    // concatenate) are the leaves.
    for (Expr a : flatTensorArgs(call)) {
      auto s = tensorSlot(a, call->op->name.c_str());
      if (!s) return false;
      leaves.emplace_back(a, *s);
    }
    return addKernel(call, call, std::move(leaves));
  }
  const ir::FunctionNode *fn = ir::dyn<ir::FunctionNode>(call->callee);
  if (const auto *gv = ir::dyn<ir::GlobalVarNode>(call->callee)) fn = mod_.function(gv->name);
  if (!fn) {
    diag_.error(call->loc, "calls through variables are not supported by the code generator");
    return false;
  }
  if (fn->params.size() != call->args.size()) {
    diag_.error(call->loc, "function called with the wrong number of arguments");
    return false;
  }
  for (size_t i = 0; i < fn->params.size(); ++i) {
    auto s = tensorSlot(call->args[i], "function argument");
    if (!s) return false;
    leaves.emplace_back(fn->params[i], *s);
  }
  return addKernel(fn->body, call, std::move(leaves));
}

bool MainLowering::partition() {
  const ir::FunctionNode *main = mod_.main();
  if (!main) {
    diag_.error("the module has no @main function");
    return false;
  }
  for (size_t i = 0; i < main->params.size(); ++i) {
    const ir::VarNode *p = main->params[i];
    if (!p->type.isTensor()) {
      diag_.error(p->loc, "input '" + p->name + "' has a tuple type; inputs must be tensors");
      return false;
    }
    Slot s;
    s.kind = SlotRef::Kind::Input;
    s.index = static_cast<int>(i);
    s.type = p->type;
    values_[p] = {newSlot(s)};
    inputs.push_back({p->name, p->type.dtype(), p->type.shape()});
  }
  // Post-order over @main's own graph; function bodies are kernels, not visited here.
  std::unordered_set<Expr> done;
  std::vector<std::pair<Expr, bool>> stack{{main->body, false}};
  while (!stack.empty()) {
    auto [e, expanded] = stack.back();
    stack.pop_back();
    if (done.count(e)) continue;
    if (expanded) {
      if (!values_.count(e) && !visit(e)) return false;
      done.insert(e);
      continue;
    }
    if (ir::dyn<ir::VarNode>(e)) {
      if (!values_.count(e)) {
        diag_.error(e->loc, "unbound variable in @main");
        return false;
      }
      continue;
    }
    stack.push_back({e, true});
    std::vector<Expr> kids;
    if (const auto *c = ir::dyn<ir::CallNode>(e)) kids = c->args;
    else if (const auto *t = ir::dyn<ir::TupleNode>(e)) kids = t->fields;
    else if (const auto *g = ir::dyn<ir::TupleGetItemNode>(e)) kids = {g->tuple};
    for (auto it = kids.rbegin(); it != kids.rend(); ++it)
      if (!done.count(*it)) stack.push_back({*it, false});
  }
  // Results: a kernel result not yet claimed is written straight into the caller's output
  // tensor; anything else (an input, a constant, a repeated value) needs a copy.
  const std::vector<int> result = values_.at(main->body);
  std::unordered_set<int> claimed;
  for (size_t k = 0; k < result.size(); ++k) {
    Slot &s = slots[static_cast<size_t>(result[k])];
    outputs.push_back({"output_" + std::to_string(k), s.type.dtype(), s.type.shape()});
    if (s.kind == SlotRef::Kind::Workspace && !claimed.count(result[k]) && s.producer >= 0) {
      s.kind = SlotRef::Kind::Output;
      s.index = static_cast<int>(k);
      claimed.insert(result[k]);
      continue;
    }
    KernelPlan copy;
    copy.copyFrom = result[k];
    copy.loc = main->body->loc;
    slots[static_cast<size_t>(result[k])].lastUse = static_cast<int>(kernels.size());
    Slot out;
    out.kind = SlotRef::Kind::Output;
    out.index = static_cast<int>(k);
    out.type = s.type;
    out.producer = out.lastUse = static_cast<int>(kernels.size());
    copy.outSlots.push_back(newSlot(out));
    kernels.push_back(std::move(copy));
  }
  return true;
}

llvm::Function *emitKernel(llvm::Module &m, const passes::Target &target, ConstantPool &pool,
                           const std::vector<Slot> &slots, const KernelPlan &k,
                           const std::string &name, KernelCall &call) {
  llvm::LLVMContext &c = m.getContext();
  // Distinct memory slots become pointer arguments; constants are referenced directly.
  std::vector<int> args;
  auto argOf = [&](int s) {
    for (size_t i = 0; i < args.size(); ++i)
      if (args[i] == s) return static_cast<int>(i);
    args.push_back(s);
    return static_cast<int>(args.size()) - 1;
  };
  std::vector<int> leafArgs, outArgs, tempArgs;
  for (auto &[e, s] : k.leaves)
    leafArgs.push_back(slots[static_cast<size_t>(s)].kind == SlotRef::Kind::Constant ? -1 : argOf(s));
  for (int s : k.outSlots) outArgs.push_back(argOf(s));
  for (int s : k.tempSlots) tempArgs.push_back(argOf(s));
  const int scratchArg = k.scratchSlot >= 0 ? argOf(k.scratchSlot) : -1;
  if (k.copyFrom >= 0 && slots[static_cast<size_t>(k.copyFrom)].kind != SlotRef::Kind::Constant)
    argOf(k.copyFrom);

  std::vector<llvm::Type *> params(args.size(), llvm::PointerType::get(c, 0));
  auto *fty = llvm::FunctionType::get(llvm::Type::getVoidTy(c), params, false);
  auto *fn = llvm::Function::Create(fty, llvm::GlobalValue::InternalLinkage, name, m);
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  fn->addFnAttr(llvm::Attribute::NoFree);
  fn->addFnAttr(llvm::Attribute::NoSync);
  for (size_t i = 0; i < args.size(); ++i) {
    // Every slot live during one kernel has its own memory (the workspace plan guarantees
    // it; callers promise outputs do not overlap inputs), so arguments never alias.
    fn->addParamAttr(static_cast<unsigned>(i), llvm::Attribute::NoAlias);
    fn->addParamAttr(static_cast<unsigned>(i), llvm::Attribute::NoCapture);
    // Workspace offsets are multiples of 64; the scratch holds bytes but promises that.
    const uint64_t align = static_cast<int>(i) == scratchArg
                               ? 64
                               : ir::dtypeBytes(slots[static_cast<size_t>(args[i])].type.dtype());
    fn->addParamAttr(static_cast<unsigned>(i), llvm::Attribute::getWithAlignment(c, llvm::Align(align)));
  }
  Builder b(llvm::BasicBlock::Create(c, "entry", fn));
  auto bufferOf = [&](int s, int arg) {
    const Slot &sl = slots[static_cast<size_t>(s)];
    llvm::Value *ptr = arg >= 0 ? static_cast<llvm::Value *>(fn->getArg(static_cast<unsigned>(arg)))
                                : static_cast<llvm::Value *>(pool.get(sl.constant->value));
    return Buffer{ptr, sl.type.shape(), sl.type.dtype()};
  };
  if (k.copyFrom >= 0) {
    const Slot &src = slots[static_cast<size_t>(k.copyFrom)];
    Buffer from = bufferOf(k.copyFrom, src.kind == SlotRef::Kind::Constant ? -1 : argOf(k.copyFrom));
    Buffer to = bufferOf(k.outSlots[0], outArgs[0]);
    b.CreateMemCpy(to.ptr, llvm::Align(1), from.ptr, llvm::Align(1), src.bytes());
  } else {
    KernelEnv env{m, target, b, pool, &call.epilogueForms};
    InlineEmitter em(env);
    for (size_t i = 0; i < k.leaves.size(); ++i) {
      const int s = k.leaves[i].second;
      const Slot &sl = slots[static_cast<size_t>(s)];
      LeafValue lv = LeafValue::ofBuffer(bufferOf(s, leafArgs[i]));
      if (sl.kind == SlotRef::Kind::Constant && sl.constant->value.numElements() == 1) {
        const ir::Tensor &t = sl.constant->value;
        const bool f = t.dtype() == ir::DType::Float32;
        lv.isScalar = true;
        lv.scalar = {constOf(b, t.dtype(), f ? 0 : t.intAt(0), f ? t.floatAt(0) : 0), t.dtype()};
      }
      em.bindLeaf(k.leaves[i].first, lv);
    }
    std::vector<Buffer> outs, temps;
    for (size_t i = 0; i < k.outSlots.size(); ++i) outs.push_back(bufferOf(k.outSlots[i], outArgs[i]));
    for (size_t i = 0; i < k.tempSlots.size(); ++i) temps.push_back(bufferOf(k.tempSlots[i], tempArgs[i]));
    emitGroup(em, k.plan, outs, temps,
              scratchArg >= 0 ? fn->getArg(static_cast<unsigned>(scratchArg)) : nullptr);
  }
  b.CreateRetVoid();
  call.fn = fn;
  call.args = args;
  return fn;
}

std::string kernelLabel(const KernelPlan &k) {
  if (k.copyFrom >= 0) return "copy";
  for (const Stage &s : k.plan.stages)
    if (s.anchor) return sanitize(s.anchor->op->name);
  return k.plan.calls.empty() ? "copy" : sanitize(k.plan.calls.back()->op->name);
}

} // namespace

std::optional<LoweredModule> lowerModule(const ir::Module &m, const passes::Target &target,
                                         llvm::LLVMContext &ctx, const std::string &triple,
                                         const llvm::DataLayout &dataLayout,
                                         const LowerOptions &opts, DiagEngine &diag) {
  if (!isValidModuleName(opts.name)) {
    diag.error("module name '" + opts.name + "' is not a C identifier");
    return std::nullopt;
  }
  MainLowering ml(m, target, diag);
  if (!ml.partition()) return std::nullopt;

  LoweredModule out;
  out.module = std::make_unique<llvm::Module>("mtc_" + opts.name, ctx);
  out.module->setTargetTriple(triple);
  out.module->setDataLayout(dataLayout);

  // Workspace plan over the intermediate slots (kernel temporaries live for their kernel).
  std::vector<int> wsSlots;
  std::vector<BufferLifetime> lifetimes;
  for (size_t i = 0; i < ml.slots.size(); ++i) {
    const Slot &s = ml.slots[i];
    if (s.kind != SlotRef::Kind::Workspace) continue;
    wsSlots.push_back(static_cast<int>(i));
    lifetimes.push_back({s.bytes(), s.producer, std::max(s.producer, s.lastUse)});
  }
  out.plan = planMemory(lifetimes);
  std::string why;
  MTC_CHECK(planIsValid(lifetimes, out.plan, &why)) << why;

  std::vector<SlotRef> refs(ml.slots.size());
  for (size_t i = 0; i < ml.slots.size(); ++i) {
    refs[i].kind = ml.slots[i].kind;
    refs[i].index = ml.slots[i].index;
  }
  for (size_t j = 0; j < wsSlots.size(); ++j) refs[static_cast<size_t>(wsSlots[j])].offset = out.plan.offsets[j];

  ConstantPool pool(*out.module, "mtc_" + opts.name + "_");
  std::vector<KernelCall> calls;
  for (size_t i = 0; i < ml.kernels.size(); ++i) {
    const KernelPlan &k = ml.kernels[i];
    const std::string fname = "mtc_" + opts.name + "_k" + std::to_string(i) + "_" + kernelLabel(k);
    KernelCall call;
    emitKernel(*out.module, target, pool, ml.slots, k, fname, call);
    calls.push_back(call);
    KernelSummary sum;
    sum.function = fname;
    sum.loc = k.loc;
    sum.numOps = static_cast<int>(k.plan.calls.size());
    sum.numStages = static_cast<int>(k.plan.stages.size());
    for (const Stage &s : k.plan.stages) {
      if (!s.anchor) continue;
      sum.anchors.push_back(s.anchor->op->name);
      sum.anchorLocs.push_back(s.anchor->loc.valid() ? s.anchor->loc : k.loc);
      const OpLowering *l = LoweringTable::global().find(s.anchor->op->name);
      sum.impls.push_back(l->implName ? l->implName(s.anchor, target) : "generic");
      sum.anchorMacs.push_back(l->macs ? l->macs(s.anchor) : 0);
      sum.fused.insert(sum.fused.end(), s.fused.begin(), s.fused.end());
      auto form = call.epilogueForms.find(s.anchor);
      sum.epilogueForms.push_back(form == call.epilogueForms.end() ? "" : form->second);
    }
    out.numOps += sum.numOps;
    out.kernels.push_back(std::move(sum));
  }
  for (size_t i = 0; i < ml.slots.size(); ++i)
    if (ml.slots[i].kind == SlotRef::Kind::Constant)
      refs[i].global = pool.get(ml.slots[i].constant->value);

  out.meta.name = opts.name;
  out.meta.target = target.str();
  out.meta.qemuCpu = target.isAArch64() ? target.qemuCpu() : "";
  out.meta.workspaceBytes = out.plan.peakBytes;
  out.meta.constantBytes = pool.bytes();
  out.meta.inputs = ml.inputs;
  out.meta.outputs = ml.outputs;
  emitEntryPoints(*out.module, out.meta, refs, calls, opts.exportModuleInfo);

  std::string err;
  llvm::raw_string_ostream os(err);
  MTC_CHECK(!llvm::verifyModule(*out.module, &os)) << "invalid LLVM IR: " << os.str();
  return out;
}

} // namespace mtc::codegen
