// mtc — FoldConstant: calls whose arguments are all constants become constants, computed by the
// reference evaluator (so folding is exact by construction).
// SPDX-License-Identifier: Apache-2.0
//
// Zero-argument ops are never folded: their value is cheap to compute at run time and folding
// would only grow the binary. Calls of functions are not folded either (they are kernels).
#include "ir/builder.h"
#include "ir/eval.h"
#include "ir/infer_type.h"
#include "passes/passes.h"

namespace mtc::passes {
namespace {

// A constant or a tuple (of tuples) of constants.
bool isConstantValue(ir::Expr e) {
  if (ir::dyn<ir::ConstantNode>(e)) return true;
  const ir::TupleNode *t = ir::dyn<ir::TupleNode>(e);
  if (!t) return false;
  for (ir::Expr f : t->fields)
    if (!isConstantValue(f)) return false;
  return true;
}

ir::Value valueOf(ir::Expr e) {
  if (const ir::ConstantNode *c = ir::dyn<ir::ConstantNode>(e)) return c->value;
  std::vector<ir::Value> fields;
  for (ir::Expr f : static_cast<const ir::TupleNode *>(e)->fields) fields.push_back(valueOf(f));
  return ir::Value::tuple(std::move(fields));
}

// Types the nodes of a constant value built by this pass, so evalCall sees typed arguments.
void typeConstantValue(ir::Expr e) {
  if (const ir::ConstantNode *c = ir::dyn<ir::ConstantNode>(e)) {
    c->type = c->value.type();
    return;
  }
  std::vector<ir::Type> fields;
  for (ir::Expr f : static_cast<const ir::TupleNode *>(e)->fields) {
    typeConstantValue(f);
    fields.push_back(f->type);
  }
  e->type = ir::Type::tuple(std::move(fields));
}

ir::Expr exprOf(ir::Builder &b, const ir::Value &v, SourceLoc loc) {
  if (!v.isTuple) {
    ir::Expr c = b.constant(v.tensor, loc);
    c->type = v.tensor.type();
    return c;
  }
  std::vector<ir::Expr> fields;
  for (const ir::Value &f : v.fields) fields.push_back(exprOf(b, f, loc));
  ir::Expr t = b.tuple(std::move(fields), loc);
  typeConstantValue(t);
  return t;
}

} // namespace

std::optional<ir::Module> foldConstant(const ir::Module &m, PassContext &ctx) {
  ir::Rewriter rw(m.ctx());
  ir::Builder b(m.ctx());
  int folded = 0, projections = 0;
  bool failed = false;

  auto fn = [&](ir::Expr old, ir::Expr rebuilt) -> ir::Expr {
    if (failed) return rebuilt;
    if (const ir::TupleGetItemNode *g = ir::dyn<ir::TupleGetItemNode>(rebuilt)) {
      // Projection of a tuple literal: exactly its field.
      if (const ir::TupleNode *t = ir::dyn<ir::TupleNode>(g->tuple);
          t && g->index >= 0 && g->index < static_cast<int64_t>(t->fields.size())) {
        ++projections;
        return t->fields[g->index];
      }
      return rebuilt;
    }
    const ir::CallNode *call = ir::dyn<ir::CallNode>(rebuilt);
    if (!call || !call->op || !call->op->eval || call->args.empty()) return rebuilt;
    for (ir::Expr a : call->args)
      if (!isConstantValue(a)) return rebuilt;
    std::vector<ir::Value> args;
    for (ir::Expr a : call->args) {
      typeConstantValue(a);
      args.push_back(valueOf(a));
    }
    // Folding replaces a node by its value, so the type is the original node's; recompute it
    // only if the original was not typed (a module built without InferType).
    if (rebuilt != old || rebuilt->type.isUnknown()) {
      rebuilt->type = old->type.isUnknown() ? ir::inferCallType(call, ctx.diag) : old->type;
      if (rebuilt->type.isUnknown()) {
        ctx.diag.error(old->loc, "FoldConstant: cannot type " + call->op->name);
        failed = true;
        return rebuilt;
      }
    }
    ++folded;
    return exprOf(b, ir::evalCall(call, args), old->loc);
  };

  ir::Module out(m.ctxPtr());
  for (const auto &[name, f] : m.functions()) {
    ir::Expr nf = rw.rewrite(f, fn);
    if (failed) return std::nullopt;
    out.setFunction(name, static_cast<const ir::FunctionNode *>(nf));
  }
  std::string line = "FoldConstant: " + std::to_string(folded) +
                     (folded == 1 ? " call folded" : " calls folded");
  if (projections) line += ", " + std::to_string(projections) + " tuple projections";
  ctx.report(line);
  return out;
}

} // namespace mtc::passes
