// mtc — dense tensor data: constants in the IR and values in the reference evaluator.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/type.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace mtc::ir {

/// A dense, row-major tensor. The buffer is shared and immutable once built (copies are cheap);
/// use `Tensor::zeros` + `mutableData` to build one, then treat it as read-only.
class Tensor {
public:
  Tensor() = default;
  /// Zero-filled tensor. MTC_CHECKs that the byte size does not overflow.
  static Tensor zeros(Shape shape, DType dtype);
  /// Scalar (rank 0) tensors.
  static Tensor scalarInt(DType dtype, int64_t v);
  static Tensor scalarFloat(float v);

  DType dtype() const { return dtype_; }
  const Shape &shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numElements() const { return numel_; }
  size_t byteSize() const { return static_cast<size_t>(numel_) * dtypeBytes(dtype_); }
  Type type() const { return Type::tensor(shape_, dtype_); }
  bool defined() const { return data_ != nullptr; }

  const uint8_t *rawData() const { return data_ ? data_->data() : nullptr; }
  /// Writable bytes; only valid while building (the buffer is not yet shared).
  uint8_t *mutableData();

  template <class T> const T *data() const { return reinterpret_cast<const T *>(rawData()); }
  template <class T> T *mutableDataAs() { return reinterpret_cast<T *>(mutableData()); }

  /// Element `i` (flat index) converted to int64 (integer and bool dtypes) or double.
  int64_t intAt(int64_t i) const;
  double floatAt(int64_t i) const;
  /// Stores `v` at flat index `i`, truncating to the dtype (wrap-around, as a C cast would).
  void setInt(int64_t i, int64_t v);
  void setFloat(int64_t i, double v);

  /// Same shape, dtype and bytes.
  bool bitEqual(const Tensor &o) const;
  /// Same data viewed with another shape of equal element count.
  Tensor reshaped(Shape s) const;

private:
  DType dtype_ = DType::Int32;
  Shape shape_;
  int64_t numel_ = 0;
  std::shared_ptr<std::vector<uint8_t>> data_;
};

/// Checked element count of a shape: nullopt-like -1 if negative dims or the product overflows
/// `limit` elements.
int64_t checkedNumElements(const Shape &s, int64_t limit);

} // namespace mtc::ir
