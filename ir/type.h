// mtc — types of IR values: tensors and tuples.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/dtype.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mtc::ir {

using Shape = std::vector<int64_t>;

/// A value type: either a tensor (shape + dtype) or a tuple of types. Plain value semantics.
/// A default-constructed Type is "unknown" (not yet inferred).
class Type {
public:
  enum class Kind : uint8_t { Unknown, Tensor, Tuple };

  Type() = default;
  static Type tensor(Shape shape, DType dtype);
  static Type scalar(DType dtype) { return tensor({}, dtype); }
  static Type tuple(std::vector<Type> fields);

  Kind kind() const { return kind_; }
  bool isUnknown() const { return kind_ == Kind::Unknown; }
  bool isTensor() const { return kind_ == Kind::Tensor; }
  bool isTuple() const { return kind_ == Kind::Tuple; }
  /// Tensor accessors (MTC_CHECK that this is a tensor).
  const Shape &shape() const;
  DType dtype() const;
  int64_t rank() const { return static_cast<int64_t>(shape().size()); }
  bool isScalar() const { return isTensor() && shape_.empty(); }
  /// Product of the dims (1 for a scalar).
  int64_t numElements() const;
  /// Tuple accessor (MTC_CHECK that this is a tuple).
  const std::vector<Type> &fields() const;

  bool operator==(const Type &o) const;
  bool operator!=(const Type &o) const { return !(*this == o); }

  /// Relay text: `Tensor[(1, 2), int8]`, `Tensor[(), int32]`, `(T1, T2)`, `?` for unknown.
  std::string str() const;

private:
  Kind kind_ = Kind::Unknown;
  DType dtype_ = DType::Int32;
  Shape shape_;
  std::vector<Type> fields_;
};

/// "(1, 56, 56, 64)" — the shape part of a tensor type, also used in messages.
std::string shapeStr(const Shape &s);

} // namespace mtc::ir
