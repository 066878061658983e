// mtc — convenience constructors for IR nodes (used by the parser, passes and tests).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/expr.h"
#include "ir/op.h"

#include <memory>
#include <string>
#include <vector>

namespace mtc::ir {

/// Builds nodes in a Context. Op calls look the op up in OpRegistry::global() (MTC_CHECK that it
/// exists: the builder is for code, the parser reports unknown ops to the user).
class Builder {
public:
  explicit Builder(Context &ctx) : ctx_(ctx) {}
  Context &ctx() { return ctx_; }

  const VarNode *var(const std::string &name, Type t, SourceLoc loc = {});
  const GlobalVarNode *globalVar(const std::string &name, SourceLoc loc = {});
  const ConstantNode *constant(Tensor value, SourceLoc loc = {});
  const ConstantNode *scalarInt(int64_t v, DType dt = DType::Int32);
  const ConstantNode *scalarFloat(float v);
  /// `op(args..., attrs)`; `attrs` may be null for ops without attributes (then defaults are
  /// used if the op has an attribute struct).
  const CallNode *call(const std::string &op, std::vector<Expr> args, AttrsPtr attrs = nullptr,
                       SourceLoc loc = {});
  /// Convenience: builds the attribute struct T, lets `init` fill it, and calls the op.
  template <class T, class F>
  const CallNode *call(const std::string &op, std::vector<Expr> args, F &&init,
                       SourceLoc loc = {}) {
    auto a = std::make_shared<T>();
    init(*a);
    return call(op, std::move(args), std::move(a), loc);
  }
  const CallNode *callFunction(Expr callee, std::vector<Expr> args, SourceLoc loc = {});
  const TupleNode *tuple(std::vector<Expr> fields, SourceLoc loc = {});
  const TupleGetItemNode *getItem(Expr tuple, int64_t index, SourceLoc loc = {});
  const FunctionNode *function(std::vector<const VarNode *> params, Expr body, Type retType = {},
                               SourceLoc loc = {});

private:
  Context &ctx_;
};

} // namespace mtc::ir
