// mtc — test helpers for the generic op families: run one op's type relation and evaluation
// directly through its OpDef, and build small tensors.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/builder.h"
#include "ir/op.h"
#include "ir/ops/attrs.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace mtc::ir::testing {

/// Result of one type relation: the type (Unknown on error) and the error message.
struct Inferred {
  Type type;
  std::string error;
};

/// Builds attribute struct T and lets `init` fill it.
template <class T, class F> AttrsPtr makeAttrs(F &&init) {
  auto a = std::make_shared<T>();
  init(*a);
  return a;
}

inline const OpDef &opDef(const std::string &op) {
  const OpDef *def = OpRegistry::global().find(op);
  INFO("op " << op);
  REQUIRE(def != nullptr);
  REQUIRE(def->inferType);
  REQUIRE(def->eval);
  return *def;
}

/// Runs `op`'s type relation on argument types (default attributes when `attrs` is null).
inline Inferred inferOp(const std::string &op, const std::vector<Type> &args,
                        AttrsPtr attrs = nullptr) {
  const OpDef &def = opDef(op);
  if (!attrs && def.makeAttrs) attrs = AttrsPtr(def.makeAttrs());
  TypeInferCtx ctx(def.name, args, attrs.get());
  Type t = def.inferType(ctx);
  return {ctx.failed() ? Type() : t, ctx.message()};
}

/// Type of a leaf expression built with Builder (variable, constant, tuple of those).
inline Type leafType(Expr e) {
  if (auto *v = dynamic_cast<const VarNode *>(e)) return v->annotation;
  if (auto *c = dynamic_cast<const ConstantNode *>(e)) return c->value.type();
  if (auto *t = dynamic_cast<const TupleNode *>(e)) {
    std::vector<Type> fs;
    for (Expr f : t->fields) fs.push_back(leafType(f));
    return Type::tuple(fs);
  }
  FAIL("leafType: unsupported node");
  return Type();
}

/// Runs the type relation of a call built with Builder whose arguments are leaves.
inline Inferred inferCall(const CallNode *call) {
  std::vector<Type> args;
  for (Expr a : call->args) args.push_back(leafType(a));
  TypeInferCtx ctx(call->op->name, args, call->attrs.get());
  Type t = call->op->inferType(ctx);
  return {ctx.failed() ? Type() : t, ctx.message()};
}

inline Type typeOfValue(const Value &v) {
  if (!v.isTuple) return v.tensor.type();
  std::vector<Type> fs;
  for (const Value &f : v.fields) fs.push_back(typeOfValue(f));
  return Type::tuple(fs);
}

/// Infers the output type from the argument values, checks it succeeded, and evaluates `op`.
inline Tensor evalOp(const std::string &op, const std::vector<Value> &args,
                     AttrsPtr attrs = nullptr) {
  const OpDef &def = opDef(op);
  if (!attrs && def.makeAttrs) attrs = AttrsPtr(def.makeAttrs());
  std::vector<Type> types;
  for (const Value &v : args) types.push_back(typeOfValue(v));
  Inferred inf = inferOp(op, types, attrs);
  INFO(op << ": " << inf.error);
  REQUIRE(inf.error.empty());
  EvalCtx ctx{args, attrs.get(), inf.type, nullptr};
  Value out = def.eval(ctx);
  REQUIRE_FALSE(out.isTuple);
  REQUIRE(out.tensor.type() == inf.type);
  return out.tensor;
}

/// Tensor of `dt` and `shape` from integer values (stored with wrap-around).
inline Tensor ints(DType dt, Shape shape, const std::vector<int64_t> &v) {
  Tensor t = Tensor::zeros(std::move(shape), dt);
  REQUIRE(static_cast<int64_t>(v.size()) == t.numElements());
  for (size_t i = 0; i < v.size(); ++i) t.setInt(static_cast<int64_t>(i), v[i]);
  return t;
}

inline Tensor floats(Shape shape, const std::vector<float> &v) {
  Tensor t = Tensor::zeros(std::move(shape), DType::Float32);
  REQUIRE(static_cast<int64_t>(v.size()) == t.numElements());
  for (size_t i = 0; i < v.size(); ++i) t.mutableDataAs<float>()[i] = v[i];
  return t;
}

/// Uniform random integers in [lo, hi].
inline Tensor randomInts(DType dt, Shape shape, std::mt19937_64 &rng, int64_t lo, int64_t hi) {
  Tensor t = Tensor::zeros(std::move(shape), dt);
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  for (int64_t i = 0; i < t.numElements(); ++i) t.setInt(i, dist(rng));
  return t;
}

/// Every element as int64 (integer dtypes).
inline std::vector<int64_t> toInts(const Tensor &t) {
  std::vector<int64_t> v(t.numElements());
  for (int64_t i = 0; i < t.numElements(); ++i) v[i] = t.intAt(i);
  return v;
}

inline std::vector<float> toFloats(const Tensor &t) {
  std::vector<float> v(t.numElements());
  for (int64_t i = 0; i < t.numElements(); ++i) v[i] = t.data<float>()[i];
  return v;
}

inline Type tensorType(Shape s, DType dt) { return Type::tensor(std::move(s), dt); }

} // namespace mtc::ir::testing
