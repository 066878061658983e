// mtc — the op registry and type-relation helpers.
// SPDX-License-Identifier: Apache-2.0
#include "ir/op.h"

#include "ir/check.h"

namespace mtc::ir {

const OpRegistry &OpRegistry::global() {
  static const OpRegistry *reg = [] {
    auto *r = new OpRegistry();
    registerQnnOps(*r);
    registerConvOps(*r);
    registerNnOps(*r);
    registerElemwiseOps(*r);
    registerTransformOps(*r);
    return r;
  }();
  return *reg;
}

const OpDef *OpRegistry::find(std::string_view name) const {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : it->second.get();
}

OpDef &OpRegistry::add(OpDef def) {
  MTC_CHECK(!ops_.count(def.name)) << "op registered twice: " << def.name;
  if (def.minArgs == 0) def.minArgs = static_cast<int>(def.argNames.size());
  auto p = std::make_unique<OpDef>(std::move(def));
  OpDef &ref = *p;
  ops_.emplace(ref.name, std::move(p));
  return ref;
}

Type TypeInferCtx::error(std::string msg) {
  if (error_.empty()) error_ = std::move(msg);
  return Type();
}

bool TypeInferCtx::expectTensor(size_t i, const char *name) {
  if (i < args_.size() && args_[i].isTensor()) return true;
  error("argument '" + std::string(name) + "' must be a tensor, got " +
        (i < args_.size() ? args_[i].str() : std::string("nothing")));
  return false;
}

bool TypeInferCtx::expectDType(size_t i, const char *name, std::initializer_list<DType> allowed) {
  if (!expectTensor(i, name)) return false;
  for (DType d : allowed)
    if (args_[i].dtype() == d) return true;
  std::string list;
  for (DType d : allowed) list += (list.empty() ? "" : ", ") + std::string(dtypeName(d));
  error("argument '" + std::string(name) + "' has dtype " + std::string(dtypeName(args_[i].dtype())) +
        ", expected " + (allowed.size() == 1 ? "" : "one of ") + list);
  return false;
}

bool TypeInferCtx::expectScalarOrVector(size_t i, const char *name, DType dtype,
                                        int64_t vectorLen) {
  if (!expectDType(i, name, {dtype})) return false;
  const Type &t = args_[i];
  if (t.isScalar()) return true;
  if (vectorLen > 0 && t.rank() == 1 && (t.shape()[0] == vectorLen || t.shape()[0] == 1))
    return true;
  if (vectorLen > 0)
    error("argument '" + std::string(name) + "' must be a scalar or a vector of length " +
          std::to_string(vectorLen) + ", got " + t.str());
  else
    error("argument '" + std::string(name) + "' must be a scalar, got " + t.str());
  return false;
}

} // namespace mtc::ir
