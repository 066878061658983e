// mtc — SimplifyExpr: algebraic rewrites that preserve every value exactly.
// SPDX-License-Identifier: Apache-2.0
//
// Only integer tensors are touched: with floats, `x + 0` turns -0.0 into +0.0 and chained casts
// through float can round, so none of these identities hold bit for bit. Each rule also
// requires the result type to equal the operand's (an identity that broadcasts is not one).
// Rules (docs/passes.md):
//   cast(x: d, d)                          -> x
//   cast(cast(x: s, d1), d2)               -> cast(x, d2)   if every s value fits in d1
//   add(x, 0), add(0, x), subtract(x, 0)   -> x             (0: a constant of zeros)
//   multiply(x, 1), multiply(1, x)         -> x
//   left_shift(x, 0), right_shift(x, 0)    -> x
//   clip(x: d, lo, hi)                     -> x             if [lo, hi] covers all of d
//   reshape(x) to x's own shape            -> x
//   reshape(reshape(x, s1), s2)            -> reshape(x, s2)
//   (x + c1) + c2                          -> x + (c1 + c2)  c1, c2 constants; `+` is add or
//                                                            nn.bias_add on the last axis
// The module is rewritten until nothing changes (at most a few rounds, types re-inferred in
// between so each round sees typed nodes).
#include "ir/builder.h"
#include "ir/infer_type.h"
#include "ir/op.h"
#include "ir/ops/attrs.h"
#include "passes/passes.h"

#include <map>
#include <optional>
#include <unordered_map>

namespace mtc::passes {
namespace {

using ir::Expr;

bool intTensor(const ir::Type &t) {
  return t.isTensor() && (ir::isInteger(t.dtype()) || t.dtype() == ir::DType::Bool);
}

// True if `e` is a constant whose every element equals `v`.
bool isSplat(Expr e, int64_t v) {
  const ir::ConstantNode *c = ir::dyn<ir::ConstantNode>(e);
  if (!c || !c->value.defined() || !ir::isInteger(c->value.dtype())) return false;
  for (int64_t i = 0; i < c->value.numElements(); ++i)
    if (c->value.intAt(i) != v) return false;
  return true;
}

// Every value of dtype `s` is representable in `d` (so a cast s -> d is injective).
bool fitsIn(ir::DType s, ir::DType d) {
  bool sInt = ir::isInteger(s) || s == ir::DType::Bool;
  bool dInt = ir::isInteger(d);
  return sInt && dInt && ir::dtypeMin(d) <= ir::dtypeMin(s) && ir::dtypeMax(d) >= ir::dtypeMax(s);
}

class Simplifier {
public:
  Simplifier(ir::Context &ctx, const std::unordered_map<Expr, int> &uses)
      : rw_(ctx), b_(ctx), uses_(uses) {}
  Expr rewrite(Expr root) {
    return rw_.rewrite(root, [this](Expr old, Expr rebuilt) { return visit(old, rebuilt); });
  }
  std::map<std::string, int> counts;

private:
  Expr hit(const char *rule, Expr e) {
    ++counts[rule];
    return e;
  }
  Expr visit(Expr old, Expr rebuilt);

  ir::Rewriter rw_;
  ir::Builder b_;
  const std::unordered_map<Expr, int> &uses_; // users of each node of the input
};

// `x + c` written as add(x, c), add(c, x) or nn.bias_add(x, c) on the last axis, with c a
// constant and the result of x's own type (c broadcasts into x without enlarging it).
std::optional<std::pair<Expr, Expr>> constantOffset(Expr e) {
  const ir::CallNode *c = ir::dyn<ir::CallNode>(e);
  if (!c || !c->op || c->args.size() != 2 || !intTensor(e->type)) return std::nullopt;
  Expr a = c->args[0], b = c->args[1];
  if (c->op->name == "add") {
    if (ir::dyn<ir::ConstantNode>(b) && a->type == e->type) return std::make_pair(a, b);
    if (ir::dyn<ir::ConstantNode>(a) && b->type == e->type) return std::make_pair(b, a);
  } else if (c->op->name == "nn.bias_add" && ir::dyn<ir::ConstantNode>(b) &&
             a->type == e->type) {
    int64_t axis = c->attrsAs<ir::BiasAddAttrs>().axis, rank = e->type.rank();
    if (axis == rank - 1 || axis == -1) return std::make_pair(a, b);
  }
  return std::nullopt;
}

Expr Simplifier::visit(Expr old, Expr rebuilt) {
  const ir::CallNode *oc = ir::dyn<ir::CallNode>(old);
  if (!oc || !oc->op || !intTensor(old->type)) return rebuilt;
  const auto *nc = static_cast<const ir::CallNode *>(rebuilt);
  const std::string &op = oc->op->name;
  auto sameType = [&](size_t i) { return oc->args.at(i)->type == old->type; };

  if (op == "cast") {
    if (sameType(0)) return hit("cast to the same dtype", nc->args[0]);
    // Chains are matched only where the operand was not rewritten in this round, so the old
    // types describe it; the next round (re-typed) sees what this one changed.
    const ir::CallNode *inner = ir::dyn<ir::CallNode>(oc->args[0]);
    if (inner && nc->args[0] == inner && ir::isOpCall(inner, "cast") &&
        intTensor(inner->args[0]->type) &&
        intTensor(inner->type) && fitsIn(inner->args[0]->type.dtype(), inner->type.dtype())) {
      Expr x = rw_.mapped(inner->args[0]);
      // Rewrites keep types, so the original operand's type is the replacement's.
      if (inner->args[0]->type == old->type) return hit("cast of an exact cast", x);
      return hit("cast of an exact cast", b_.call("cast", {x}, nc->attrs, old->loc));
    }
    return rebuilt;
  }
  if (op == "add" || op == "nn.bias_add") {
    // (x + c1) + c2 -> x + (c1 + c2): integer addition wraps, so it is associative; the
    // constant sum is left for FoldConstant. Only when the inner sum has no other user.
    std::optional<std::pair<Expr, Expr>> outer = constantOffset(old);
    std::optional<std::pair<Expr, Expr>> inner;
    if (outer && rw_.mapped(outer->first) == outer->first && uses_.count(outer->first) &&
        uses_.at(outer->first) == 1)
      inner = constantOffset(outer->first);
    if (inner && inner->second->type.dtype() == outer->second->type.dtype()) {
      Expr sum = b_.call("add", {inner->second, outer->second}, nullptr, old->loc);
      return hit("constant offsets combined", b_.call("add", {inner->first, sum}, nullptr, old->loc));
    }
  }
  if ((op == "add" || op == "subtract" || op == "multiply" || op == "left_shift" ||
       op == "right_shift") &&
      oc->args.size() == 2) {
    int64_t unit = op == "multiply" ? 1 : 0;
    if (isSplat(oc->args[1], unit) && sameType(0))
      return hit(op == "multiply" ? "multiply by 1" : "add/subtract/shift by 0", nc->args[0]);
    if ((op == "add" || op == "multiply") && isSplat(oc->args[0], unit) && sameType(1))
      return hit(op == "multiply" ? "multiply by 1" : "add/subtract/shift by 0", nc->args[1]);
    return rebuilt;
  }
  if (op == "clip" && sameType(0)) {
    const auto &a = oc->attrsAs<ir::ClipAttrs>();
    ir::DType d = old->type.dtype();
    if (a.a_min <= static_cast<double>(ir::dtypeMin(d)) &&
        a.a_max >= static_cast<double>(ir::dtypeMax(d)))
      return hit("clip covering the dtype", nc->args[0]);
    return rebuilt;
  }
  if (op == "reshape") {
    if (sameType(0)) return hit("reshape to the same shape", nc->args[0]);
    const ir::CallNode *inner = ir::dyn<ir::CallNode>(oc->args[0]);
    if (inner && nc->args[0] == inner && ir::isOpCall(inner, "reshape")) {
      auto attrs = std::make_shared<ir::ReshapeAttrs>();
      attrs->newshape = old->type.shape();
      return hit("reshape of a reshape",
                 b_.call("reshape", {rw_.mapped(inner->args[0])}, attrs, old->loc));
    }
  }
  return rebuilt;
}

} // namespace

std::optional<ir::Module> simplifyExpr(const ir::Module &m, PassContext &ctx) {
  ir::Module cur = m;
  std::map<std::string, int> total;
  for (int round = 0; round < 4; ++round) {
    std::unordered_map<Expr, int> uses;
    for (const auto &[name, f] : cur.functions())
      for (Expr e : ir::postOrder(f))
        for (Expr c : ir::children(e)) ++uses[c];
    Simplifier s(m.ctx(), uses);
    ir::Module next(m.ctxPtr());
    for (const auto &[name, f] : cur.functions())
      next.setFunction(name, static_cast<const ir::FunctionNode *>(s.rewrite(f)));
    if (s.counts.empty()) break;
    for (const auto &[rule, n] : s.counts) total[rule] += n;
    cur = next;
    if (!ir::inferTypes(cur, ctx.diag)) {
      ctx.diag.error("SimplifyExpr: internal error: the simplified module does not type-check");
      return std::nullopt;
    }
  }
  int n = 0;
  std::string detail;
  for (const auto &[rule, k] : total) {
    n += k;
    detail += (detail.empty() ? " (" : ", ") + rule + ": " + std::to_string(k);
  }
  if (!detail.empty()) detail += ")";
  ctx.report("SimplifyExpr: " + std::to_string(n) + (n == 1 ? " rewrite" : " rewrites") + detail);
  return cur;
}

} // namespace mtc::passes
