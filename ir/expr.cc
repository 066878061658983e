// mtc — graph IR nodes, traversal and functional rewriting.
// SPDX-License-Identifier: Apache-2.0
#include "ir/expr.h"

#include "ir/check.h"
#include "ir/op.h"

#include <unordered_set>

namespace mtc::ir {

void CallNode::badAttrs(const char *want) const {
  MTC_UNREACHABLE("call of " << (op ? op->name : std::string("a function")) << " has attrs "
                             << (attrs ? std::string(attrs->typeName()) : "none") << ", wanted "
                             << want);
}

bool isOpCall(Expr e, std::string_view name) {
  const CallNode *c = dyn<CallNode>(e);
  return c && c->op && c->op->name == name;
}

void Module::setFunction(const std::string &name, const FunctionNode *fn) {
  for (auto &p : fns_)
    if (p.first == name) {
      p.second = fn;
      return;
    }
  fns_.emplace_back(name, fn);
}

const FunctionNode *Module::function(const std::string &name) const {
  for (auto &p : fns_)
    if (p.first == name) return p.second;
  return nullptr;
}

std::vector<Expr> children(Expr e) {
  switch (e->kind) {
  case ExprKind::Var:
  case ExprKind::GlobalVar:
  case ExprKind::Constant: return {};
  case ExprKind::Call: {
    auto c = static_cast<const CallNode *>(e);
    std::vector<Expr> r;
    if (c->callee) r.push_back(c->callee);
    r.insert(r.end(), c->args.begin(), c->args.end());
    return r;
  }
  case ExprKind::Tuple: return static_cast<const TupleNode *>(e)->fields;
  case ExprKind::TupleGetItem: return {static_cast<const TupleGetItemNode *>(e)->tuple};
  case ExprKind::Function: return {static_cast<const FunctionNode *>(e)->body};
  }
  return {};
}

std::vector<Expr> postOrder(Expr root, bool intoFunctions) {
  std::vector<Expr> out;
  std::unordered_set<Expr> done;
  // Stack of (node, children-pushed?) — iterative DFS.
  std::vector<std::pair<Expr, bool>> stack{{root, false}};
  while (!stack.empty()) {
    auto [e, expanded] = stack.back();
    stack.pop_back();
    if (done.count(e)) continue;
    if (expanded || (!intoFunctions && e->kind == ExprKind::Function)) {
      done.insert(e);
      out.push_back(e);
      continue;
    }
    stack.push_back({e, true});
    std::vector<Expr> ch = children(e);
    for (auto it = ch.rbegin(); it != ch.rend(); ++it)
      if (!done.count(*it)) stack.push_back({*it, false});
  }
  return out;
}

Expr Rewriter::mapped(Expr old) const {
  auto it = map_.find(old);
  return it == map_.end() ? old : it->second;
}

Expr Rewriter::withChildren(Expr e, const std::vector<Expr> &ch) {
  switch (e->kind) {
  case ExprKind::Var:
  case ExprKind::GlobalVar:
  case ExprKind::Constant: return e;
  case ExprKind::Call: {
    auto c = static_cast<const CallNode *>(e);
    CallNode *n = ctx_.make<CallNode>();
    n->loc = c->loc;
    n->op = c->op;
    n->attrs = c->attrs;
    size_t k = 0;
    if (c->callee) n->callee = ch[k++];
    n->args.assign(ch.begin() + k, ch.end());
    return n;
  }
  case ExprKind::Tuple: {
    TupleNode *n = ctx_.make<TupleNode>();
    n->loc = e->loc;
    n->fields = ch;
    return n;
  }
  case ExprKind::TupleGetItem: {
    auto g = static_cast<const TupleGetItemNode *>(e);
    TupleGetItemNode *n = ctx_.make<TupleGetItemNode>();
    n->loc = g->loc;
    n->tuple = ch.at(0);
    n->index = g->index;
    return n;
  }
  case ExprKind::Function: {
    auto f = static_cast<const FunctionNode *>(e);
    FunctionNode *n = ctx_.make<FunctionNode>();
    n->loc = f->loc;
    n->params = f->params;
    n->body = ch.at(0);
    n->retType = f->retType;
    n->attrs = f->attrs;
    return n;
  }
  }
  return e;
}

Expr Rewriter::rewrite(Expr root, const Fn &fn) {
  for (Expr e : postOrder(root)) {
    if (map_.count(e)) continue;
    std::vector<Expr> ch = children(e);
    bool changed = false;
    for (Expr &c : ch) {
      Expr m = mapped(c);
      changed |= m != c;
      c = m;
    }
    Expr rebuilt = changed ? withChildren(e, ch) : e;
    Expr out = fn(e, rebuilt);
    MTC_CHECK(out) << "rewrite callback returned null";
    map_[e] = out;
  }
  return mapped(root);
}

} // namespace mtc::ir
