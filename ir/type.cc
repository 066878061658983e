// mtc — types of IR values.
// SPDX-License-Identifier: Apache-2.0
#include "ir/type.h"

#include "ir/check.h"

namespace mtc::ir {

Type Type::tensor(Shape shape, DType dtype) {
  Type t;
  t.kind_ = Kind::Tensor;
  t.shape_ = std::move(shape);
  t.dtype_ = dtype;
  return t;
}

Type Type::tuple(std::vector<Type> fields) {
  Type t;
  t.kind_ = Kind::Tuple;
  t.fields_ = std::move(fields);
  return t;
}

const Shape &Type::shape() const {
  MTC_CHECK(isTensor()) << "shape() of a non-tensor type " << str();
  return shape_;
}

DType Type::dtype() const {
  MTC_CHECK(isTensor()) << "dtype() of a non-tensor type " << str();
  return dtype_;
}

int64_t Type::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape()) n *= d;
  return n;
}

const std::vector<Type> &Type::fields() const {
  MTC_CHECK(isTuple()) << "fields() of a non-tuple type " << str();
  return fields_;
}

bool Type::operator==(const Type &o) const {
  if (kind_ != o.kind_) return false;
  switch (kind_) {
  case Kind::Unknown: return true;
  case Kind::Tensor: return dtype_ == o.dtype_ && shape_ == o.shape_;
  case Kind::Tuple: return fields_ == o.fields_;
  }
  return false;
}

std::string shapeStr(const Shape &s) {
  std::string r = "(";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ", ";
    r += std::to_string(s[i]);
  }
  // Relay prints a one-element tuple shape as "(64)" rather than "(64,)"; we follow it.
  return r + ")";
}

std::string Type::str() const {
  switch (kind_) {
  case Kind::Unknown: return "?";
  case Kind::Tensor:
    return "Tensor[" + shapeStr(shape_) + ", " + std::string(dtypeName(dtype_)) + "]";
  case Kind::Tuple: {
    std::string r = "(";
    for (size_t i = 0; i < fields_.size(); ++i) {
      if (i) r += ", ";
      r += fields_[i].str();
    }
    if (fields_.size() == 1) r += ",";
    return r + ")";
  }
  }
  return "?";
}

} // namespace mtc::ir
