// mtc — qnn.add and qnn.concatenate: inputs are brought to the output quantization parameters
// with a requantize (TVM's canonical form), then combined.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/conv.h"
#include "ir/ops/qnn_util.h"

#include "ir/check.h"

namespace mtc::ir {

namespace {

constexpr auto kBinaryTypes = {DType::Int8, DType::UInt8, DType::Int16, DType::Int32};

// numpy broadcasting; nullopt when a pair of dims differs and neither is 1.
std::optional<Shape> broadcast(const Shape &a, const Shape &b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// Element strides of `in` read at the indices of `out` (0 along broadcast dims).
std::vector<int64_t> readStrides(const Shape &in, const Shape &out) {
  std::vector<int64_t> st(out.size(), 0);
  int64_t s = 1;
  for (size_t k = 0; k < in.size(); ++k) {
    const size_t d = in.size() - 1 - k, od = out.size() - 1 - k;
    if (in[d] != 1) st[od] = s;
    s *= in[d];
  }
  return st;
}

// Number of channels of the per-channel parameters of an operand (0: scalars only).
std::optional<int64_t> operandChannels(TypeInferCtx &ctx, const Shape &s, int64_t axis,
                                       const char *attrName) {
  if (s.empty()) return 0;
  auto a = channelAxis(ctx, axis, static_cast<int64_t>(s.size()), attrName);
  if (!a) return std::nullopt;
  return s[static_cast<size_t>(*a)];
}

Type inferQnnAdd(TypeInferCtx &ctx) {
  const auto &a = ctx.attrs<QnnBinaryAttrs>();
  if (!ctx.expectDType(0, "lhs", kBinaryTypes) || !ctx.expectTensor(1, "rhs")) return Type();
  const Type &l = ctx.arg(0), &r = ctx.arg(1);
  if (r.dtype() != l.dtype())
    return ctx.error("argument 'rhs' has dtype " + std::string(dtypeName(r.dtype())) +
                     " but 'lhs' has dtype " + std::string(dtypeName(l.dtype())));
  if (!roundingAttr(ctx, a.rounding)) return Type();
  auto out = broadcast(l.shape(), r.shape());
  if (!out)
    return ctx.error("shapes " + shapeStr(l.shape()) + " and " + shapeStr(r.shape()) +
                     " do not broadcast");
  auto lc = operandChannels(ctx, l.shape(), a.lhs_axis, "lhs_axis");
  if (!lc) return Type();
  auto rc = operandChannels(ctx, r.shape(), a.rhs_axis, "rhs_axis");
  if (!rc) return Type();
  if (!ctx.expectScalarOrVector(2, "lhs_scale", DType::Float32, *lc) ||
      !ctx.expectScalarOrVector(3, "lhs_zero_point", DType::Int32, *lc) ||
      !ctx.expectScalarOrVector(4, "rhs_scale", DType::Float32, *rc) ||
      !ctx.expectScalarOrVector(5, "rhs_zero_point", DType::Int32, *rc) ||
      !ctx.expectScalarOrVector(6, "output_scale", DType::Float32) ||
      !ctx.expectScalarOrVector(7, "output_zero_point", DType::Int32))
    return Type();
  if (checkedNumElements(*out, int64_t(1) << 36) < 0)
    return ctx.error("output shape " + shapeStr(*out) + " is too large");
  return Type::tensor(*out, l.dtype());
}

// One operand of qnn.add, requantized to (output scale, output zero point) as int32.
struct AddOperand {
  const Tensor *t;
  ChannelIndexer channel;
  std::vector<std::optional<FixedPoint>> steps;
  std::vector<int64_t> zp;
  std::vector<int64_t> strides;

  AddOperand(const Tensor &x, int64_t axis, const Tensor &scale, const Tensor &zero,
             float outScale, const Shape &outShape)
      : t(&x), steps(requantizeSteps(floatValues(scale), outScale)), zp(intValues(zero)),
        strides(readStrides(x.shape(), outShape)) {
    if (x.rank()) channel = ChannelIndexer(x.shape(), axis < 0 ? axis + x.rank() : axis);
  }
  int64_t at(int64_t offset, int64_t zpOut, Rounding r) const {
    const int64_t ch = channel(offset);
    return requantizeValue(t->intAt(offset), paramAt(zp, ch), paramAt(steps, ch), zpOut, r,
                           DType::Int32);
  }
};

Value evalQnnAdd(const EvalCtx &c) {
  const auto &a = c.attrsAs<QnnBinaryAttrs>();
  const Rounding r = *parseRounding(a.rounding);
  const Shape &os = c.outType.shape();
  const float outScale = floatValues(c.arg(6))[0];
  const int64_t zpOut = intValues(c.arg(7))[0];
  AddOperand lhs(c.arg(0), a.lhs_axis, c.arg(2), c.arg(3), outScale, os);
  AddOperand rhs(c.arg(1), a.rhs_axis, c.arg(4), c.arg(5), outScale, os);
  const DType od = c.outType.dtype();
  Tensor out = Tensor::zeros(os, od);
  const int64_t n = out.numElements();
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i, lo = 0, ro = 0;
    for (size_t d = os.size(); d-- > 0;) {
      const int64_t idx = rem % os[d];
      rem /= os[d];
      lo += idx * lhs.strides[d];
      ro += idx * rhs.strides[d];
    }
    // Both operands are within int32 after requantize, so the int64 sum is exact.
    out.setInt(i, clampToDType(lhs.at(lo, zpOut, r) + rhs.at(ro, zpOut, r) - zpOut, od));
  }
  return out;
}

// ---- qnn.concatenate -------------------------------------------------------------------------

Type inferQnnConcatenate(TypeInferCtx &ctx) {
  const auto &a = ctx.attrs<ConcatenateAttrs>();
  if (ctx.args().empty() || !ctx.arg(0).isTuple() || ctx.arg(0).fields().empty())
    return ctx.error("argument 'data' must be a non-empty tuple of tensors, got " +
                     (ctx.args().empty() ? std::string("nothing") : ctx.arg(0).str()));
  const auto &fields = ctx.arg(0).fields();
  const size_t n = fields.size();
  for (size_t i = 0; i < n; ++i)
    if (!fields[i].isTensor())
      return ctx.error("field " + std::to_string(i) + " of 'data' must be a tensor, got " +
                       fields[i].str());
  const Type &first = fields[0];
  bool okType = false;
  for (DType d : kBinaryTypes) okType = okType || first.dtype() == d;
  if (!okType)
    return ctx.error("field 0 of 'data' has dtype " + std::string(dtypeName(first.dtype())) +
                     ", expected one of int8, uint8, int16, int32");
  const int64_t rank = first.rank();
  if (rank == 0) return ctx.error("field 0 of 'data' must have rank >= 1, got a scalar");
  auto axis = channelAxis(ctx, a.axis, rank);
  if (!axis) return Type();
  Shape out = first.shape();
  for (size_t i = 1; i < n; ++i) {
    const Type &f = fields[i];
    if (f.dtype() != first.dtype())
      return ctx.error("field " + std::to_string(i) + " of 'data' has dtype " +
                       std::string(dtypeName(f.dtype())) + " but field 0 has " +
                       std::string(dtypeName(first.dtype())));
    bool same = f.rank() == rank;
    for (int64_t d = 0; same && d < rank; ++d)
      same = d == *axis || f.shape()[static_cast<size_t>(d)] == out[static_cast<size_t>(d)];
    if (!same)
      return ctx.error("field " + std::to_string(i) + " of 'data' has shape " +
                       shapeStr(f.shape()) + " which does not match " + shapeStr(first.shape()) +
                       " outside axis " + std::to_string(*axis));
    out[static_cast<size_t>(*axis)] += f.shape()[static_cast<size_t>(*axis)];
  }
  auto scalars = [&](size_t i, const char *name, DType dt) {
    bool ok = i < ctx.args().size() && ctx.arg(i).isTuple() && ctx.arg(i).fields().size() == n;
    for (size_t k = 0; ok && k < n; ++k)
      ok = ctx.arg(i).fields()[k].isScalar() && ctx.arg(i).fields()[k].dtype() == dt;
    if (!ok)
      ctx.error("argument '" + std::string(name) + "' must be a tuple of " + std::to_string(n) +
                " " + std::string(dtypeName(dt)) + " scalars, got " +
                (i < ctx.args().size() ? ctx.arg(i).str() : std::string("nothing")));
    return ok;
  };
  if (!scalars(1, "input_scales", DType::Float32) ||
      !scalars(2, "input_zero_points", DType::Int32) ||
      !ctx.expectScalarOrVector(3, "output_scale", DType::Float32) ||
      !ctx.expectScalarOrVector(4, "output_zero_point", DType::Int32))
    return Type();
  if (checkedNumElements(out, int64_t(1) << 36) < 0)
    return ctx.error("output shape " + shapeStr(out) + " is too large");
  return Type::tensor(out, first.dtype());
}

Value evalQnnConcatenate(const EvalCtx &c) {
  const auto &a = c.attrsAs<ConcatenateAttrs>();
  const Shape &os = c.outType.shape();
  const DType od = c.outType.dtype();
  const int64_t rank = static_cast<int64_t>(os.size());
  const int64_t axis = a.axis < 0 ? a.axis + rank : a.axis;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= os[static_cast<size_t>(d)];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= os[static_cast<size_t>(d)];
  const int64_t outRow = os[static_cast<size_t>(axis)] * inner;
  const float outScale = floatValues(c.arg(3))[0];
  const int64_t zpOut = intValues(c.arg(4))[0];
  Tensor out = Tensor::zeros(os, od);
  int64_t base = 0; // offset of this input's slab within an output row
  for (size_t k = 0; k < c.args[0].fields.size(); ++k) {
    const Tensor &x = c.args[0].fields[k].tensor;
    const auto step = requantizeStep(c.args[1].fields[k].tensor.floatAt(0), outScale);
    const int64_t zpIn = c.args[2].fields[k].tensor.intAt(0);
    const int64_t row = x.shape()[static_cast<size_t>(axis)] * inner;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < row; ++j)
        out.setInt(o * outRow + base + j,
                   requantizeValue(x.intAt(o * row + j), zpIn, step, zpOut, Rounding::Upward, od));
    base += row;
  }
  return out;
}

template <class T> std::unique_ptr<Attrs> makeAttrs() { return std::make_unique<T>(); }

} // namespace

void registerQnnBinaryOps(OpRegistry &r) {
  r.add(OpDef{.name = "qnn.add",
              .argNames = {"lhs", "rhs", "lhs_scale", "lhs_zero_point", "rhs_scale",
                           "rhs_zero_point", "output_scale", "output_zero_point"},
              .makeAttrs = makeAttrs<QnnBinaryAttrs>,
              .inferType = inferQnnAdd,
              .eval = evalQnnAdd,
              .pattern = OpPattern::Opaque,
              .doc = "quantized broadcasting add"});
  r.add(OpDef{.name = "qnn.concatenate",
              .argNames = {"data", "input_scales", "input_zero_points", "output_scale",
                           "output_zero_point"},
              .makeAttrs = makeAttrs<ConcatenateAttrs>,
              .inferType = inferQnnConcatenate,
              .eval = evalQnnConcatenate,
              .pattern = OpPattern::Opaque,
              .doc = "quantized concatenate (inputs requantized to the output parameters)"});
}

} // namespace mtc::ir
