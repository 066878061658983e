// mtc — dense tensor data.
// SPDX-License-Identifier: Apache-2.0
#include "ir/tensor.h"

#include "ir/check.h"

namespace mtc::ir {

int64_t checkedNumElements(const Shape &s, int64_t limit) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) return -1;
    if (d != 0 && n > limit / d) return -1;
    n *= d;
  }
  return n <= limit ? n : -1;
}

Tensor Tensor::zeros(Shape shape, DType dtype) {
  Tensor t;
  t.numel_ = checkedNumElements(shape, (int64_t(1) << 40) / dtypeBytes(dtype));
  MTC_CHECK(t.numel_ >= 0) << "tensor too large: " << shapeStr(shape);
  t.shape_ = std::move(shape);
  t.dtype_ = dtype;
  t.data_ = std::make_shared<std::vector<uint8_t>>(t.byteSize());
  return t;
}

Tensor Tensor::scalarInt(DType dtype, int64_t v) {
  Tensor t = zeros({}, dtype);
  t.setInt(0, v);
  return t;
}

Tensor Tensor::scalarFloat(float v) {
  Tensor t = zeros({}, DType::Float32);
  t.setFloat(0, v);
  return t;
}

uint8_t *Tensor::mutableData() {
  MTC_CHECK(data_) << "mutableData of an undefined tensor";
  if (data_.use_count() > 1) data_ = std::make_shared<std::vector<uint8_t>>(*data_);
  return data_->data();
}

int64_t Tensor::intAt(int64_t i) const {
  const uint8_t *p = rawData();
  switch (dtype_) {
  case DType::Int8: return reinterpret_cast<const int8_t *>(p)[i];
  case DType::UInt8:
  case DType::Bool: return p[i];
  case DType::Int16: return reinterpret_cast<const int16_t *>(p)[i];
  case DType::Int32: return reinterpret_cast<const int32_t *>(p)[i];
  case DType::Int64: return reinterpret_cast<const int64_t *>(p)[i];
  case DType::Float32: return static_cast<int64_t>(reinterpret_cast<const float *>(p)[i]);
  }
  MTC_UNREACHABLE("bad dtype");
}

double Tensor::floatAt(int64_t i) const {
  if (dtype_ == DType::Float32) return reinterpret_cast<const float *>(rawData())[i];
  return static_cast<double>(intAt(i));
}

void Tensor::setInt(int64_t i, int64_t v) {
  uint8_t *p = mutableData();
  switch (dtype_) {
  case DType::Int8: reinterpret_cast<int8_t *>(p)[i] = static_cast<int8_t>(v); return;
  case DType::UInt8: p[i] = static_cast<uint8_t>(v); return;
  case DType::Bool: p[i] = v != 0; return;
  case DType::Int16: reinterpret_cast<int16_t *>(p)[i] = static_cast<int16_t>(v); return;
  case DType::Int32: reinterpret_cast<int32_t *>(p)[i] = static_cast<int32_t>(v); return;
  case DType::Int64: reinterpret_cast<int64_t *>(p)[i] = v; return;
  case DType::Float32: reinterpret_cast<float *>(p)[i] = static_cast<float>(v); return;
  }
}

void Tensor::setFloat(int64_t i, double v) {
  if (dtype_ == DType::Float32) {
    reinterpret_cast<float *>(mutableData())[i] = static_cast<float>(v);
    return;
  }
  setInt(i, static_cast<int64_t>(v));
}

bool Tensor::bitEqual(const Tensor &o) const {
  if (dtype_ != o.dtype_ || shape_ != o.shape_) return false;
  if (byteSize() == 0) return true;
  return std::memcmp(rawData(), o.rawData(), byteSize()) == 0;
}

Tensor Tensor::reshaped(Shape s) const {
  Tensor t = *this;
  MTC_CHECK(checkedNumElements(s, numel_) == numel_) << "reshape changes element count";
  t.shape_ = std::move(s);
  return t;
}

} // namespace mtc::ir
