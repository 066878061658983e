// mtc — shared helpers of the generic op families.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/op_util.h"

#include "ir/check.h"

namespace mtc::ir {

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

std::string axisRangeError(int64_t axis, int64_t rank) {
  return "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank);
}

std::optional<Shape> broadcastShapes(const Shape &a, const Shape &b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Right-aligned: position i from the end of each shape; missing dims act as 1.
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out[rank - 1 - i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> rowMajorStrides(const Shape &s) {
  std::vector<int64_t> st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

std::vector<int64_t> broadcastStrides(const Shape &in, const Shape &out) {
  MTC_CHECK(in.size() <= out.size()) << "operand rank exceeds broadcast rank";
  std::vector<int64_t> own = rowMajorStrides(in);
  std::vector<int64_t> st(out.size(), 0);
  const size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) st[lead + i] = in[i] == 1 ? 0 : own[i];
  return st;
}

int64_t shapeProduct(const Shape &s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string intListStr(const std::vector<int64_t> &v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
  return out + "]";
}

bool expectNumeric(TypeInferCtx &ctx, size_t i, const char *name) {
  return ctx.expectDType(
      i, name,
      {DType::Int8, DType::UInt8, DType::Int16, DType::Int32, DType::Int64, DType::Float32});
}

bool expectInteger(TypeInferCtx &ctx, size_t i, const char *name) {
  return ctx.expectDType(i, name,
                         {DType::Int8, DType::UInt8, DType::Int16, DType::Int32, DType::Int64});
}

bool checkShapeSize(TypeInferCtx &ctx, const Shape &s) {
  if (checkedNumElements(s, kMaxElements) >= 0) return true;
  ctx.error("output shape " + shapeStr(s) + " is too large");
  return false;
}

Tensor castTensor(const Tensor &in, DType to) {
  Tensor out = Tensor::zeros(in.shape(), to);
  const int64_t n = in.numElements();
  if (n == 0) return out;
  const bool toBool = to == DType::Bool;
  visitDType(in.dtype(), [&](auto fromTag) {
    using From = decltype(fromTag);
    const From *src = in.data<From>();
    visitDType(to, [&](auto toTag) {
      using To = decltype(toTag);
      To *dst = out.mutableDataAs<To>();
      for (int64_t i = 0; i < n; ++i) dst[i] = convertElem<To>(src[i], toBool);
    });
  });
  return out;
}

} // namespace mtc::ir
