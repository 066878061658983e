// mtc — kernel graphs into stages (materialisation and epilogue fusion) and their emission.
//
// A node is materialised (gets memory) when it is an anchor (it emits its own loops), an input
// of an anchor that is not already in memory, or a result of the kernel. Every other node is
// computed inline inside the loop nest of the stage that uses it. An anchor is then folded into
// the stage of the node it feeds when the path between them is elementwise and shape-preserving:
// that is the fused epilogue, and the anchor's own result never reaches memory.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/lower_group.h"

#include "ir/check.h"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace mtc::codegen {

namespace {

using ir::Expr;

const OpLowering *loweringOf(Expr e) {
  const auto *c = ir::dyn<ir::CallNode>(e);
  return c && c->op ? LoweringTable::global().find(c->op->name) : nullptr;
}

bool isAnchor(Expr e) {
  const OpLowering *l = loweringOf(e);
  return l && l->anchorFn;
}

std::vector<Expr> flattenRoot(Expr root, DiagEngine &diag, bool &ok) {
  std::vector<Expr> out;
  root = resolveAlias(root);
  if (const auto *t = ir::dyn<ir::TupleNode>(root)) {
    for (Expr f : t->fields) {
      f = resolveAlias(f);
      if (ir::dyn<ir::TupleNode>(f)) {
        diag.error(f->loc, "nested tuples as results are not supported by the code generator");
        ok = false;
      }
      out.push_back(f);
    }
  } else {
    out.push_back(root);
  }
  return out;
}

struct Planner {
  const std::function<bool(Expr)> &isLeafFn;
  const passes::Target &target;
  DiagEngine &diag;
  GroupPlan plan;
  std::vector<Expr> order;                          // post-order of group nodes (non-leaves)
  std::unordered_map<Expr, std::vector<Expr>> users; // group users of each node
  std::unordered_set<Expr> mat;
  std::unordered_set<Expr> anchorArgs; // materialised because an anchor reads them

  bool isLeaf(Expr e) { return ir::dyn<ir::ConstantNode>(e) || isLeafFn(e); }

  // Operands inside the group graph (tuple arguments contribute their fields).
  std::vector<Expr> operands(Expr e) {
    if (const auto *c = ir::dyn<ir::CallNode>(e)) return flatTensorArgs(c);
    if (const auto *t = ir::dyn<ir::TupleNode>(e)) {
      std::vector<Expr> fs;
      for (Expr f : t->fields) fs.push_back(resolveAlias(f));
      return fs;
    }
    return {};
  }

  bool collect(const std::vector<Expr> &roots) {
    std::unordered_set<Expr> seen;
    std::vector<std::pair<Expr, bool>> stack;
    for (auto it = roots.rbegin(); it != roots.rend(); ++it) stack.push_back({*it, false});
    while (!stack.empty()) {
      auto [e, expanded] = stack.back();
      stack.pop_back();
      if (isLeaf(e)) continue;
      if (expanded) {
        order.push_back(e);
        continue;
      }
      if (!seen.insert(e).second) continue;
      if (!validate(e)) return false;
      stack.push_back({e, true});
      std::vector<Expr> ops = operands(e);
      for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
        users[*it].push_back(e);
        stack.push_back({*it, false});
      }
    }
    return true;
  }

  bool validate(Expr e) {
    if (const auto *c = ir::dyn<ir::CallNode>(e)) {
      if (!c->op) {
        diag.error(c->loc, "calls of functions inside a kernel are not supported by the code "
                           "generator (run FuseOps on an unfused graph instead)");
        return false;
      }
      const OpLowering *l = LoweringTable::global().find(c->op->name);
      if (!l) {
        std::string msg = "no lowering for " + c->op->name;
        if (c->op->name.rfind("qnn.", 0) == 0)
          msg += "; run the QNN passes (-O1 or above) to canonicalize it";
        diag.error(c->loc, msg);
        return false;
      }
      if (l->check) {
        std::string why = l->check(c, target);
        if (!why.empty()) {
          diag.error(c->loc, c->op->name + ": " + why);
          return false;
        }
      }
      for (Expr a : c->args) {
        a = resolveAlias(a);
        if (ir::dyn<ir::TupleNode>(a) && !l->anchorFn) {
          diag.error(c->loc, c->op->name + ": tuple arguments are not supported");
          return false;
        }
      }
      if (!e->type.isTensor()) {
        diag.error(c->loc, c->op->name + ": tuple-valued ops are not supported");
        return false;
      }
      plan.calls.push_back(c);
      return true;
    }
    if (ir::dyn<ir::TupleNode>(e)) return true;
    if (ir::dyn<ir::TupleGetItemNode>(e)) {
      diag.error(e->loc, "projection from a computed tuple is not supported inside a kernel");
      return false;
    }
    if (ir::dyn<ir::VarNode>(e)) {
      diag.error(e->loc, "variable '" + static_cast<const ir::VarNode *>(e)->name +
                             "' is not bound in this kernel");
      return false;
    }
    diag.error(e->loc, "function values are not supported by the code generator");
    return false;
  }

  // Nodes computed inline by the stage of `r`: reachable from r without crossing leaves or
  // other materialised nodes.
  std::unordered_set<Expr> region(Expr r) {
    std::unordered_set<Expr> reg{r};
    std::vector<Expr> stack{r};
    while (!stack.empty()) {
      Expr e = stack.back();
      stack.pop_back();
      for (Expr o : operands(e))
        if (!isLeaf(o) && !mat.count(o) && reg.insert(o).second) stack.push_back(o);
    }
    return reg;
  }

  // An anchor `a` read by the region of `r` can be fused into r's stage when only that region
  // uses it and every region node depending on it is elementwise with a's shape.
  // `chain` receives the names of the fused ops, operands first.
  bool canFuse(Expr a, Expr r, const std::unordered_set<Expr> &reg,
               std::vector<std::string> &chain) {
    if (anchorArgs.count(a) || shapeOf(a) != shapeOf(r)) return false;
    if (std::find(plan.outputs.begin(), plan.outputs.end(), a) != plan.outputs.end()) return false;
    for (Expr u : users[a])
      if (!reg.count(u)) return false;
    // Region nodes that reach `a`, in post-order of the group. None of them may be needed by
    // another stage (which would then have to recompute the anchor inline).
    std::unordered_map<Expr, bool> reaches;
    chain.clear();
    for (Expr e : order) {
      if (!reg.count(e)) continue;
      bool r2 = false;
      for (Expr o : operands(e)) r2 |= o == a || (reaches.count(o) && reaches[o]);
      reaches[e] = r2;
      if (!r2) continue;
      const OpLowering *l = loweringOf(e);
      if (!l || !l->elementwise || shapeOf(e) != shapeOf(a)) return false;
      if (e != r)
        for (Expr u : users[e])
          if (!reg.count(u)) return false;
      chain.push_back(static_cast<const ir::CallNode *>(e)->op->name);
    }
    return true;
  }

  const ir::CallNode *fusableAnchor(Expr r, std::vector<std::string> &chain) {
    if (isLeaf(r) || isAnchor(r)) return nullptr;
    std::unordered_set<Expr> reg = region(r);
    for (Expr e : order) {
      if (!mat.count(e) || !isAnchor(e)) continue;
      bool read = false;
      for (Expr u : users[e]) read |= reg.count(u) > 0;
      if (read && canFuse(e, r, reg, chain)) return ir::dyn<ir::CallNode>(e);
    }
    return nullptr;
  }

  bool run(Expr root) {
    bool ok = true;
    plan.outputs = flattenRoot(root, diag, ok);
    if (!ok || !collect(plan.outputs)) return false;
    for (Expr e : order) {
      if (!isAnchor(e)) continue;
      mat.insert(e);
      // An anchor reading its arguments inline only needs the ones computed by other anchors,
      // which are materialised anyway.
      if (loweringOf(e)->inlineArgs) continue;
      for (Expr a : operands(e)) {
        if (isLeaf(a)) continue;
        mat.insert(a);
        anchorArgs.insert(a);
      }
    }
    std::unordered_set<Expr> outs(plan.outputs.begin(), plan.outputs.end());
    for (Expr o : plan.outputs)
      if (!isLeaf(o)) mat.insert(o);
    // Stage owners in execution order; each non-anchor owner may absorb one anchor.
    std::unordered_map<Expr, std::pair<const ir::CallNode *, std::vector<std::string>>> fusedInto;
    for (Expr e : order) {
      if (!mat.count(e) || isAnchor(e)) continue;
      std::vector<std::string> chain;
      if (const ir::CallNode *a = fusableAnchor(e, chain)) {
        fusedInto[e] = {a, chain};
        mat.erase(a);
      }
    }
    std::unordered_map<Expr, int> outputOf;
    for (size_t k = 0; k < plan.outputs.size(); ++k) outputOf.emplace(plan.outputs[k], int(k));
    for (Expr e : order) {
      if (!mat.count(e)) continue;
      Stage s;
      s.node = e;
      if (isAnchor(e)) s.anchor = ir::dyn<ir::CallNode>(e);
      else if (auto it = fusedInto.find(e); it != fusedInto.end()) {
        s.anchor = it->second.first;
        s.fused = it->second.second;
      }
      if (s.anchor) {
        const OpLowering *l = loweringOf(s.anchor);
        if (l->scratchBytes)
          plan.scratchBytes = std::max(plan.scratchBytes, l->scratchBytes(s.anchor, target));
      }
      if (auto it = outputOf.find(e); it != outputOf.end()) {
        s.output = it->second;
      } else {
        s.temp = static_cast<int>(plan.temps.size());
        plan.temps.push_back(e);
      }
      plan.stages.push_back(s);
    }
    // Results that are leaves, or repeat an earlier result, are copies.
    for (size_t k = 0; k < plan.outputs.size(); ++k) {
      Expr o = plan.outputs[k];
      if (!isLeaf(o) && outputOf[o] == static_cast<int>(k)) continue;
      Stage s;
      s.node = o;
      s.output = static_cast<int>(k);
      plan.stages.push_back(s);
    }
    return true;
  }
};

// True when every op of the inline region reads its operands at the same flat position (or
// reads scalars), so one flat loop needs no per-dim indices.
bool flatRegion(InlineEmitter &em, Expr root) {
  std::vector<Expr> stack{root};
  std::unordered_set<Expr> seen;
  while (!stack.empty()) {
    Expr e = resolveAlias(stack.back());
    stack.pop_back();
    if (!seen.insert(e).second || em.leaf(e) || ir::dyn<ir::ConstantNode>(e)) continue;
    const auto *c = ir::dyn<ir::CallNode>(e);
    if (!c) return false;
    const OpLowering *l = loweringOf(c);
    const std::string &name = c->op->name;
    const bool axisOp = name == "nn.bias_add" || name == "fixed_point_multiply_per_axis";
    if (!l->preservesFlat && (!l->elementwise || axisOp)) return false;
    for (Expr a : flatTensorArgs(c)) {
      if (!l->preservesFlat && shapeOf(a) != shapeOf(c) && a->type.numElements() != 1)
        return false;
      stack.push_back(a);
    }
  }
  return true;
}

void emitInlineStage(InlineEmitter &em, Expr node, const Buffer &out) {
  Builder &b = em.b();
  em.clearCache();
  if (flatRegion(em, node)) {
    emitLoop(b, 0, out.numElements(), 1, [&](llvm::Value *i) {
      TypedValue v = em.emit(node, Index::fromFlat(out.shape, i));
      storeElem(b, out, i, v.v);
    });
  } else {
    emitLoopNest(b, out.shape, [&](const std::vector<llvm::Value *> &ivs, llvm::Value *flat) {
      TypedValue v = em.emit(node, Index::fromBoth(out.shape, ivs, flat));
      storeElem(b, out, flat, v.v);
    });
  }
  em.clearCache();
}

} // namespace

std::optional<GroupPlan> planGroup(Expr root, const std::function<bool(Expr)> &isLeaf,
                                   const passes::Target &target, DiagEngine &diag) {
  Planner p{isLeaf, target, diag, {}, {}, {}, {}, {}};
  if (!p.run(root)) return std::nullopt;
  return std::move(p.plan);
}

void emitGroup(InlineEmitter &em, const GroupPlan &plan, const std::vector<Buffer> &outputs,
               const std::vector<Buffer> &temps, llvm::Value *scratch) {
  MTC_CHECK(!plan.scratchBytes || scratch) << "the kernel's scratch memory is missing";
  for (const Stage &s : plan.stages) {
    const Buffer &out = s.output >= 0 ? outputs.at(static_cast<size_t>(s.output))
                                      : temps.at(static_cast<size_t>(s.temp));
    if (!s.anchor) {
      emitInlineStage(em, s.node, out);
    } else {
      const bool inlineArgs = loweringOf(s.anchor)->inlineArgs;
      std::vector<Buffer> inputs;
      std::vector<Expr> args = flatTensorArgs(s.anchor);
      for (Expr a : args) {
        const Buffer *buf = em.bufferOf(a);
        MTC_CHECK(buf || inlineArgs) << s.anchor->op->name << ": an anchor input is not in memory";
        inputs.push_back(buf ? *buf : Buffer{nullptr, shapeOf(a), dtypeOf(a)});
      }
      em.clearCache();
      Epilogue ep(em, s.anchor, s.node, out);
      AnchorCtx ctx{em.env(), s.anchor, std::move(inputs), ep, scratch, std::move(args)};
      LoweringTable::global().find(s.anchor->op->name)->anchorFn(ctx);
      em.clearCache();
    }
    if (!em.leaf(s.node)) em.bindLeaf(s.node, LeafValue::ofBuffer(out));
  }
}

} // namespace mtc::codegen
