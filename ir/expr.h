// mtc — the graph IR: expression nodes, the arena that owns them, functions and modules.
//
// Nodes are immutable after construction except for `type`, which InferType fills in. They are
// owned by a Context (an arena) and referenced by plain pointers (`Expr`), so graphs of any depth
// are destroyed without recursion. Passes build new nodes in the same Context.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/attrs.h"
#include "ir/diagnostics.h"
#include "ir/tensor.h"
#include "ir/type.h"

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace mtc::ir {

struct OpDef;

enum class ExprKind : uint8_t { Var, GlobalVar, Constant, Call, Tuple, TupleGetItem, Function };

/// Base of every node. `type` is the inferred type (Unknown until InferType runs).
struct ExprNode {
  explicit ExprNode(ExprKind k) : kind(k) {}
  virtual ~ExprNode() = default;
  const ExprKind kind;
  SourceLoc loc;
  mutable Type type;
};

using Expr = const ExprNode *;

/// A function parameter. Identity is the node; `name` is a hint for printing.
struct VarNode : ExprNode {
  VarNode() : ExprNode(ExprKind::Var) {}
  std::string name;
  Type annotation; ///< declared type (required on parameters)
};

/// A reference to a module-level function `@name`.
struct GlobalVarNode : ExprNode {
  GlobalVarNode() : ExprNode(ExprKind::GlobalVar) {}
  std::string name;
};

/// A tensor constant: scalar literals (`128`, `0.5f`) and `meta[relay.Constant][N]` tensors.
struct ConstantNode : ExprNode {
  ConstantNode() : ExprNode(ExprKind::Constant) {}
  Tensor value;
};

/// Call of a registered op (`op` set, `callee` null) or of a function value (`callee` set:
/// a Function, a Var bound to one, or a GlobalVar).
struct CallNode : ExprNode {
  CallNode() : ExprNode(ExprKind::Call) {}
  const OpDef *op = nullptr;
  Expr callee = nullptr;
  std::vector<Expr> args;
  AttrsPtr attrs; ///< the op's attribute struct (null for ops without attributes)

  /// Typed access to the attributes: `call->attrsAs<Conv2DAttrs>()`.
  template <class T> const T &attrsAs() const {
    const T *p = dynamic_cast<const T *>(attrs.get());
    if (!p) badAttrs(T::kName);
    return *p;
  }

private:
  [[noreturn]] void badAttrs(const char *want) const;
};

struct TupleNode : ExprNode {
  TupleNode() : ExprNode(ExprKind::Tuple) {}
  std::vector<Expr> fields;
};

struct TupleGetItemNode : ExprNode {
  TupleGetItemNode() : ExprNode(ExprKind::TupleGetItem) {}
  Expr tuple = nullptr;
  int64_t index = 0;
};

/// A function: module-level (`def @f(...)`) or a local literal (`fn (...) { ... }`, as produced
/// by FuseOps with attribute Primitive=1).
struct FunctionNode : ExprNode {
  FunctionNode() : ExprNode(ExprKind::Function) {}
  std::vector<const VarNode *> params;
  Expr body = nullptr;
  Type retType; ///< declared return type, Unknown if not written
  /// Function attributes such as Primitive=1, printed after the parameters.
  std::map<std::string, AttrValue> attrs;
};

/// `dyn<CallNode>(e)`: the node as T if its kind matches, else nullptr.
template <class T> const T *dyn(Expr e);
template <> inline const VarNode *dyn<VarNode>(Expr e) {
  return e && e->kind == ExprKind::Var ? static_cast<const VarNode *>(e) : nullptr;
}
template <> inline const GlobalVarNode *dyn<GlobalVarNode>(Expr e) {
  return e && e->kind == ExprKind::GlobalVar ? static_cast<const GlobalVarNode *>(e) : nullptr;
}
template <> inline const ConstantNode *dyn<ConstantNode>(Expr e) {
  return e && e->kind == ExprKind::Constant ? static_cast<const ConstantNode *>(e) : nullptr;
}
template <> inline const CallNode *dyn<CallNode>(Expr e) {
  return e && e->kind == ExprKind::Call ? static_cast<const CallNode *>(e) : nullptr;
}
template <> inline const TupleNode *dyn<TupleNode>(Expr e) {
  return e && e->kind == ExprKind::Tuple ? static_cast<const TupleNode *>(e) : nullptr;
}
template <> inline const TupleGetItemNode *dyn<TupleGetItemNode>(Expr e) {
  return e && e->kind == ExprKind::TupleGetItem ? static_cast<const TupleGetItemNode *>(e)
                                                : nullptr;
}
template <> inline const FunctionNode *dyn<FunctionNode>(Expr e) {
  return e && e->kind == ExprKind::Function ? static_cast<const FunctionNode *>(e) : nullptr;
}

/// True if `e` is a call of the op named `name`.
bool isOpCall(Expr e, std::string_view name);

/// Owns every node. Shared by a Module and all modules derived from it by passes.
class Context {
public:
  template <class T> T *make() {
    auto p = std::make_unique<T>();
    T *raw = p.get();
    nodes_.push_back(std::move(p));
    return raw;
  }
  size_t size() const { return nodes_.size(); }

private:
  std::deque<std::unique_ptr<ExprNode>> nodes_;
};

/// A module: ordered module-level functions; `@main` is the entry point.
class Module {
public:
  explicit Module(std::shared_ptr<Context> ctx = std::make_shared<Context>())
      : ctx_(std::move(ctx)) {}
  Context &ctx() const { return *ctx_; }
  std::shared_ptr<Context> ctxPtr() const { return ctx_; }

  /// Adds or replaces function `name` (without '@'), keeping the original position.
  void setFunction(const std::string &name, const FunctionNode *fn);
  const FunctionNode *function(const std::string &name) const; ///< nullptr if absent
  const FunctionNode *main() const { return function("main"); }
  const std::vector<std::pair<std::string, const FunctionNode *>> &functions() const {
    return fns_;
  }
  /// A module with the same context and functions (cheap; nodes are shared).
  Module shallowCopy() const { return *this; }

private:
  std::shared_ptr<Context> ctx_;
  std::vector<std::pair<std::string, const FunctionNode *>> fns_;
};

/// Direct operands of a node, in order (call args — and the callee if it is not an op —, tuple
/// fields, the projected tuple, a function's body). Params and constants have none.
std::vector<Expr> children(Expr e);

/// Every node reachable from `root` in post-order (operands before users), each once.
/// Iterative: safe for chains of any length. Descends into local function bodies unless
/// `intoFunctions` is false; then a function literal is a leaf (listed, body not visited), as
/// the evaluator and FuseOps need for one function's own dataflow.
std::vector<Expr> postOrder(Expr root, bool intoFunctions = true);

/// Rebuilds a graph bottom-up. For every node in post-order, `fn(old, rebuilt)` is called where
/// `rebuilt` is `old` with its operands replaced by their rewritten versions (or `old` itself when
/// nothing changed); `fn` returns the replacement (often `rebuilt`). Memoised: shared subgraphs
/// stay shared. Types of rebuilt nodes are reset to Unknown; run InferType afterwards.
class Rewriter {
public:
  explicit Rewriter(Context &ctx) : ctx_(ctx) {}
  using Fn = std::function<Expr(Expr old, Expr rebuilt)>;
  Expr rewrite(Expr root, const Fn &fn);
  /// The replacement of an already visited node (or the node itself if never visited).
  Expr mapped(Expr old) const;
  /// A copy of `e` with new operands (same kind, attrs, op, loc).
  Expr withChildren(Expr e, const std::vector<Expr> &newChildren);
  Context &ctx() { return ctx_; }

private:
  Context &ctx_;
  std::unordered_map<Expr, Expr> map_;
};

} // namespace mtc::ir
