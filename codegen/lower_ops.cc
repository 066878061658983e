// mtc — the op lowering table, tuple helpers and the constant pool.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/lower_ops.h"

#include "codegen/gemm_conv.h"
#include "ir/check.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/GlobalVariable.h>
#include <llvm/IR/Module.h>

#include <cstring>
#include <string_view>

namespace mtc::codegen {

const LoweringTable &LoweringTable::global() {
  static const LoweringTable table = [] {
    LoweringTable t;
    registerElemwiseLowerings(t);
    registerTransformLowerings(t);
    registerNnLowerings(t);
    registerConvLowerings(t);
    registerGemmConvLowering(t);
    return t;
  }();
  return table;
}

const OpLowering *LoweringTable::find(std::string_view op) const {
  auto it = ops_.find(op);
  return it == ops_.end() ? nullptr : &it->second;
}

void LoweringTable::set(const std::string &op, OpLowering l) {
  MTC_CHECK(static_cast<bool>(l.inlineFn) != static_cast<bool>(l.anchorFn))
      << "lowering of " << op << " must be either inline or anchor";
  ops_[op] = std::move(l);
}

ir::Expr resolveAlias(ir::Expr e) {
  while (const auto *g = ir::dyn<ir::TupleGetItemNode>(e)) {
    const auto *t = ir::dyn<ir::TupleNode>(g->tuple);
    if (!t || g->index < 0 || g->index >= static_cast<int64_t>(t->fields.size())) break;
    e = t->fields[static_cast<size_t>(g->index)];
  }
  return e;
}

std::vector<ir::Expr> flatTensorArgs(const ir::CallNode *call) {
  std::vector<ir::Expr> out;
  for (ir::Expr a : call->args) {
    a = resolveAlias(a);
    if (const auto *t = ir::dyn<ir::TupleNode>(a)) {
      for (ir::Expr f : t->fields) out.push_back(resolveAlias(f));
    } else {
      out.push_back(a);
    }
  }
  return out;
}

namespace {

uint64_t hashBytes(const ir::Tensor &t) {
  // FNV-1a over dtype, shape and data: only a bucket key, equality is checked in full.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const void *p, size_t n) {
    const auto *c = static_cast<const uint8_t *>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ c[i]) * 1099511628211ull;
  };
  int d = static_cast<int>(t.dtype());
  mix(&d, sizeof d);
  for (int64_t s : t.shape()) mix(&s, sizeof s);
  mix(t.rawData(), t.byteSize());
  return h;
}

} // namespace

llvm::GlobalVariable *ConstantPool::get(const ir::Tensor &t) {
  if (auto it = byData_.find(t.rawData()); t.rawData() && it != byData_.end()) return it->second;
  std::vector<std::pair<ir::Tensor, llvm::GlobalVariable *>> &bucket = byHash_[hashBytes(t)];
  for (auto &[seen, gv] : bucket) {
    if (seen.byteSize() == t.byteSize() &&
        (t.byteSize() == 0 || std::memcmp(seen.rawData(), t.rawData(), t.byteSize()) == 0)) {
      // Not remembered by address: the pool does not own `t`, and a later tensor may reuse
      // the address once `t` is freed.
      return gv;
    }
  }
  llvm::LLVMContext &c = m_.getContext();
  llvm::ArrayRef<uint8_t> bytes(t.rawData(), t.byteSize());
  llvm::Constant *init = llvm::ConstantDataArray::get(c, bytes);
  const std::string name = prefix_ + "const" + std::to_string(count_++);
  auto *gv = new llvm::GlobalVariable(m_, init->getType(), /*isConstant=*/true,
                                      llvm::GlobalValue::InternalLinkage, init, name);
  gv->setAlignment(llvm::Align(64));
  gv->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  bucket.emplace_back(t, gv);
  if (t.rawData()) byData_[t.rawData()] = gv;
  bytes_ += t.byteSize();
  return gv;
}

} // namespace mtc::codegen
