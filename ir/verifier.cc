// mtc — structural well-formedness checks of modules.
// SPDX-License-Identifier: Apache-2.0
#include "ir/verifier.h"

#include "ir/op.h"

#include <deque>
#include <unordered_set>

namespace mtc::ir {

namespace {

std::string plural(size_t n, const char *word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string kindName(Expr e) {
  switch (e->kind) {
  case ExprKind::Var: return "parameter %" + static_cast<const VarNode *>(e)->name;
  case ExprKind::GlobalVar: return "function @" + static_cast<const GlobalVarNode *>(e)->name;
  case ExprKind::Constant: return "constant";
  case ExprKind::Call: return "call";
  case ExprKind::Tuple: return "tuple";
  case ExprKind::TupleGetItem: return "tuple projection";
  case ExprKind::Function: return "fn literal";
  }
  return "node";
}

/// One function scope to check: a module-level function or a nested fn literal.
struct Scope {
  const FunctionNode *fn;
  std::string name; ///< "@main" or "fn literal in @main"
};

class Verifier {
public:
  Verifier(const Module &m, DiagEngine &diag) : m_(m), diag_(diag) {}

  bool run() {
    if (!m_.main()) diag_.error("module has no @main function");
    for (const auto &[name, fn] : m_.functions()) {
      if (!fn) {
        diag_.error("@" + name + ": function is null");
        continue;
      }
      queue_.push_back({fn, "@" + name});
    }
    // Nested literals found while checking a scope are appended to the queue, so the whole
    // module is checked without recursion.
    while (!queue_.empty()) {
      Scope s = std::move(queue_.front());
      queue_.pop_front();
      if (!seenFns_.insert(s.fn).second) continue;
      checkScope(s);
    }
    return diag_.errorCount() == startErrors_;
  }

private:
  void error(SourceLoc loc, const std::string &msg) { diag_.error(loc, msg); }

  void checkScope(const Scope &s) {
    std::unordered_set<const VarNode *> params;
    for (size_t i = 0; i < s.fn->params.size(); ++i) {
      const VarNode *p = s.fn->params[i];
      if (!p) {
        error(s.fn->loc, s.name + ": parameter " + std::to_string(i) + " is null");
        continue;
      }
      if (!params.insert(p).second)
        error(p->loc, s.name + ": parameter %" + p->name + " is listed twice");
    }
    if (!s.fn->body) {
      error(s.fn->loc, s.name + ": function has no body");
      return;
    }
    checkUse(s, params, s.fn->body, s.fn, "the body");

    std::unordered_set<Expr> seen{s.fn->body};
    std::vector<Expr> stack{s.fn->body};
    while (!stack.empty()) {
      Expr e = stack.back();
      stack.pop_back();
      checkNode(s, e);
      if (e->kind == ExprKind::Function) continue; // checked as its own (closed) scope
      std::vector<Expr> ch = children(e);
      for (size_t i = 0; i < ch.size(); ++i) {
        Expr c = ch[i];
        if (!c) {
          error(e->loc, s.name + ": " + kindName(e) + " has a null operand " + std::to_string(i));
          continue;
        }
        checkUse(s, params, c, e, operandName(e, i));
        if (seen.insert(c).second) stack.push_back(c);
      }
    }
  }

  static std::string operandName(Expr user, size_t i) {
    if (auto c = dyn<CallNode>(user)) {
      if (c->callee) return i == 0 ? "the callee" : "argument " + std::to_string(i - 1);
      return "argument " + std::to_string(i);
    }
    if (user->kind == ExprKind::Tuple) return "field " + std::to_string(i);
    return "the operand";
  }

  /// Checks one use of `c` by `user`: variables must be in scope, and functions may only be
  /// callees (they are not first-class values in this IR).
  void checkUse(const Scope &s, const std::unordered_set<const VarNode *> &params, Expr c,
                Expr user, const std::string &role) {
    SourceLoc at = user->loc.valid() ? user->loc : c->loc;
    if (auto v = dyn<VarNode>(c); v && !params.count(v))
      error(at, s.name + ": %" + v->name + " is not a parameter of this function" +
                    (s.name[0] != '@' ? " (fn literals are closed: pass outer values as arguments)"
                                      : ""));
    bool isFunctionValue = c->kind == ExprKind::Function || c->kind == ExprKind::GlobalVar;
    if (isFunctionValue && role != "the callee")
      error(at, s.name + ": " + kindName(c) + " is used as " + role +
                    ", but functions can only be called");
    if (auto f = dyn<FunctionNode>(c))
      queue_.push_back({f, "fn literal in " + (s.name[0] == '@' ? s.name : std::string("a fn"))});
  }

  void checkNode(const Scope &s, Expr e) {
    switch (e->kind) {
    case ExprKind::Var:
    case ExprKind::Function: return;
    case ExprKind::GlobalVar: {
      auto g = static_cast<const GlobalVarNode *>(e);
      if (!m_.function(g->name)) error(g->loc, s.name + ": unknown function @" + g->name);
      return;
    }
    case ExprKind::Constant:
      if (!static_cast<const ConstantNode *>(e)->value.defined())
        error(e->loc, s.name + ": constant has no data");
      return;
    case ExprKind::Call: {
      auto c = static_cast<const CallNode *>(e);
      if (c->op && c->callee) {
        error(c->loc, s.name + ": call has both an op and a callee");
      } else if (!c->op && !c->callee) {
        error(c->loc, s.name + ": call has neither an op nor a callee");
      } else if (c->op) {
        std::string msg = checkOpCall(c);
        if (!msg.empty()) error(c->loc, s.name + ": " + msg);
      } else if (c->callee->kind != ExprKind::Function &&
                 c->callee->kind != ExprKind::GlobalVar) {
        error(c->loc, s.name + ": cannot call " + kindName(c->callee) +
                          ": only fn literals and @functions can be called");
      } else if (c->attrs) {
        error(c->loc, s.name + ": a function call cannot have attributes");
      }
      return;
    }
    case ExprKind::Tuple: return;
    case ExprKind::TupleGetItem:
      if (static_cast<const TupleGetItemNode *>(e)->index < 0)
        error(e->loc, s.name + ": negative tuple index " +
                          std::to_string(static_cast<const TupleGetItemNode *>(e)->index));
      return;
    }
  }

  const Module &m_;
  DiagEngine &diag_;
  int startErrors_ = diag_.errorCount();
  std::deque<Scope> queue_;
  std::unordered_set<const FunctionNode *> seenFns_;
};

} // namespace

std::string checkOpCall(const CallNode *call) {
  if (!call->op) return "";
  const OpDef &d = *call->op;
  size_t n = call->args.size();
  size_t minArgs = static_cast<size_t>(d.minArgs);
  size_t maxArgs = std::max(minArgs, d.argNames.size());
  if (n < minArgs || (!d.variadic && n > maxArgs)) {
    std::string want;
    if (d.variadic)
      want = "at least " + plural(minArgs, "argument");
    else if (minArgs == maxArgs)
      want = plural(minArgs, "argument");
    else
      want = std::to_string(minArgs) + " to " + plural(maxArgs, "argument");
    std::string names;
    for (const std::string &a : d.argNames) names += (names.empty() ? "" : ", ") + a;
    if (!names.empty()) want += " (" + names + ")";
    return d.name + " expects " + want + ", got " + std::to_string(n);
  }
  if (d.makeAttrs) {
    std::string expected(d.makeAttrs()->typeName());
    if (!call->attrs) return d.name + ": missing attributes (expected " + expected + ")";
    if (call->attrs->typeName() != expected)
      return d.name + ": attributes are " + std::string(call->attrs->typeName()) + ", expected " +
             expected;
  } else if (call->attrs) {
    return d.name + " takes no attributes, got " + std::string(call->attrs->typeName());
  }
  return "";
}

bool verifyModule(const Module &m, DiagEngine &diag) { return Verifier(m, diag).run(); }

} // namespace mtc::ir
