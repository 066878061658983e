// mtc — nn ops: nn.bias_add, nn.pad, nn.dense (pooling and reductions live in nn_pool.cc and
// nn_reduce.cc).
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/ops/op_util.h"

namespace mtc::ir {
namespace {

std::string dtypeStr(DType t) { return std::string(dtypeName(t)); }

// ---- nn.bias_add ---------------------------------------------------------------------------

Type inferBiasAdd(TypeInferCtx &ctx) {
  if (!expectNumeric(ctx, 0, "data") || !ctx.expectTensor(1, "bias")) return Type();
  const Type &data = ctx.arg(0), &bias = ctx.arg(1);
  if (bias.dtype() != data.dtype())
    return ctx.error("argument 'bias' has dtype " + dtypeStr(bias.dtype()) + ", expected " +
                     dtypeStr(data.dtype()) + " (the dtype of 'data')");
  const int64_t axis = ctx.attrs<BiasAddAttrs>().axis;
  std::optional<int64_t> ax = normalizeAxis(axis, data.rank());
  if (!ax) return ctx.error(axisRangeError(axis, data.rank()));
  const Shape want{data.shape()[*ax]};
  if (bias.shape() != want)
    return ctx.error("argument 'bias' must have shape " + shapeStr(want) + " (dim " +
                     std::to_string(*ax) + " of 'data'), got " + shapeStr(bias.shape()));
  return data;
}

Value evalBiasAdd(const EvalCtx &ctx) {
  const Tensor &data = ctx.arg(0), &bias = ctx.arg(1);
  const Shape &shape = data.shape();
  const int64_t ax = *normalizeAxis(ctx.attrsAs<BiasAddAttrs>().axis, data.rank());
  Tensor out = Tensor::zeros(shape, data.dtype());
  const std::vector<int64_t> sd = rowMajorStrides(shape);
  std::vector<int64_t> sb(shape.size(), 0);
  sb[ax] = 1;
  visitDType(data.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T *pd = data.data<T>(), *pb = bias.data<T>();
    T *po = out.mutableDataAs<T>();
    forEachStrided<2>(shape, {&sd, &sb}, [&](int64_t i, const std::array<int64_t, 2> &o) {
      po[i] = wrapAdd(pd[o[0]], pb[o[1]]);
    });
  });
  return out;
}

// ---- nn.pad --------------------------------------------------------------------------------

Type inferPad(TypeInferCtx &ctx) {
  if (!ctx.expectTensor(0, "data") || !ctx.expectTensor(1, "pad_value")) return Type();
  const Type &data = ctx.arg(0), &value = ctx.arg(1);
  if (!value.isScalar())
    return ctx.error("argument 'pad_value' must be a scalar, got " + value.str());
  const auto &a = ctx.attrs<PadAttrs>();
  if (a.pad_mode != "constant")
    return ctx.error("pad_mode '" + a.pad_mode + "' is not supported (only \"constant\")");
  if (static_cast<int64_t>(a.pad_width.size()) != data.rank())
    return ctx.error("pad_width has " + std::to_string(a.pad_width.size()) + " pairs, expected " +
                     std::to_string(data.rank()) + " (one per axis of 'data')");
  Shape out = data.shape();
  for (size_t d = 0; d < a.pad_width.size(); ++d) {
    const std::vector<int64_t> &p = a.pad_width[d];
    const std::string where = "pad_width[" + std::to_string(d) + "]";
    if (p.size() != 2) return ctx.error(where + " must be [before, after], got " + intListStr(p));
    if (p[0] < 0 || p[1] < 0)
      return ctx.error(where + " = " + intListStr(p) + " has a negative entry");
    if (p[0] > kMaxElements || p[1] > kMaxElements)
      return ctx.error(where + " = " + intListStr(p) + " is too large");
    out[d] += p[0] + p[1];
  }
  if (!checkShapeSize(ctx, out)) return Type();
  return Type::tensor(out, data.dtype());
}

Value evalPad(const EvalCtx &ctx) {
  const Tensor &data = ctx.arg(0);
  const auto &a = ctx.attrsAs<PadAttrs>();
  const Shape &outShape = ctx.outType.shape();
  Tensor out = Tensor::zeros(outShape, data.dtype());
  // The pad value converts to the data dtype exactly as `cast` would.
  const Tensor fill = castTensor(ctx.arg(1), data.dtype());
  const std::vector<int64_t> os = rowMajorStrides(outShape);
  int64_t base = 0;
  for (size_t d = 0; d < os.size(); ++d) base += a.pad_width[d][0] * os[d];
  visitDType(data.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T v = fill.data<T>()[0];
    T *po = out.mutableDataAs<T>();
    std::fill(po, po + out.numElements(), v);
    const T *pd = data.data<T>();
    forEachStrided<1>(data.shape(), {&os},
                      [&](int64_t i, const std::array<int64_t, 1> &o) { po[base + o[0]] = pd[i]; });
  });
  return out;
}

// ---- nn.dense ------------------------------------------------------------------------------

Type inferDense(TypeInferCtx &ctx) {
  if (!expectNumeric(ctx, 0, "data") || !ctx.expectTensor(1, "weight")) return Type();
  const Type &data = ctx.arg(0), &weight = ctx.arg(1);
  if (weight.dtype() != data.dtype())
    return ctx.error("argument 'weight' has dtype " + dtypeStr(weight.dtype()) + ", expected " +
                     dtypeStr(data.dtype()) + " (the dtype of 'data')");
  if (data.rank() < 1) return ctx.error("argument 'data' must have rank >= 1, got a scalar");
  if (weight.rank() != 2)
    return ctx.error("argument 'weight' must have rank 2 (N, K), got " + shapeStr(weight.shape()));
  const int64_t k = data.shape().back(), n = weight.shape()[0];
  if (weight.shape()[1] != k)
    return ctx.error("reduction dims differ: 'data' " + shapeStr(data.shape()) +
                     " has K = " + std::to_string(k) + ", 'weight' " + shapeStr(weight.shape()) +
                     " has K = " + std::to_string(weight.shape()[1]));
  const auto &a = ctx.attrs<DenseAttrs>();
  if (a.units != 0 && a.units != n)
    return ctx.error("units " + std::to_string(a.units) + " does not match 'weight' " +
                     shapeStr(weight.shape()) + " (N = " + std::to_string(n) + ")");
  DType outDt = data.dtype();
  if (!a.out_dtype.empty()) {
    std::optional<DType> dt = parseDType(a.out_dtype);
    if (!dt) return ctx.error("attribute 'out_dtype' has unknown dtype '" + a.out_dtype + "'");
    outDt = *dt;
  }
  const bool inFloat = data.dtype() == DType::Float32;
  if (inFloat ? outDt != DType::Float32 : !isInteger(outDt))
    return ctx.error("out_dtype " + dtypeStr(outDt) + " does not fit input dtype " +
                     dtypeStr(data.dtype()) +
                     (inFloat ? " (float32 needs float32)" : " (integer inputs need an integer)"));
  Shape out = data.shape();
  out.back() = n;
  if (!checkShapeSize(ctx, out)) return Type();
  return Type::tensor(out, outDt);
}

Value evalDense(const EvalCtx &ctx) {
  const Tensor &data = ctx.arg(0), &weight = ctx.arg(1);
  Tensor out = Tensor::zeros(ctx.outType.shape(), ctx.outType.dtype());
  const int64_t k = data.shape().back(), n = weight.shape()[0];
  const int64_t m = shapeProduct(Shape(data.shape().begin(), data.shape().end() - 1));
  visitDType(data.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T *pa = data.data<T>(), *pw = weight.data<T>();
    visitDType(out.dtype(), [&](auto otag) {
      using O = decltype(otag);
      O *po = out.mutableDataAs<O>();
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          const T *row = pa + i * k, *col = pw + j * k;
          if constexpr (std::is_floating_point_v<T>) {
            double acc = 0;
            for (int64_t t = 0; t < k; ++t) acc += double(row[t]) * double(col[t]);
            po[i * n + j] = static_cast<O>(acc);
          } else {
            // Products of two int64 values wrap in uint64; the low bits of the sum are exact.
            uint64_t acc = 0;
            for (int64_t t = 0; t < k; ++t)
              acc +=
                  static_cast<uint64_t>(int64_t(row[t])) * static_cast<uint64_t>(int64_t(col[t]));
            po[i * n + j] = static_cast<O>(static_cast<int64_t>(acc));
          }
        }
    });
  });
  return out;
}

} // namespace

void registerNnOps(OpRegistry &r) {
  r.add(makeOp<BiasAddAttrs>("nn.bias_add", {"data", "bias"}, OpPattern::Broadcast,
                             "data + bias along axis; integers wrap", &inferBiasAdd, &evalBiasAdd));
  r.add(makeOp<PadAttrs>("nn.pad", {"data", "pad_value"}, OpPattern::Injective,
                         "constant padding with a scalar pad_value", &inferPad, &evalPad));
  r.add(makeOp<DenseAttrs>("nn.dense", {"data", "weight"}, OpPattern::OutEWiseFusable,
                           "data · weightᵀ; integers accumulate exactly, wrap to out_dtype",
                           &inferDense, &evalDense));
  registerPoolOps(r);
  registerReduceOps(r);
}

} // namespace mtc::ir
