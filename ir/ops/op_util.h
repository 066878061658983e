// mtc — shared helpers of the generic op families (nn, elemwise, transform): axis and shape
// rules, numpy broadcasting, strided index walks, dtype dispatch and exact element conversions.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/op.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace mtc::ir {

// ---- shapes and axes -------------------------------------------------------------------------

/// Maps `axis` (negative counts from the end) into [0, rank); nullopt when out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);
/// "axis 4 is out of range for rank 4".
std::string axisRangeError(int64_t axis, int64_t rank);
/// numpy broadcasting (right-aligned, dims equal or 1); nullopt when incompatible.
std::optional<Shape> broadcastShapes(const Shape &a, const Shape &b);
/// Row-major element strides of `s`.
std::vector<int64_t> rowMajorStrides(const Shape &s);
/// Strides of an operand of shape `in` read at the indices of an output of shape `out` under
/// broadcasting: 0 on broadcast (size-1 or missing) dims. `in` must broadcast to `out`.
std::vector<int64_t> broadcastStrides(const Shape &in, const Shape &out);
/// Product of dims (no overflow check: shapes of inferred types are already checked).
int64_t shapeProduct(const Shape &s);
/// Text of an integer attribute list as written in the IR, for messages: "[1, 2]".
std::string intListStr(const std::vector<int64_t> &v);

/// Reports an error unless argument `i` is a tensor whose dtype is numeric (integer or float32,
/// not bool); `name` is the argument name used in messages.
bool expectNumeric(TypeInferCtx &ctx, size_t i, const char *name);
/// Same for integer dtypes only.
bool expectInteger(TypeInferCtx &ctx, size_t i, const char *name);
/// Element count limit for inferred shapes (matches Tensor's 2^40-byte cap with slack).
inline constexpr int64_t kMaxElements = int64_t(1) << 36;
/// Reports "output shape (…) is too large" and returns false when `s` exceeds kMaxElements.
bool checkShapeSize(TypeInferCtx &ctx, const Shape &s);

// ---- strided walks ---------------------------------------------------------------------------

/// Calls `f(flat, offs)` for every index of `shape` in row-major order, where `flat` is the
/// row-major position and `offs[k]` = Σ index[d] * strides[k][d]. The innermost dim is a plain
/// loop and the outer dims advance like an odometer, so there is no division per element.
template <size_t N, class F>
void forEachStrided(const Shape &shape, const std::array<const std::vector<int64_t> *, N> &strides,
                    F &&f) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  for (int64_t d : shape)
    if (d == 0) return;
  std::array<int64_t, N> offs{};
  if (rank == 0) {
    f(int64_t(0), offs);
    return;
  }
  const int64_t inner = shape[rank - 1];
  std::array<int64_t, N> innerStride{};
  for (size_t k = 0; k < N; ++k) innerStride[k] = (*strides[k])[rank - 1];
  std::vector<int64_t> idx(rank, 0);
  int64_t flat = 0;
  for (;;) {
    std::array<int64_t, N> cur = offs;
    for (int64_t i = 0; i < inner; ++i) {
      f(flat++, cur);
      for (size_t k = 0; k < N; ++k) cur[k] += innerStride[k];
    }
    int64_t d = rank - 2;
    for (; d >= 0; --d) {
      ++idx[d];
      for (size_t k = 0; k < N; ++k) offs[k] += (*strides[k])[d];
      if (idx[d] < shape[d]) break;
      for (size_t k = 0; k < N; ++k) offs[k] -= (*strides[k])[d] * shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

// ---- dtype dispatch and element semantics ----------------------------------------------------

/// Calls `f(T{})` with the C++ storage type of `dt`. Bool is stored as one byte holding 0 or 1
/// and dispatches as uint8_t; ops that produce bool write exactly 0 or 1.
template <class F> decltype(auto) visitDType(DType dt, F &&f) {
  switch (dt) {
  case DType::Int8: return f(int8_t{});
  case DType::UInt8: return f(uint8_t{});
  case DType::Int16: return f(int16_t{});
  case DType::Int32: return f(int32_t{});
  case DType::Int64: return f(int64_t{});
  case DType::Float32: return f(float{});
  case DType::Bool: return f(uint8_t{});
  }
  return f(int32_t{});
}

/// `a + b`. Two's complement wrap-around arithmetic for integers (computed in uint64, where
/// overflow is defined, then truncated); plain IEEE arithmetic for float.
template <class T> T wrapAdd(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    return a + b;
  else
    return static_cast<T>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
/// `a - b`, wrapping for integers.
template <class T> T wrapSub(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    return a - b;
  else
    return static_cast<T>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
/// `a * b`, wrapping for integers (the low bits of the exact product).
template <class T> T wrapMul(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    return a * b;
  else
    return static_cast<T>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

/// Converts one element as `cast` does: to bool is (v != 0); int → int wraps (two's complement
/// truncation); float → int rounds toward zero and saturates to the target range, NaN → 0;
/// int → float rounds to nearest. `toBool` selects the bool rule (bool is stored as uint8_t).
template <class To, class From> To convertElem(From v, bool toBool = false) {
  if (toBool) return static_cast<To>(v != 0 ? 1 : 0);
  if constexpr (std::is_floating_point_v<To>) {
    return static_cast<To>(v);
  } else if constexpr (std::is_floating_point_v<From>) {
    double d = static_cast<double>(v);
    if (std::isnan(d)) return 0;
    constexpr double lo = static_cast<double>(std::numeric_limits<To>::min());
    // 2^bits(-1) is exact in double; anything at or above it saturates.
    constexpr double hiExcl = static_cast<double>(std::numeric_limits<To>::max() / 2 + 1) * 2.0;
    if (d <= lo) return std::numeric_limits<To>::min();
    if (d >= hiExcl) return std::numeric_limits<To>::max();
    return static_cast<To>(std::trunc(d));
  } else {
    return static_cast<To>(v); // C++20: modular conversion
  }
}

/// Converts a whole tensor to `to` with convertElem's rules.
Tensor castTensor(const Tensor &in, DType to);

/// Default-constructed attribute struct, for OpDef::makeAttrs.
template <class T> std::unique_ptr<Attrs> newAttrs() { return std::make_unique<T>(); }

/// An OpDef with its name, positional argument names, pattern, one-line doc, type relation and
/// evaluation; `AttrsT` (void: none) is the attribute struct.
template <class AttrsT = void>
OpDef makeOp(std::string name, std::vector<std::string> argNames, OpPattern pattern,
             std::string doc, InferTypeFn infer = nullptr, EvalFn eval = nullptr) {
  OpDef d;
  d.name = std::move(name);
  d.argNames = std::move(argNames);
  if constexpr (!std::is_void_v<AttrsT>) d.makeAttrs = &newAttrs<AttrsT>;
  d.inferType = std::move(infer);
  d.eval = std::move(eval);
  d.pattern = pattern;
  d.doc = std::move(doc);
  return d;
}

/// Registration of the split-out parts of the families (called from registerXxxOps).
void registerElemwiseUnaryOps(OpRegistry &r);
void registerReduceOps(OpRegistry &r);
void registerPoolOps(OpRegistry &r);
void registerSliceOps(OpRegistry &r);

} // namespace mtc::ir
