// mtc — type inference over a module.
//
// Functions are not first-class values in this IR: a fn literal or a GlobalVar may only appear
// as the callee of a call. Their own `type` therefore stays Unknown; the type of a call of a
// function is the type of that function's body.
// SPDX-License-Identifier: Apache-2.0
#include "ir/infer_type.h"

#include "ir/check.h"
#include "ir/op.h"
#include "ir/verifier.h"

#include <unordered_map>

namespace mtc::ir {

namespace {

class TypeInferrer {
public:
  /// `m` may be null when inferring a single call outside a module (GlobalVar callees are then
  /// rejected).
  TypeInferrer(const Module *m, DiagEngine &diag) : m_(m), diag_(diag) {}

  bool inferModule() {
    std::vector<std::string> order;
    if (!callOrder(order)) return false;
    for (const std::string &name : order)
      if (!inferFunction(m_->function(name), "@" + name)) return false;
    return true;
  }

  Type inferCall(const CallNode *call) {
    if (call->op) return inferOpCall(call);
    const FunctionNode *callee = nullptr;
    std::string calleeName;
    if (auto f = dyn<FunctionNode>(call->callee)) {
      callee = f;
      calleeName = "fn literal";
    } else if (auto g = dyn<GlobalVarNode>(call->callee)) {
      calleeName = "@" + g->name;
      callee = m_ ? m_->function(g->name) : nullptr;
      if (!callee)
        return error(call->loc, m_ ? "unknown function " + calleeName
                                   : "cannot type a call of " + calleeName + " outside its module");
    } else {
      MTC_CHECK(call->callee) << "call with neither op nor callee";
      return error(call->loc, "cannot call " + describe(call->callee) +
                                  ": only fn literals and @functions can be called");
    }
    if (call->args.size() != callee->params.size())
      return error(call->loc, "call of " + calleeName + " expects " +
                                  std::to_string(callee->params.size()) + " arguments, got " +
                                  std::to_string(call->args.size()));
    for (size_t i = 0; i < call->args.size(); ++i) {
      Expr arg = call->args[i];
      const VarNode *p = callee->params[i];
      std::string role = "argument " + std::to_string(i) + " of " + calleeName;
      if (!checkValue(arg, call, role)) return {};
      if (arg->type != p->annotation)
        return error(call->loc, role + ": parameter %" + p->name + " has type " +
                                    p->annotation.str() + ", but the argument has type " +
                                    arg->type.str());
    }
    if (!callee->body || callee->body->type.isUnknown())
      return error(call->loc, "the type of " + calleeName +
                                  " is not known yet (infer the types of its body first)");
    return callee->body->type;
  }

private:
  Type error(SourceLoc loc, const std::string &msg) {
    diag_.error(loc, msg);
    return {};
  }

  static std::string describe(Expr e) {
    switch (e->kind) {
    case ExprKind::Var: return "parameter %" + static_cast<const VarNode *>(e)->name;
    case ExprKind::GlobalVar: return "function @" + static_cast<const GlobalVarNode *>(e)->name;
    case ExprKind::Function: return "a fn literal";
    default: return "a non-function value";
    }
  }

  /// `operand` of `user` must be a value (not a function). Its type is already inferred because
  /// the walk is in post-order; an untyped operand is a bug of whoever built the graph.
  bool checkValue(Expr operand, Expr user, const std::string &role) {
    if (operand->kind == ExprKind::Function || operand->kind == ExprKind::GlobalVar) {
      error(user->loc, role + " is " + describe(operand) + ", but functions can only be called");
      return false;
    }
    MTC_CHECK(!operand->type.isUnknown()) << role << " has no type after inference";
    return true;
  }

  Type inferOpCall(const CallNode *call) {
    const OpDef &def = *call->op;
    if (std::string msg = checkOpCall(call); !msg.empty()) return error(call->loc, msg);
    std::vector<Type> argTypes;
    argTypes.reserve(call->args.size());
    for (size_t i = 0; i < call->args.size(); ++i) {
      std::string argName = i < def.argNames.size() ? def.argNames[i] : std::to_string(i);
      if (!checkValue(call->args[i], call, def.name + ": argument '" + argName + "'")) return {};
      argTypes.push_back(call->args[i]->type);
    }
    MTC_CHECK(def.inferType) << "op " << def.name << " has no type relation";
    TypeInferCtx ctx(def.name, argTypes, call->attrs.get());
    Type t = def.inferType(ctx);
    if (ctx.failed()) return error(call->loc, def.name + ": " + ctx.message());
    MTC_CHECK(!t.isUnknown()) << "type relation of " << def.name
                              << " returned no type without reporting an error";
    return t;
  }

  bool inferNode(Expr e, const FunctionNode *top, const std::string &label) {
    switch (e->kind) {
    case ExprKind::Var: {
      auto v = static_cast<const VarNode *>(e);
      if (v->annotation.isUnknown()) {
        error(v->loc, label + ": parameter %" + v->name + " has no type");
        return false;
      }
      v->type = v->annotation;
      return true;
    }
    case ExprKind::GlobalVar: return true; // not a value; see the file comment
    case ExprKind::Constant: {
      auto c = static_cast<const ConstantNode *>(e);
      MTC_CHECK(c->value.defined()) << "constant without data";
      c->type = c->value.type();
      return true;
    }
    case ExprKind::Call: {
      Type t = inferCall(static_cast<const CallNode *>(e));
      if (t.isUnknown()) return false;
      e->type = std::move(t);
      return true;
    }
    case ExprKind::Tuple: {
      auto t = static_cast<const TupleNode *>(e);
      std::vector<Type> fields;
      fields.reserve(t->fields.size());
      for (size_t i = 0; i < t->fields.size(); ++i) {
        if (!checkValue(t->fields[i], t, "tuple field " + std::to_string(i))) return false;
        fields.push_back(t->fields[i]->type);
      }
      t->type = Type::tuple(std::move(fields));
      return true;
    }
    case ExprKind::TupleGetItem: {
      auto g = static_cast<const TupleGetItemNode *>(e);
      if (!checkValue(g->tuple, g, "the projected value")) return false;
      const Type &tt = g->tuple->type;
      if (!tt.isTuple()) {
        error(g->loc, "cannot take field " + std::to_string(g->index) + " of a non-tuple of type " +
                          tt.str());
        return false;
      }
      if (g->index < 0 || size_t(g->index) >= tt.fields().size()) {
        error(g->loc, "tuple index " + std::to_string(g->index) + " is out of range for " +
                          tt.str());
        return false;
      }
      g->type = tt.fields()[size_t(g->index)];
      return true;
    }
    case ExprKind::Function: {
      auto f = static_cast<const FunctionNode *>(e);
      std::string name = f == top ? label : "fn literal in " + label;
      for (const VarNode *p : f->params)
        if (p->annotation.isUnknown()) {
          error(p->loc, name + ": parameter %" + p->name + " has no type");
          return false;
        }
      if (!checkValue(f->body, f, name + ": the body")) return false;
      if (!f->retType.isUnknown() && f->retType != f->body->type) {
        error(f->loc, name + ": declared return type " + f->retType.str() +
                          " but the body has type " + f->body->type.str());
        return false;
      }
      return true;
    }
    }
    return false;
  }

  bool inferFunction(const FunctionNode *fn, const std::string &label) {
    for (Expr e : postOrder(fn))
      if (!inferNode(e, fn, label)) return false;
    return true;
  }

  /// Orders the module's functions so that callees come before callers (an iterative DFS over
  /// the call graph); a cycle is reported as recursion, which the IR does not support.
  bool callOrder(std::vector<std::string> &order) {
    enum class State { New, Active, Done };
    std::unordered_map<std::string, State> state;
    struct Frame {
      std::string name;
      std::vector<const GlobalVarNode *> refs;
      size_t next = 0;
    };
    std::vector<Frame> stack;
    auto push = [&](const std::string &name) -> bool {
      const FunctionNode *fn = m_->function(name);
      if (!fn || !fn->body) {
        error(fn ? fn->loc : SourceLoc{}, "@" + name + ": function has no body");
        return false;
      }
      Frame f{name, {}, 0};
      for (Expr e : postOrder(fn->body))
        if (auto g = dyn<GlobalVarNode>(e)) f.refs.push_back(g);
      state[name] = State::Active;
      stack.push_back(std::move(f));
      return true;
    };
    for (const auto &[name, fn] : m_->functions()) {
      if (state[name] == State::Done) continue;
      if (!push(name)) return false;
      while (!stack.empty()) {
        Frame &top = stack.back();
        if (top.next == top.refs.size()) {
          state[top.name] = State::Done;
          order.push_back(top.name);
          stack.pop_back();
          continue;
        }
        const GlobalVarNode *g = top.refs[top.next++];
        if (!m_->function(g->name)) {
          error(g->loc, "@" + top.name + ": unknown function @" + g->name);
          return false;
        }
        State s = state[g->name];
        if (s == State::Active) {
          error(g->loc, "@" + top.name + ": recursive call of @" + g->name +
                            " (recursion is not supported)");
          return false;
        }
        if (s == State::New && !push(g->name)) return false;
      }
    }
    return true;
  }

  const Module *m_;
  DiagEngine &diag_;
};

} // namespace

bool inferTypes(const Module &m, DiagEngine &diag) { return TypeInferrer(&m, diag).inferModule(); }

Type inferCallType(const CallNode *call, DiagEngine &diag) {
  Type t = TypeInferrer(nullptr, diag).inferCall(call);
  if (!t.isUnknown()) call->type = t;
  return t;
}

} // namespace mtc::ir
