// mtc — the reference evaluator: walks a typed graph and runs each op's exact semantics.
// SPDX-License-Identifier: Apache-2.0
#include "ir/eval.h"

#include "ir/check.h"
#include "ir/infer_type.h"

#include <unordered_map>
#include <unordered_set>

namespace mtc::ir {

namespace {

bool valueHasType(const Value &v, const Type &t) {
  if (v.isTuple) {
    if (!t.isTuple() || t.fields().size() != v.fields.size()) return false;
    for (size_t i = 0; i < v.fields.size(); ++i)
      if (!valueHasType(v.fields[i], t.fields()[i])) return false;
    return true;
  }
  return t.isTensor() && v.tensor.defined() && v.tensor.dtype() == t.dtype() &&
         v.tensor.shape() == t.shape();
}

std::string valueTypeStr(const Value &v) {
  if (!v.isTuple) return v.tensor.defined() ? v.tensor.type().str() : "<undefined tensor>";
  std::string r = "(";
  for (size_t i = 0; i < v.fields.size(); ++i) r += (i ? ", " : "") + valueTypeStr(v.fields[i]);
  return r + ")";
}

Value runOp(const CallNode *call, const std::vector<Value> &args) {
  const OpDef &def = *call->op;
  EvalCtx ctx{args, call->attrs.get(), call->type, call};
  Value out = def.eval(ctx);
  // A result that disagrees with the op's own type relation is a bug in the op definition.
  MTC_CHECK(valueHasType(out, call->type))
      << def.name << " evaluated to " << valueTypeStr(out) << " but its type is "
      << call->type.str();
  return out;
}

class Evaluator {
public:
  Evaluator(const Module &m, DiagEngine &diag) : m_(m), diag_(diag) {}

  std::optional<Value> callFunction(const FunctionNode *fn, const std::vector<Value> &args,
                                    const std::string &label) {
    MTC_CHECK(args.size() == fn->params.size()) << "arity of " << label << " not checked";
    std::unordered_map<Expr, Value> values;
    for (size_t i = 0; i < args.size(); ++i) values[fn->params[i]] = args[i];

    // fn literals are leaves: their bodies run only when called, with their own params bound.
    std::vector<Expr> order = postOrder(fn->body, /*intoFunctions=*/false);
    // Remaining uses of each node: a value is dropped after its last user ran, which keeps
    // memory proportional to the live set rather than to the graph.
    std::unordered_map<Expr, size_t> uses;
    for (Expr e : order)
      if (e->kind != ExprKind::Function)
        for (Expr c : children(e)) ++uses[c];

    for (Expr e : order) {
      switch (e->kind) {
      case ExprKind::Var:
        if (!values.count(e)) {
          diag_.error(e->loc, label + ": %" + static_cast<const VarNode *>(e)->name +
                                  " is not a parameter of this function");
          return std::nullopt;
        }
        continue; // bound above; not released (parameters are owned by the caller)
      case ExprKind::GlobalVar:
      case ExprKind::Function: continue; // only ever callees
      case ExprKind::Constant: values[e] = static_cast<const ConstantNode *>(e)->value; break;
      case ExprKind::Call: {
        auto call = static_cast<const CallNode *>(e);
        std::vector<Value> argv;
        argv.reserve(call->args.size());
        for (Expr a : call->args) argv.push_back(values.at(a));
        std::optional<Value> r = call->op ? runOpChecked(call, argv) : runCallee(call, argv);
        if (!r) return std::nullopt;
        values[e] = std::move(*r);
        break;
      }
      case ExprKind::Tuple: {
        std::vector<Value> fields;
        for (Expr f : static_cast<const TupleNode *>(e)->fields) fields.push_back(values.at(f));
        values[e] = Value::tuple(std::move(fields));
        break;
      }
      case ExprKind::TupleGetItem: {
        auto g = static_cast<const TupleGetItemNode *>(e);
        const Value &t = values.at(g->tuple);
        MTC_CHECK(t.isTuple && g->index >= 0 && size_t(g->index) < t.fields.size())
            << "projection ." << g->index << " of an untyped or non-tuple value";
        values[e] = t.fields[size_t(g->index)];
        break;
      }
      }
      for (Expr c : children(e)) {
        auto it = uses.find(c);
        if (it != uses.end() && --it->second == 0 && c->kind != ExprKind::Var) values.erase(c);
      }
    }
    auto it = values.find(fn->body);
    MTC_CHECK(it != values.end()) << label << ": body produced no value";
    return it->second;
  }

private:
  std::optional<Value> runOpChecked(const CallNode *call, const std::vector<Value> &args) {
    if (!call->op->eval) {
      diag_.error(call->loc, call->op->name + ": the op has no reference evaluation");
      return std::nullopt;
    }
    MTC_CHECK(!call->type.isUnknown()) << "evaluating an untyped call of " << call->op->name;
    return runOp(call, args);
  }

  std::optional<Value> runCallee(const CallNode *call, const std::vector<Value> &args) {
    if (auto f = dyn<FunctionNode>(call->callee)) return callFunction(f, args, "fn literal");
    auto g = dyn<GlobalVarNode>(call->callee);
    MTC_CHECK(g) << "call of a value that is not a function";
    const FunctionNode *f = m_.function(g->name);
    MTC_CHECK(f) << "call of unknown @" << g->name << " survived type inference";
    return callFunction(f, args, "@" + g->name);
  }

  const Module &m_;
  DiagEngine &diag_;
};

} // namespace

std::optional<Value> evaluate(const Module &m, const std::map<std::string, Tensor> &inputs,
                              DiagEngine &diag, const std::string &fn) {
  const FunctionNode *f = m.function(fn);
  if (!f || !f->body) {
    diag.error("no function @" + fn + " in the module");
    return std::nullopt;
  }
  bool typed = true;
  for (const auto &[name, g] : m.functions()) typed &= g && g->body && !g->body->type.isUnknown();
  if (!typed && !inferTypes(m, diag)) return std::nullopt;

  int errorsBefore = diag.errorCount();
  std::map<std::string, const VarNode *> byName;
  for (const VarNode *p : f->params)
    if (!byName.emplace(p->name, p).second)
      diag.error(p->loc, "@" + fn + " has two parameters named '" + p->name +
                             "'; inputs cannot be bound by name");
  for (const auto &[name, t] : inputs)
    if (!byName.count(name)) diag.error("no parameter named '" + name + "' in @" + fn);

  std::vector<Value> args;
  for (const VarNode *p : f->params) {
    auto it = inputs.find(p->name);
    if (it == inputs.end()) {
      diag.error("missing input '" + p->name + "' for @" + fn);
      continue;
    }
    const Tensor &t = it->second;
    const Type &want = p->annotation;
    if (!want.isTensor()) {
      diag.error("parameter '" + p->name + "' of @" + fn + " has type " + want.str() +
                 ", which cannot be given as an input");
    } else if (!t.defined()) {
      diag.error("input '" + p->name + "' has no data");
    } else if (t.dtype() != want.dtype()) {
      diag.error("input '" + p->name + "' has dtype " + std::string(dtypeName(t.dtype())) +
                 " but @" + fn + " expects " + std::string(dtypeName(want.dtype())));
    } else if (t.shape() != want.shape()) {
      diag.error("input '" + p->name + "' has shape " + shapeStr(t.shape()) + " but @" + fn +
                 " expects " + shapeStr(want.shape()));
    }
    args.emplace_back(t);
  }
  if (diag.errorCount() != errorsBefore) return std::nullopt;
  return Evaluator(m, diag).callFunction(f, args, "@" + fn);
}

Value evalCall(const CallNode *call, const std::vector<Value> &args) {
  MTC_CHECK(call->op) << "evalCall of a function call";
  MTC_CHECK(call->op->eval) << call->op->name << " has no reference evaluation";
  MTC_CHECK(!call->type.isUnknown()) << "evalCall of an untyped call of " << call->op->name;
  MTC_CHECK(args.size() == call->args.size()) << "evalCall: wrong number of argument values";
  return runOp(call, args);
}

std::vector<Tensor> flattenOutputs(const Value &v) {
  std::vector<Tensor> out;
  std::vector<const Value *> stack{&v};
  while (!stack.empty()) {
    const Value *cur = stack.back();
    stack.pop_back();
    if (!cur->isTuple) {
      out.push_back(cur->tensor);
      continue;
    }
    for (auto it = cur->fields.rbegin(); it != cur->fields.rend(); ++it) stack.push_back(&*it);
  }
  return out;
}

} // namespace mtc::ir
