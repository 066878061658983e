// mtc — convenience constructors for IR nodes.
// SPDX-License-Identifier: Apache-2.0
#include "ir/builder.h"

#include "ir/check.h"

namespace mtc::ir {

const VarNode *Builder::var(const std::string &name, Type t, SourceLoc loc) {
  VarNode *n = ctx_.make<VarNode>();
  n->name = name;
  n->annotation = std::move(t);
  n->loc = loc;
  return n;
}

const GlobalVarNode *Builder::globalVar(const std::string &name, SourceLoc loc) {
  GlobalVarNode *n = ctx_.make<GlobalVarNode>();
  n->name = name;
  n->loc = loc;
  return n;
}

const ConstantNode *Builder::constant(Tensor value, SourceLoc loc) {
  ConstantNode *n = ctx_.make<ConstantNode>();
  n->type = value.type();
  n->value = std::move(value);
  n->loc = loc;
  return n;
}

const ConstantNode *Builder::scalarInt(int64_t v, DType dt) {
  return constant(Tensor::scalarInt(dt, v));
}

const ConstantNode *Builder::scalarFloat(float v) { return constant(Tensor::scalarFloat(v)); }

const CallNode *Builder::call(const std::string &op, std::vector<Expr> args, AttrsPtr attrs,
                              SourceLoc loc) {
  const OpDef *def = OpRegistry::global().find(op);
  MTC_CHECK(def) << "Builder::call of unknown op " << op;
  CallNode *n = ctx_.make<CallNode>();
  n->op = def;
  n->args = std::move(args);
  if (!attrs && def->makeAttrs) attrs = AttrsPtr(def->makeAttrs());
  n->attrs = std::move(attrs);
  n->loc = loc;
  return n;
}

const CallNode *Builder::callFunction(Expr callee, std::vector<Expr> args, SourceLoc loc) {
  CallNode *n = ctx_.make<CallNode>();
  n->callee = callee;
  n->args = std::move(args);
  n->loc = loc;
  return n;
}

const TupleNode *Builder::tuple(std::vector<Expr> fields, SourceLoc loc) {
  TupleNode *n = ctx_.make<TupleNode>();
  n->fields = std::move(fields);
  n->loc = loc;
  return n;
}

const TupleGetItemNode *Builder::getItem(Expr tuple, int64_t index, SourceLoc loc) {
  TupleGetItemNode *n = ctx_.make<TupleGetItemNode>();
  n->tuple = tuple;
  n->index = index;
  n->loc = loc;
  return n;
}

const FunctionNode *Builder::function(std::vector<const VarNode *> params, Expr body,
                                      Type retType, SourceLoc loc) {
  FunctionNode *n = ctx_.make<FunctionNode>();
  n->params = std::move(params);
  n->body = body;
  n->retType = std::move(retType);
  n->loc = loc;
  return n;
}

} // namespace mtc::ir
