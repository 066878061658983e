// mtc — inline evaluation of op chains at an element index, and the fused epilogue.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/epilogue.h"

#include "ir/check.h"

#include <llvm/IR/GlobalVariable.h>

namespace mtc::codegen {

void InlineEmitter::bindLeaf(ir::Expr e, LeafValue v) { leaves_[e] = std::move(v); }

const LeafValue *InlineEmitter::leaf(ir::Expr e) const {
  auto it = leaves_.find(e);
  return it == leaves_.end() ? nullptr : &it->second;
}

void InlineEmitter::bindAt(ir::Expr e, const Index &idx, TypedValue v) {
  cache_[{e, idx.id()}] = v;
}

const Buffer *InlineEmitter::bufferOf(ir::Expr e) {
  e = resolveAlias(e);
  // A scalar leaf may also have memory (a constant passed to a kernel): anchors read that.
  if (const LeafValue *l = leaf(e)) return l->buffer.ptr ? &l->buffer : nullptr;
  const auto *c = ir::dyn<ir::ConstantNode>(e);
  if (!c) return nullptr;
  // Constants become leaves on first use, so later reads reuse the same buffer.
  Buffer buf{env_.constants.get(c->value), c->value.shape(), c->value.dtype()};
  leaves_[e] = LeafValue::ofBuffer(buf);
  return &leaves_[e].buffer;
}

Index InlineEmitter::broadcastIndex(const ir::Shape &s, const Index &outIdx) {
  if (s == outIdx.shape()) return outIdx;
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  if (n == 1) return Index::fromFlat(s, i64(b(), 0));
  const size_t lead = outIdx.rank() - s.size();
  MTC_CHECK(outIdx.rank() >= s.size()) << "operand rank exceeds output rank";
  std::vector<llvm::Value *> dims(s.size());
  for (size_t i = 0; i < s.size(); ++i)
    dims[i] = s[i] == 1 ? i64(b(), 0) : outIdx.dim(b(), lead + i);
  return Index::fromDims(s, std::move(dims));
}

TypedValue InlineEmitter::emitBroadcast(ir::Expr e, const Index &outIdx) {
  return emit(e, broadcastIndex(shapeOf(e), outIdx));
}

TypedValue InlineEmitter::emit(ir::Expr e, const Index &idx) {
  e = resolveAlias(e);
  auto key = std::make_pair(e, idx.id());
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  TypedValue out;
  if (const LeafValue *l = leaf(e)) {
    out = l->isScalar ? l->scalar : loadElem(b(), l->buffer, idx.flat(b()));
  } else if (const auto *c = ir::dyn<ir::ConstantNode>(e)) {
    const ir::Tensor &t = c->value;
    if (t.numElements() == 1) {
      // Scalars become immediates: loops over them stay free of loads and fold further.
      out = {constOf(b(), t.dtype(), t.dtype() == ir::DType::Float32 ? 0 : t.intAt(0),
                     t.dtype() == ir::DType::Float32 ? t.floatAt(0) : 0),
             t.dtype()};
    } else {
      const Buffer *buf = bufferOf(e);
      out = loadElem(b(), *buf, idx.flat(b()));
    }
  } else if (const auto *call = ir::dyn<ir::CallNode>(e)) {
    MTC_CHECK(call->op) << "inline emission reached a function call";
    const OpLowering *l = LoweringTable::global().find(call->op->name);
    MTC_CHECK(l && l->inlineFn) << "no inline lowering for " << call->op->name
                                << " (the planner should have materialised it)";
    out = l->inlineFn(*this, call, idx);
  } else {
    MTC_UNREACHABLE("inline emission reached an unbound node");
  }
  MTC_CHECK(out.dtype == dtypeOf(e)) << "lowering produced dtype " << ir::dtypeName(out.dtype)
                                     << " for a node of dtype " << ir::dtypeName(dtypeOf(e));
  cache_[key] = out;
  return out;
}

Epilogue::Epilogue(InlineEmitter &em, ir::Expr anchor, ir::Expr root, Buffer out)
    : em_(em), anchor_(anchor), root_(root), out_(std::move(out)) {
  MTC_CHECK(shapeOf(anchor) == out_.shape) << "epilogue changes the shape of its anchor";
}

TypedValue Epilogue::apply(TypedValue acc, const Index &idx) {
  MTC_CHECK(acc.dtype == accDType()) << "epilogue given " << ir::dtypeName(acc.dtype)
                                     << ", expected " << ir::dtypeName(accDType());
  if (isIdentity()) return acc;
  em_.clearCache();
  em_.bindAt(anchor_, idx, acc);
  TypedValue v = em_.emit(root_, idx);
  em_.clearCache();
  return v;
}

TypedValue AnchorCtx::read(size_t i, llvm::Value *flat) {
  const Buffer &buf = inputs.at(i);
  if (buf.ptr) return loadElem(b(), buf, flat);
  // Not in memory: computed inline here. Cached values belong to other code points.
  InlineEmitter &em = epilogue.emitter();
  em.clearCache();
  TypedValue v = em.emit(args.at(i), Index::fromFlat(buf.shape, flat));
  em.clearCache();
  return v;
}

void Epilogue::applyAndStore(TypedValue acc, const Index &idx) {
  TypedValue v = apply(acc, idx);
  storeElem(em_.b(), out_, idx.flat(em_.b()), v.v);
}

} // namespace mtc::codegen
