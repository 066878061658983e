// mtc — SimplifyExpr: algebraic rewrites that preserve every value exactly.
// SPDX-License-Identifier: Apache-2.0
//
// Only integer tensors are touched: with floats, `x + 0` turns -0.0 into +0.0 and chained casts
// through float can round, so none of these identities hold bit for bit. Each rule also
// requires the result type to equal the operand's (an identity that broadcasts is not one).
// Rules (docs/passes.md); ranges come from the interval analysis of value_range.h:
//   cast(x: d, d)                          -> x
//   cast(cast(x, d1), d2)                  -> cast(x, d2), or x if x has dtype d2,
//                                             if every value of x fits in d1
//   add(x, 0), add(0, x), subtract(x, 0)   -> x             (0: a constant of zeros)
//   multiply(x, 1), multiply(1, x)         -> x
//   left_shift(x, 0), right_shift(x, 0)    -> x
//   clip(x, lo, hi)                        -> x             if every value of x is in [lo, hi]
//   reshape(x) to x's own shape            -> x
//   reshape(reshape(x, s1), s2)            -> reshape(x, s2)
//   (x +- c1) +- c2                        -> x + c or x - c, or x if c is all zeros; c1, c2
//                                             constants, `+` is add or nn.bias_add on the last
//                                             axis, c computed here with the evaluator
// The module is rewritten until nothing changes (at most a few rounds, types re-inferred in
// between so each round sees typed nodes).
#include "ir/builder.h"
#include "ir/eval.h"
#include "ir/infer_type.h"
#include "ir/op.h"
#include "ir/ops/attrs.h"
#include "passes/passes.h"
#include "passes/value_range.h"

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

class Simplifier {
public:
  Simplifier(ir::Context &ctx, const std::unordered_map<Expr, int> &uses, DiagEngine &diag)
      : rw_(ctx), b_(ctx), uses_(uses), diag_(diag) {}
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
  Expr combineOffsets(Expr old);
  std::optional<ir::Tensor> evalConstant(const std::string &op, Expr lhs, Expr rhs);

  ir::Rewriter rw_;
  ir::Builder b_;
  const std::unordered_map<Expr, int> &uses_; // users of each node of the input
  DiagEngine &diag_;
  ValueRanges ranges_; // of the input's nodes
};

// `x + c` or `x - c`: add(x, c), add(c, x), subtract(x, c) or nn.bias_add(x, c) on the last
// axis, with c a constant and the result of x's own type (c broadcasts into x without
// enlarging it).
struct Offset {
  Expr x, c;
  bool negative;
};

std::optional<Offset> constantOffset(Expr e) {
  const ir::CallNode *c = ir::dyn<ir::CallNode>(e);
  if (!c || !c->op || c->args.size() != 2 || !intTensor(e->type)) return std::nullopt;
  Expr a = c->args[0], b = c->args[1];
  const std::string &op = c->op->name;
  if (op == "add" || op == "subtract") {
    if (ir::dyn<ir::ConstantNode>(b) && a->type == e->type) return Offset{a, b, op == "subtract"};
    if (op == "add" && ir::dyn<ir::ConstantNode>(a) && b->type == e->type)
      return Offset{b, a, false};
  } else if (op == "nn.bias_add" && ir::dyn<ir::ConstantNode>(b) && a->type == e->type &&
             b->type.isTensor() && b->type.dtype() == e->type.dtype()) {
    int64_t axis = c->attrsAs<ir::BiasAddAttrs>().axis, rank = e->type.rank();
    if (axis == rank - 1 || axis == -1) return Offset{a, b, false};
  }
  return std::nullopt;
}

// lhs op rhs on two constants, by the reference evaluator (so wrap-around is exactly the op's).
std::optional<ir::Tensor> Simplifier::evalConstant(const std::string &op, Expr lhs, Expr rhs) {
  const ir::CallNode *call = b_.call(op, {lhs, rhs});
  lhs->type = static_cast<const ir::ConstantNode *>(lhs)->value.type();
  rhs->type = static_cast<const ir::ConstantNode *>(rhs)->value.type();
  if (ir::inferCallType(call, diag_).isUnknown()) return std::nullopt;
  return ir::evalCall(call, {static_cast<const ir::ConstantNode *>(lhs)->value,
                             static_cast<const ir::ConstantNode *>(rhs)->value})
      .tensor;
}

// (x +- c1) +- c2 -> x +- c: integer addition wraps, so it is associative. Only when the inner
// sum has no other user and was not rewritten in this round (its old types are then valid).
Expr Simplifier::combineOffsets(Expr old) {
  std::optional<Offset> outer = constantOffset(old);
  if (!outer || rw_.mapped(outer->x) != outer->x || !uses_.count(outer->x) ||
      uses_.at(outer->x) != 1)
    return nullptr;
  std::optional<Offset> inner = constantOffset(outer->x);
  if (!inner || inner->c->type.dtype() != outer->c->type.dtype()) return nullptr;
  // s1*c1 + s2*c2 as one signed constant: both negative keeps a subtraction.
  std::optional<ir::Tensor> c;
  bool negative = false;
  if (inner->negative == outer->negative) {
    c = evalConstant("add", inner->c, outer->c);
    negative = inner->negative;
  } else if (outer->negative) {
    c = evalConstant("subtract", inner->c, outer->c);
  } else {
    c = evalConstant("subtract", outer->c, inner->c);
  }
  if (!c) return nullptr;
  Expr x = rw_.mapped(inner->x);
  bool zero = true;
  for (int64_t i = 0; i < c->numElements() && zero; ++i) zero = c->intAt(i) == 0;
  if (zero && inner->x->type == old->type) return hit("constant offsets combined", x);
  Expr k = b_.constant(*c, old->loc);
  return hit("constant offsets combined",
             b_.call(negative ? "subtract" : "add", {x, k}, nullptr, old->loc));
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
        intTensor(inner->type)) {
      std::optional<IntRange> r = ranges_.of(inner->args[0]);
      if (r && r->within(dtypeRange(inner->type.dtype()))) {
        Expr x = rw_.mapped(inner->args[0]);
        // Rewrites keep types, so the original operand's type is the replacement's.
        if (inner->args[0]->type == old->type) return hit("cast of an exact cast", x);
        return hit("cast of an exact cast", b_.call("cast", {x}, nc->attrs, old->loc));
      }
    }
    return rebuilt;
  }
  if (op == "add" || op == "subtract" || op == "nn.bias_add")
    if (Expr e = combineOffsets(old)) return e;
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
    // Every value already inside [lo, hi]: the clip is the identity (its output range then
    // equals its input range).
    std::optional<IntRange> in = ranges_.of(oc->args[0]), out = ranges_.of(old);
    if (in && out && in == out && in->lo <= in->hi) {
      const auto &a = oc->attrsAs<ir::ClipAttrs>();
      if (a.a_min <= static_cast<double>(in->lo) && a.a_max >= static_cast<double>(in->hi))
        return hit("clip that cannot clip", nc->args[0]);
    }
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
  for (int round = 0; round < 8; ++round) {
    std::unordered_map<Expr, int> uses;
    for (const auto &[name, f] : cur.functions())
      for (Expr e : ir::postOrder(f))
        for (Expr c : ir::children(e)) ++uses[c];
    Simplifier s(m.ctx(), uses, ctx.diag);
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
