// mtc — the op registry: one OpDef per op with its attributes, type relation and exact
// reference semantics.
//
// Ops are defined family by family in ir/ops/*.cc; each file has one `registerXxxOps(OpRegistry&)`
// function, called from OpRegistry::global(). Adding an op touches its family file (attrs, type
// rule, evaluation) and its lowering under codegen/.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/attrs.h"
#include "ir/tensor.h"
#include "ir/type.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mtc::ir {

struct CallNode;

/// TVM's OpPatternKind, used by FuseOps.
enum class OpPattern : uint8_t {
  ElemWise = 0,
  Broadcast = 1,
  Injective = 2,
  CommReduce = 3,
  OutEWiseFusable = 4,
  Opaque = 8,
};

/// A runtime value of the reference evaluator: a tensor or a tuple of values.
struct Value {
  Tensor tensor;
  std::vector<Value> fields;
  bool isTuple = false;

  Value() = default;
  Value(Tensor t) : tensor(std::move(t)) {} // NOLINT: implicit on purpose
  static Value tuple(std::vector<Value> f) {
    Value v;
    v.isTuple = true;
    v.fields = std::move(f);
    return v;
  }
};

/// What a type relation sees: the argument types, the attributes, and a way to report an error.
class TypeInferCtx {
public:
  TypeInferCtx(const std::string &opName, const std::vector<Type> &args, const Attrs *attrs)
      : opName_(opName), args_(args), attrs_(attrs) {}
  const std::vector<Type> &args() const { return args_; }
  const Type &arg(size_t i) const { return args_.at(i); }
  template <class T> const T &attrs() const { return static_cast<const T &>(*attrs_); }
  const Attrs *rawAttrs() const { return attrs_; }

  /// Reports a type error; the message is prefixed with the op name by the caller. Returns an
  /// Unknown type so relations can `return ctx.error(...)`.
  Type error(std::string msg);
  /// Checks that argument `i` (called `name` in messages) is a tensor; reports otherwise.
  bool expectTensor(size_t i, const char *name);
  /// Checks the dtype of argument `i` is one of `allowed`; reports "argument 'x' has dtype d,
  /// expected one of ...".
  bool expectDType(size_t i, const char *name, std::initializer_list<DType> allowed);
  /// Checks argument `i` is a scalar, or (if `vectorLen` > 0) a scalar or a 1-D tensor of that
  /// length; with `dtype` checks the dtype too.
  bool expectScalarOrVector(size_t i, const char *name, DType dtype, int64_t vectorLen = 0);

  bool failed() const { return !error_.empty(); }
  const std::string &message() const { return error_; }

private:
  const std::string &opName_;
  const std::vector<Type> &args_;
  const Attrs *attrs_;
  std::string error_;
};

/// What an evaluation function sees: argument values, attributes and the inferred output type.
struct EvalCtx {
  const std::vector<Value> &args;
  const Attrs *attrs;
  const Type &outType;
  const CallNode *call;
  template <class T> const T &attrsAs() const { return static_cast<const T &>(*attrs); }
  const Tensor &arg(size_t i) const { return args.at(i).tensor; }
};

using InferTypeFn = std::function<Type(TypeInferCtx &)>;
using EvalFn = std::function<Value(const EvalCtx &)>;

/// Everything about one op.
struct OpDef {
  std::string name;                   ///< "qnn.conv2d"
  std::vector<std::string> argNames;  ///< positional arguments, for messages and docs
  int minArgs = 0;                    ///< usually argNames.size()
  bool variadic = false;              ///< accepts more args than argNames (none do today)
  std::function<std::unique_ptr<Attrs>()> makeAttrs; ///< null: the op takes no attributes
  InferTypeFn inferType;
  EvalFn eval;
  OpPattern pattern = OpPattern::Opaque;
  std::string doc;
};

/// Name → OpDef. `global()` holds every op of the project.
class OpRegistry {
public:
  static const OpRegistry &global();
  /// nullptr if unknown.
  const OpDef *find(std::string_view name) const;
  /// Adds an op; MTC_CHECKs the name is new. Returns the stored definition for chaining.
  OpDef &add(OpDef def);
  const std::map<std::string, std::unique_ptr<OpDef>, std::less<>> &all() const { return ops_; }

private:
  std::map<std::string, std::unique_ptr<OpDef>, std::less<>> ops_;
};

// Family registration functions (ir/ops/*.cc).
void registerQnnOps(OpRegistry &r);
void registerConvOps(OpRegistry &r);
void registerNnOps(OpRegistry &r);
void registerElemwiseOps(OpRegistry &r);
void registerTransformOps(OpRegistry &r);

} // namespace mtc::ir
