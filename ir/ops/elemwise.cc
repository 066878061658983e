// mtc — elementwise binary ops with numpy broadcasting: arithmetic, shifts and comparisons.
//
// Both operands must have the same dtype (TVM's rule: no implicit promotion). Integer arithmetic
// wraps at the dtype width; shifts define every shift amount (see docs/ops_generic.md).
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/ops/op_util.h"

namespace mtc::ir {
namespace {

enum class BinaryKind { Arith, Shift, Compare };

Type inferBinary(TypeInferCtx &ctx, BinaryKind kind) {
  if (!ctx.expectTensor(0, "lhs") || !ctx.expectTensor(1, "rhs")) return Type();
  const Type &a = ctx.arg(0), &b = ctx.arg(1);
  if (a.dtype() != b.dtype())
    return ctx.error("operands have dtypes " + std::string(dtypeName(a.dtype())) + " and " +
                     std::string(dtypeName(b.dtype())) + "; both must be the same");
  if (kind == BinaryKind::Arith && !expectNumeric(ctx, 0, "lhs")) return Type();
  if (kind == BinaryKind::Shift && !expectInteger(ctx, 0, "lhs")) return Type();
  std::optional<Shape> out = broadcastShapes(a.shape(), b.shape());
  if (!out)
    return ctx.error("cannot broadcast shapes " + shapeStr(a.shape()) + " and " +
                     shapeStr(b.shape()));
  if (!checkShapeSize(ctx, *out)) return Type();
  return Type::tensor(*out, kind == BinaryKind::Compare ? DType::Bool : a.dtype());
}

// One functor per op; `apply` is instantiated per storage type so the inner loop is direct code.
struct AddFn {
  template <class T> static T apply(T a, T b) { return wrapAdd(a, b); }
};
struct SubFn {
  template <class T> static T apply(T a, T b) { return wrapSub(a, b); }
};
struct MulFn {
  template <class T> static T apply(T a, T b) { return wrapMul(a, b); }
};
struct MaxFn {
  template <class T> static T apply(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(a)) return a;
      if (std::isnan(b)) return b;
    }
    return a < b ? b : a;
  }
};
struct MinFn {
  template <class T> static T apply(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(a)) return a;
      if (std::isnan(b)) return b;
    }
    return b < a ? b : a;
  }
};

// Shift amounts are clamped to [0, bits]: a shift by >= bits is the mathematical limit
// (floor(a / 2^s) for right shifts, (a * 2^s) mod 2^bits for left shifts) and a negative amount
// shifts by 0. This keeps the reference free of C++ undefined behaviour.
template <class T> int64_t shiftAmount(T s) {
  if constexpr (std::is_floating_point_v<T>)
    return 0;
  else {
    int64_t k = static_cast<int64_t>(s);
    constexpr int64_t bits = sizeof(T) * 8;
    return k < 0 ? 0 : (k > bits ? bits : k);
  }
}
struct RightShiftFn {
  template <class T> static T apply(T a, T s) {
    if constexpr (std::is_floating_point_v<T>)
      return a;
    else {
      int64_t k = shiftAmount(s);
      if (k >= static_cast<int64_t>(sizeof(T) * 8)) return a < 0 ? T(-1) : T(0);
      return static_cast<T>(a >> k); // arithmetic for signed (C++20)
    }
  }
};
struct LeftShiftFn {
  template <class T> static T apply(T a, T s) {
    if constexpr (std::is_floating_point_v<T>)
      return a;
    else {
      int64_t k = shiftAmount(s);
      if (k >= static_cast<int64_t>(sizeof(T) * 8)) return T(0);
      return static_cast<T>(static_cast<uint64_t>(a) << k);
    }
  }
};

// Comparisons produce bool stored as one byte 0/1; IEEE rules for NaN.
struct EqFn {
  template <class T> static uint8_t apply(T a, T b) { return a == b; }
};
struct NeFn {
  template <class T> static uint8_t apply(T a, T b) { return a != b; }
};
struct LtFn {
  template <class T> static uint8_t apply(T a, T b) { return a < b; }
};
struct LeFn {
  template <class T> static uint8_t apply(T a, T b) { return a <= b; }
};
struct GtFn {
  template <class T> static uint8_t apply(T a, T b) { return a > b; }
};
struct GeFn {
  template <class T> static uint8_t apply(T a, T b) { return a >= b; }
};

template <class Fn> Value evalBinary(const EvalCtx &ctx) {
  const Tensor &a = ctx.arg(0), &b = ctx.arg(1);
  const Shape &shape = ctx.outType.shape();
  Tensor out = Tensor::zeros(shape, ctx.outType.dtype());
  const std::vector<int64_t> sa = broadcastStrides(a.shape(), shape);
  const std::vector<int64_t> sb = broadcastStrides(b.shape(), shape);
  visitDType(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using R = decltype(Fn::apply(T{}, T{}));
    const T *pa = a.data<T>(), *pb = b.data<T>();
    R *po = out.mutableDataAs<R>();
    forEachStrided<2>(shape, {&sa, &sb}, [&](int64_t i, const std::array<int64_t, 2> &o) {
      po[i] = Fn::apply(pa[o[0]], pb[o[1]]);
    });
  });
  return out;
}

template <class Fn>
void addBinary(OpRegistry &r, const char *name, BinaryKind kind, const char *doc) {
  r.add(makeOp(
      name, {"lhs", "rhs"}, OpPattern::Broadcast, doc,
      [kind](TypeInferCtx &ctx) { return inferBinary(ctx, kind); }, &evalBinary<Fn>));
}

} // namespace

void registerElemwiseOps(OpRegistry &r) {
  using K = BinaryKind;
  addBinary<AddFn>(r, "add", K::Arith, "lhs + rhs, broadcasting; integers wrap");
  addBinary<SubFn>(r, "subtract", K::Arith, "lhs - rhs, broadcasting; integers wrap");
  addBinary<MulFn>(r, "multiply", K::Arith, "lhs * rhs, broadcasting; integers wrap");
  addBinary<MaxFn>(r, "maximum", K::Arith, "max(lhs, rhs), broadcasting");
  addBinary<MinFn>(r, "minimum", K::Arith, "min(lhs, rhs), broadcasting");
  addBinary<RightShiftFn>(r, "right_shift", K::Shift, "lhs >> rhs (arithmetic for signed)");
  addBinary<LeftShiftFn>(r, "left_shift", K::Shift, "lhs << rhs, wrapping");
  addBinary<EqFn>(r, "equal", K::Compare, "lhs == rhs, as bool");
  addBinary<NeFn>(r, "not_equal", K::Compare, "lhs != rhs, as bool");
  addBinary<LtFn>(r, "less", K::Compare, "lhs < rhs, as bool");
  addBinary<LeFn>(r, "less_equal", K::Compare, "lhs <= rhs, as bool");
  addBinary<GtFn>(r, "greater", K::Compare, "lhs > rhs, as bool");
  addBinary<GeFn>(r, "greater_equal", K::Compare, "lhs >= rhs, as bool");
  registerElemwiseUnaryOps(r);
}

} // namespace mtc::ir
