// mtc — FuseOps: partitions every function body into groups of op calls, each wrapped in a
// local `fn (...) { ... }` with Primitive=1 and called once. Each primitive function is one
// kernel for the codegen.
// SPDX-License-Identifier: Apache-2.0
//
// Grouping (a simplification of TVM's dominator-based FuseOps, see docs/passes.md):
// - Anchors are OutEWiseFusable ops (convolutions, dense, pools) and CommReduce ops. An anchor
//   absorbs the chain of ElemWise/Broadcast ops that consume it (its epilogue); the epilogue's
//   other operands stay outside. OutEWiseFusable anchors never absorb their producers; a
//   CommReduce anchor absorbs an anchor-free injective producer chain (its prologue, e.g. the
//   cast before a sum).
// - ElemWise/Broadcast/Injective ops without an anchor producer absorb their producers that are
//   themselves anchor-free chains of such ops.
// - A node joins its consumer's group only if that consumer is its single use (a node with
//   several uses, or that is the function result and used elsewhere, ends its group).
// - Opaque ops are groups of their own. Tuples, projections, vars, constants and calls of
//   functions are never inside a group (a tuple argument of an op is rebuilt inside it).
// - Scalar constants stay inside the primitive function as literals; every other operand,
//   including tensor constants (weights, bias), becomes a parameter, so kernels get their
//   tensors as arguments.
#include "ir/builder.h"
#include "ir/op.h"
#include "passes/passes.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace mtc::passes {
namespace {

using ir::Expr;

// Operands as the fusion sees them: function literals are leaves (their bodies are other
// functions and are left alone).
std::vector<Expr> dataflowChildren(Expr e) {
  if (e->kind == ir::ExprKind::Function) return {};
  return ir::children(e);
}

bool isAnchorPattern(ir::OpPattern p) {
  return p == ir::OpPattern::OutEWiseFusable || p == ir::OpPattern::CommReduce;
}

const ir::CallNode *opCall(Expr e) {
  const ir::CallNode *c = ir::dyn<ir::CallNode>(e);
  return c && c->op ? c : nullptr;
}

struct Group {
  Expr anchor = nullptr;
  bool opaque = false;
  ir::OpPattern pattern = ir::OpPattern::ElemWise; // max over members
  std::vector<Expr> members;                        // post-order
};

class Fuser {
public:
  Fuser(ir::Context &ctx) : ctx_(ctx), b_(ctx), rw_(ctx) {}

  const ir::FunctionNode *run(const ir::FunctionNode *fn);

  int groups = 0;
  size_t largestSize = 0;
  std::string largestName;

private:
  Group *groupOf(Expr e) {
    auto it = parent_.find(e);
    if (it == parent_.end()) return nullptr;
    Expr r = e;
    while (parent_.at(r) != r) r = parent_.at(r);
    // Path compression keeps lookups cheap on long chains.
    for (Expr x = e; parent_.at(x) != r;) {
      Expr next = parent_.at(x);
      parent_[x] = r;
      x = next;
    }
    return &groups_.at(r);
  }
  Expr rootOf(Expr e) {
    groupOf(e);
    Expr r = e;
    while (parent_.at(r) != r) r = parent_.at(r);
    return r;
  }
  // Merges the producer's group into the consumer's.
  void merge(Expr producer, Expr consumer) {
    Expr pr = rootOf(producer), cr = rootOf(consumer);
    if (pr == cr) return;
    Group &pg = groups_.at(pr), &cg = groups_.at(cr);
    if (pg.anchor) cg.anchor = pg.anchor;
    cg.pattern = std::max(cg.pattern, pg.pattern);
    cg.members.insert(cg.members.end(), pg.members.begin(), pg.members.end());
    groups_.erase(pr);
    parent_[pr] = cr;
  }
  void partition(const std::vector<Expr> &order, Expr body);
  Expr operandInside(Expr a, Expr root, std::unordered_map<Expr, Expr> &inner,
                     std::unordered_map<Expr, const ir::VarNode *> &paramOf,
                     std::vector<const ir::VarNode *> &params, std::vector<Expr> &args);
  Expr buildGroup(Expr root);

  ir::Context &ctx_;
  ir::Builder b_;
  ir::Rewriter rw_;
  std::unordered_map<Expr, int> uses_;
  std::unordered_map<Expr, size_t> index_; // position in the body's post-order
  std::unordered_map<Expr, Expr> parent_;
  std::unordered_map<Expr, Group> groups_;
  std::unordered_map<Expr, Expr> mainMap_; // old node -> its replacement in the new body
};

void Fuser::partition(const std::vector<Expr> &order, Expr body) {
  for (Expr e : order) {
    index_[e] = index_.size();
    for (Expr c : dataflowChildren(e)) ++uses_[c];
  }
  ++uses_[body];

  for (Expr e : order) {
    const ir::CallNode *c = opCall(e);
    if (!c) continue;
    parent_[e] = e;
    Group &g = groups_[e];
    g.members = {e};
    g.pattern = c->op->pattern;
    g.opaque = c->op->pattern == ir::OpPattern::Opaque;
    if (isAnchorPattern(c->op->pattern)) g.anchor = e;
    if (g.opaque) continue;

    auto fusible = [&](Expr a) {
      if (!opCall(a) || uses_[a] != 1) return false;
      Group *pg = groupOf(a);
      return pg && !pg->opaque && rootOf(a) != rootOf(e);
    };
    // An elementwise/broadcast op first tries to become the epilogue of an anchor producer.
    if (c->op->pattern <= ir::OpPattern::Broadcast) {
      for (Expr a : c->args)
        if (fusible(a) && groupOf(a)->anchor) {
          merge(a, e);
          break;
        }
    }
    // Otherwise an anchor-free injective op, or a reduction, absorbs anchor-free injective
    // producer chains (a reduction reads its input once, so the chain is computed in place).
    bool reduction = c->op->pattern == ir::OpPattern::CommReduce;
    if (!reduction && (groupOf(e)->anchor || c->op->pattern > ir::OpPattern::Injective)) continue;
    for (Expr a : c->args)
      if (fusible(a) && !groupOf(a)->anchor && groupOf(a)->pattern <= ir::OpPattern::Injective)
        merge(a, e);
  }
}

// The expression inside the primitive function that stands for operand `a` of a member.
Expr Fuser::operandInside(Expr a, Expr root, std::unordered_map<Expr, Expr> &inner,
                          std::unordered_map<Expr, const ir::VarNode *> &paramOf,
                          std::vector<const ir::VarNode *> &params, std::vector<Expr> &args) {
  if (auto it = inner.find(a); it != inner.end()) return it->second;
  if (const ir::ConstantNode *k = ir::dyn<ir::ConstantNode>(a); k && k->value.rank() == 0)
    return a;
  if (const ir::TupleNode *t = ir::dyn<ir::TupleNode>(a)) {
    std::vector<Expr> fields;
    for (Expr f : t->fields) fields.push_back(operandInside(f, root, inner, paramOf, params, args));
    Expr nt = b_.tuple(std::move(fields), t->loc);
    inner[a] = nt;
    return nt;
  }
  if (auto it = paramOf.find(a); it != paramOf.end()) return it->second;
  const ir::VarNode *p = b_.var("p" + std::to_string(params.size()), a->type);
  paramOf[a] = p;
  params.push_back(p);
  args.push_back(mainMap_.at(a));
  return p;
}

Expr Fuser::buildGroup(Expr root) {
  const Group &g = groups_.at(root);
  std::unordered_map<Expr, Expr> inner;
  std::unordered_map<Expr, const ir::VarNode *> paramOf;
  std::vector<const ir::VarNode *> params;
  std::vector<Expr> args;
  std::unordered_set<Expr> members(g.members.begin(), g.members.end());
  for (Expr m : g.members) {
    const ir::CallNode *c = opCall(m);
    auto *n = ctx_.make<ir::CallNode>();
    n->loc = c->loc;
    n->op = c->op;
    n->attrs = c->attrs;
    for (Expr a : c->args) n->args.push_back(operandInside(a, root, inner, paramOf, params, args));
    inner[m] = n;
  }
  auto *fn = ctx_.make<ir::FunctionNode>();
  fn->loc = root->loc;
  fn->params = params;
  fn->body = inner.at(root);
  fn->retType = root->type;
  fn->attrs["Primitive"] = ir::AttrValue::ofInt(1);

  ++groups;
  if (g.members.size() > largestSize) {
    largestSize = g.members.size();
    Expr named = g.anchor ? g.anchor : g.members.front();
    largestName = opCall(named)->op->name;
  }
  return b_.callFunction(fn, std::move(args), root->loc);
}

const ir::FunctionNode *Fuser::run(const ir::FunctionNode *fn) {
  std::vector<Expr> order = ir::postOrder(fn->body, /*intoFunctions=*/false);
  partition(order, fn->body);
  for (Expr e : order) {
    if (opCall(e)) {
      // Only a group's root is visible outside it; inner members are rebuilt by buildGroup.
      if (rootOf(e) == e) {
        std::sort(groups_.at(e).members.begin(), groups_.at(e).members.end(),
                  [&](Expr x, Expr y) { return index_.at(x) < index_.at(y); });
        mainMap_[e] = buildGroup(e);
      }
      continue;
    }
    std::vector<Expr> ch = dataflowChildren(e);
    bool changed = false;
    for (Expr &c : ch) {
      auto it = mainMap_.find(c);
      if (it != mainMap_.end() && it->second != c) {
        c = it->second;
        changed = true;
      }
    }
    mainMap_[e] = changed ? rw_.withChildren(e, ch) : e;
  }
  auto *out = ctx_.make<ir::FunctionNode>();
  out->loc = fn->loc;
  out->params = fn->params;
  out->body = mainMap_.at(fn->body);
  out->retType = fn->retType;
  out->attrs = fn->attrs;
  return out;
}

} // namespace

std::optional<ir::Module> fuseOps(const ir::Module &m, PassContext &ctx) {
  ir::Module out(m.ctxPtr());
  int groups = 0;
  size_t largest = 0;
  std::string largestName;
  for (const auto &[name, f] : m.functions()) {
    Fuser fuser(m.ctx());
    out.setFunction(name, fuser.run(f));
    groups += fuser.groups;
    if (fuser.largestSize > largest) {
      largest = fuser.largestSize;
      largestName = fuser.largestName;
    }
  }
  std::string line = "FuseOps: " + std::to_string(groups) + (groups == 1 ? " group" : " groups");
  if (groups)
    line += " (largest: " + largestName +
            (largest > 1 ? " + " + std::to_string(largest - 1) + " ops" : std::string()) + ")";
  ctx.report(line);
  return out;
}

} // namespace mtc::passes
