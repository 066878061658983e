// mtc — test helpers for the qnn and conv op tests: run an op's type relation and evaluation
// through its OpDef, build tensors from literals or random values, permute 4-D tensors.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/op.h"
#include "ir/ops/attrs.h"

#include <catch2/catch.hpp>

#include <array>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace mtc::ir::qnntest {

/// Builds attribute struct T and lets `init` fill it.
template <class T, class F> AttrsPtr attrs(F &&init) {
  auto a = std::make_shared<T>();
  init(*a);
  return a;
}

/// The registered op `name` (REQUIREs it exists with a type relation and an evaluator).
inline const OpDef &op(const std::string &name) {
  const OpDef *def = OpRegistry::global().find(name);
  INFO("op " << name);
  REQUIRE(def != nullptr);
  REQUIRE(def->inferType);
  REQUIRE(def->eval);
  return *def;
}

/// Type of a value (tensor or tuple).
inline Type typeOf(const Value &v) {
  if (!v.isTuple) return v.tensor.type();
  std::vector<Type> fs;
  for (const Value &f : v.fields) fs.push_back(typeOf(f));
  return Type::tuple(fs);
}

/// Result of a type relation: the type (Unknown on error) and the message.
struct Inferred {
  Type type;
  std::string error;
};

/// Runs `name`'s type relation (default attributes when `a` is null).
inline Inferred infer(const std::string &name, const std::vector<Type> &args, AttrsPtr a = nullptr) {
  const OpDef &def = op(name);
  if (!a && def.makeAttrs) a = AttrsPtr(def.makeAttrs());
  TypeInferCtx ctx(def.name, args, a.get());
  Type t = def.inferType(ctx);
  return {ctx.failed() ? Type() : t, ctx.message()};
}

/// Infers the output type from the values (REQUIRE success) and evaluates `name`.
inline Value run(const std::string &name, const std::vector<Value> &args, AttrsPtr a = nullptr) {
  const OpDef &def = op(name);
  if (!a && def.makeAttrs) a = AttrsPtr(def.makeAttrs());
  std::vector<Type> types;
  for (const Value &v : args) types.push_back(typeOf(v));
  Inferred inf = infer(name, types, a);
  INFO(name << ": " << inf.error);
  REQUIRE(inf.error.empty());
  EvalCtx ctx{args, a.get(), inf.type, nullptr};
  Value out = def.eval(ctx);
  REQUIRE(typeOf(out) == inf.type);
  return out;
}

/// Tensor of `shape` and `dt` holding `values` (row-major; stored with wrap-around).
inline Tensor ints(Shape shape, DType dt, const std::vector<int64_t> &values) {
  Tensor t = Tensor::zeros(std::move(shape), dt);
  REQUIRE(static_cast<int64_t>(values.size()) == t.numElements());
  for (size_t i = 0; i < values.size(); ++i) t.setInt(static_cast<int64_t>(i), values[i]);
  return t;
}

inline Tensor floats(Shape shape, const std::vector<float> &values) {
  Tensor t = Tensor::zeros(std::move(shape), DType::Float32);
  REQUIRE(static_cast<int64_t>(values.size()) == t.numElements());
  for (size_t i = 0; i < values.size(); ++i) t.setFloat(static_cast<int64_t>(i), values[i]);
  return t;
}

/// Scalars of the dtypes quantization parameters use.
inline Tensor i32(int64_t v) { return Tensor::scalarInt(DType::Int32, v); }
inline Tensor f32(float v) { return Tensor::scalarFloat(v); }

/// Uniform random integers in [lo, hi].
inline Tensor randomInts(Shape shape, DType dt, int64_t lo, int64_t hi, std::mt19937_64 &rng) {
  Tensor t = Tensor::zeros(std::move(shape), dt);
  std::uniform_int_distribution<int64_t> d(lo, hi);
  for (int64_t i = 0; i < t.numElements(); ++i) t.setInt(i, d(rng));
  return t;
}

/// Full-range random tensor of an integer dtype.
inline Tensor randomFull(Shape shape, DType dt, std::mt19937_64 &rng) {
  return randomInts(std::move(shape), dt, dtypeMin(dt), dtypeMax(dt), rng);
}

/// 4-D permutation: result dim i is input dim perm[i] (e.g. NCHW -> NHWC is {0, 2, 3, 1}).
inline Tensor permute4(const Tensor &in, std::array<int, 4> perm) {
  const Shape &s = in.shape();
  REQUIRE(s.size() == 4);
  Shape os{s[perm[0]], s[perm[1]], s[perm[2]], s[perm[3]]};
  std::array<int64_t, 4> st{s[1] * s[2] * s[3], s[2] * s[3], s[3], 1};
  Tensor out = Tensor::zeros(os, in.dtype());
  int64_t flat = 0;
  for (int64_t a = 0; a < os[0]; ++a)
    for (int64_t b = 0; b < os[1]; ++b)
      for (int64_t c = 0; c < os[2]; ++c)
        for (int64_t d = 0; d < os[3]; ++d, ++flat) {
          const int64_t src = a * st[perm[0]] + b * st[perm[1]] + c * st[perm[2]] + d * st[perm[3]];
          if (in.dtype() == DType::Float32) out.setFloat(flat, in.floatAt(src));
          else out.setInt(flat, in.intAt(src));
        }
  return out;
}

/// Element values as int64 (for comparisons with expected lists).
inline std::vector<int64_t> values(const Tensor &t) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < t.numElements(); ++i) v.push_back(t.intAt(i));
  return v;
}

/// Tensor of the same shape with every element converted to `dt` by `f(old value)`.
template <class F> Tensor mapInts(const Tensor &t, DType dt, F &&f) {
  Tensor out = Tensor::zeros(t.shape(), dt);
  for (int64_t i = 0; i < t.numElements(); ++i) out.setInt(i, f(t.intAt(i)));
  return out;
}

} // namespace mtc::ir::qnntest
