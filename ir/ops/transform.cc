// mtc — data movement ops: reshape, transpose, concatenate, repeat, expand_dims, squeeze
// (strided_slice is in transform_slice.cc).
//
// These never change element values, so every dtype (bool included) is accepted and the
// evaluation copies bytes; shape-only ops share the input buffer.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/ops/op_util.h"

#include <cstring>

namespace mtc::ir {
namespace {

// ---- reshape, expand_dims, squeeze: same bytes, new shape ----------------------------------

Type inferReshape(TypeInferCtx &ctx) {
  if (!ctx.expectTensor(0, "data")) return Type();
  const Type &t = ctx.arg(0);
  const std::vector<int64_t> &ns = ctx.attrs<ReshapeAttrs>().newshape;
  Shape out;
  int64_t inferAt = -1;
  for (size_t i = 0; i < ns.size(); ++i) {
    const int64_t v = ns[i];
    if (v == -1) {
      if (inferAt >= 0) return ctx.error("newshape " + intListStr(ns) + " has more than one -1");
      inferAt = static_cast<int64_t>(i);
      out.push_back(1);
    } else if (v == 0) {
      if (static_cast<int64_t>(i) >= t.rank())
        return ctx.error("newshape[" + std::to_string(i) + "] = 0 copies input dim " +
                         std::to_string(i) + ", but 'data' has rank " + std::to_string(t.rank()));
      out.push_back(t.shape()[i]);
    } else if (v < 0) {
      return ctx.error("newshape code " + std::to_string(v) +
                       " is not supported (only -1 and 0 are)");
    } else {
      out.push_back(v);
    }
  }
  const int64_t have = t.numElements();
  const int64_t known = checkedNumElements(out, kMaxElements);
  if (known < 0) return ctx.error("newshape " + intListStr(ns) + " is too large");
  if (inferAt >= 0) {
    if (known == 0 || have % known != 0)
      return ctx.error("reshape from " + shapeStr(t.shape()) + " to " + intListStr(ns) +
                       ": cannot infer the -1 dim (" + std::to_string(have) +
                       " elements, other dims give " + std::to_string(known) + ")");
    out[inferAt] = have / known;
  } else if (known != have) {
    return ctx.error("reshape from " + shapeStr(t.shape()) + " to " + shapeStr(out) +
                     ": element counts " + std::to_string(have) + " and " + std::to_string(known) +
                     " differ");
  }
  return Type::tensor(out, t.dtype());
}

Value evalReshapeLike(const EvalCtx &ctx) { return ctx.arg(0).reshaped(ctx.outType.shape()); }

Type inferExpandDims(TypeInferCtx &ctx) {
  if (!ctx.expectTensor(0, "data")) return Type();
  const Type &t = ctx.arg(0);
  const auto &a = ctx.attrs<ExpandDimsAttrs>();
  if (a.num_newaxis < 0 || a.num_newaxis > 64)
    return ctx.error("num_newaxis " + std::to_string(a.num_newaxis) + " must be in [0, 64]");
  // New axes may go anywhere from before the first axis to after the last.
  std::optional<int64_t> ax = normalizeAxis(a.axis, t.rank() + 1);
  if (!ax) return ctx.error(axisRangeError(a.axis, t.rank() + 1));
  Shape out = t.shape();
  out.insert(out.begin() + *ax, a.num_newaxis, 1);
  return Type::tensor(out, t.dtype());
}

Type inferSqueeze(TypeInferCtx &ctx) {
  if (!ctx.expectTensor(0, "data")) return Type();
  const Type &t = ctx.arg(0);
  const std::vector<int64_t> &axes = ctx.attrs<SqueezeAttrs>().axis;
  std::vector<bool> drop(t.rank(), false);
  for (int64_t ax : axes) {
    std::optional<int64_t> n = normalizeAxis(ax, t.rank());
    if (!n) return ctx.error(axisRangeError(ax, t.rank()));
    if (drop[*n]) return ctx.error("axis " + std::to_string(ax) + " is listed twice");
    if (t.shape()[*n] != 1)
      return ctx.error("axis " + std::to_string(ax) + " has size " + std::to_string(t.shape()[*n]) +
                       "; only size-1 axes can be squeezed");
    drop[*n] = true;
  }
  Shape out;
  for (int64_t d = 0; d < t.rank(); ++d)
    if (!(axes.empty() ? t.shape()[d] == 1 : drop[d])) out.push_back(t.shape()[d]);
  return Type::tensor(out, t.dtype());
}

// ---- transpose -----------------------------------------------------------------------------

std::vector<int64_t> permutation(const TransposeAttrs &a, int64_t rank) {
  std::vector<int64_t> perm(rank);
  for (int64_t d = 0; d < rank; ++d)
    perm[d] = a.axes.empty() ? rank - 1 - d : *normalizeAxis(a.axes[d], rank);
  return perm;
}

Type inferTranspose(TypeInferCtx &ctx) {
  if (!ctx.expectTensor(0, "data")) return Type();
  const Type &t = ctx.arg(0);
  const std::vector<int64_t> &axes = ctx.attrs<TransposeAttrs>().axes;
  if (!axes.empty()) {
    if (static_cast<int64_t>(axes.size()) != t.rank())
      return ctx.error("axes " + intListStr(axes) + " has " + std::to_string(axes.size()) +
                       " entries, expected " + std::to_string(t.rank()) + " (the rank of 'data')");
    std::vector<bool> seen(t.rank(), false);
    for (int64_t ax : axes) {
      std::optional<int64_t> n = normalizeAxis(ax, t.rank());
      if (!n) return ctx.error(axisRangeError(ax, t.rank()));
      if (seen[*n]) return ctx.error("axes " + intListStr(axes) + " is not a permutation");
      seen[*n] = true;
    }
  }
  Shape out(t.rank());
  std::vector<int64_t> perm = permutation(ctx.attrs<TransposeAttrs>(), t.rank());
  for (int64_t d = 0; d < t.rank(); ++d) out[d] = t.shape()[perm[d]];
  return Type::tensor(out, t.dtype());
}

Value evalTranspose(const EvalCtx &ctx) {
  const Tensor &in = ctx.arg(0);
  const Shape &shape = ctx.outType.shape();
  Tensor out = Tensor::zeros(shape, in.dtype());
  const std::vector<int64_t> perm = permutation(ctx.attrsAs<TransposeAttrs>(), in.rank());
  const std::vector<int64_t> own = rowMajorStrides(in.shape());
  std::vector<int64_t> st(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) st[d] = own[perm[d]];
  visitDType(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T *src = in.data<T>();
    T *dst = out.mutableDataAs<T>();
    forEachStrided<1>(shape, {&st},
                      [&](int64_t i, const std::array<int64_t, 1> &o) { dst[i] = src[o[0]]; });
  });
  return out;
}

// ---- concatenate ---------------------------------------------------------------------------

Type inferConcatenate(TypeInferCtx &ctx) {
  if (ctx.args().empty()) return ctx.error("argument 'data' is missing");
  const Type &tup = ctx.arg(0);
  if (!tup.isTuple())
    return ctx.error("argument 'data' must be a tuple of tensors, got " + tup.str());
  const std::vector<Type> &fs = tup.fields();
  if (fs.empty()) return ctx.error("argument 'data' is an empty tuple; need at least one tensor");
  for (size_t k = 0; k < fs.size(); ++k)
    if (!fs[k].isTensor())
      return ctx.error("field " + std::to_string(k) + " of 'data' must be a tensor, got " +
                       fs[k].str());
  const Type &first = fs[0];
  const int64_t axis = ctx.attrs<ConcatenateAttrs>().axis;
  std::optional<int64_t> ax = normalizeAxis(axis, first.rank());
  if (!ax) return ctx.error(axisRangeError(axis, first.rank()));
  Shape out = first.shape();
  for (size_t k = 1; k < fs.size(); ++k) {
    const std::string who = "field " + std::to_string(k) + " of 'data'";
    if (fs[k].dtype() != first.dtype())
      return ctx.error(who + " has dtype " + std::string(dtypeName(fs[k].dtype())) +
                       ", field 0 has " + std::string(dtypeName(first.dtype())));
    bool same = fs[k].rank() == first.rank();
    for (int64_t d = 0; same && d < first.rank(); ++d)
      same = d == *ax || fs[k].shape()[d] == first.shape()[d];
    if (!same)
      return ctx.error(who + " has shape " + shapeStr(fs[k].shape()) + ", incompatible with " +
                       shapeStr(first.shape()) + " outside axis " + std::to_string(*ax));
    out[*ax] += fs[k].shape()[*ax];
  }
  if (!checkShapeSize(ctx, out)) return Type();
  return Type::tensor(out, first.dtype());
}

Value evalConcatenate(const EvalCtx &ctx) {
  const std::vector<Value> &fields = ctx.args.at(0).fields;
  const Shape &shape = ctx.outType.shape();
  Tensor out = Tensor::zeros(shape, ctx.outType.dtype());
  const int64_t ax = *normalizeAxis(ctx.attrsAs<ConcatenateAttrs>().axis, out.rank());
  const int64_t outer = shapeProduct(Shape(shape.begin(), shape.begin() + ax));
  const int64_t inner = shapeProduct(Shape(shape.begin() + ax + 1, shape.end()));
  const size_t esz = dtypeBytes(out.dtype());
  uint8_t *dst = out.mutableData();
  // Row-major: each outer index holds one contiguous chunk per field, in field order.
  for (int64_t o = 0; o < outer; ++o)
    for (const Value &f : fields) {
      const size_t chunk = static_cast<size_t>(f.tensor.shape()[ax] * inner) * esz;
      if (chunk == 0) continue;
      std::memcpy(dst, f.tensor.rawData() + o * chunk, chunk);
      dst += chunk;
    }
  return out;
}

// ---- repeat --------------------------------------------------------------------------------

Type inferRepeat(TypeInferCtx &ctx) {
  if (!ctx.expectTensor(0, "data")) return Type();
  const Type &t = ctx.arg(0);
  const auto &a = ctx.attrs<RepeatAttrs>();
  if (a.repeats < 1) return ctx.error("repeats " + std::to_string(a.repeats) + " must be >= 1");
  std::optional<int64_t> ax = normalizeAxis(a.axis, t.rank());
  if (!ax) return ctx.error(axisRangeError(a.axis, t.rank()));
  Shape out = t.shape();
  if (a.repeats > kMaxElements)
    return ctx.error("repeats " + std::to_string(a.repeats) + " is too large");
  out[*ax] *= a.repeats;
  if (!checkShapeSize(ctx, out)) return Type();
  return Type::tensor(out, t.dtype());
}

Value evalRepeat(const EvalCtx &ctx) {
  const Tensor &in = ctx.arg(0);
  const auto &a = ctx.attrsAs<RepeatAttrs>();
  const Shape &is = in.shape();
  const int64_t ax = *normalizeAxis(a.axis, in.rank());
  Tensor out = Tensor::zeros(ctx.outType.shape(), in.dtype());
  const int64_t outer = shapeProduct(Shape(is.begin(), is.begin() + ax));
  const int64_t inner = shapeProduct(Shape(is.begin() + ax + 1, is.end()));
  const size_t row = static_cast<size_t>(inner) * dtypeBytes(in.dtype());
  const uint8_t *src = in.rawData();
  uint8_t *dst = out.mutableData();
  if (row == 0) return out;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < is[ax]; ++i, src += row)
      for (int64_t r = 0; r < a.repeats; ++r, dst += row) std::memcpy(dst, src, row);
  return out;
}

} // namespace

void registerTransformOps(OpRegistry &r) {
  r.add(makeOp<ReshapeAttrs>("reshape", {"data"}, OpPattern::Injective, "same elements, new shape",
                             &inferReshape, &evalReshapeLike));
  r.add(makeOp<TransposeAttrs>("transpose", {"data"}, OpPattern::Injective, "permute axes",
                               &inferTranspose, &evalTranspose));
  r.add(makeOp<ConcatenateAttrs>("concatenate", {"data"}, OpPattern::Injective,
                                 "join a tuple of tensors along axis", &inferConcatenate,
                                 &evalConcatenate));
  r.add(makeOp<RepeatAttrs>("repeat", {"data"}, OpPattern::Injective,
                            "repeat each element along axis", &inferRepeat, &evalRepeat));
  r.add(makeOp<ExpandDimsAttrs>("expand_dims", {"data"}, OpPattern::Injective, "insert size-1 axes",
                                &inferExpandDims, &evalReshapeLike));
  r.add(makeOp<SqueezeAttrs>("squeeze", {"data"}, OpPattern::Injective, "remove size-1 axes",
                             &inferSqueeze, &evalReshapeLike));
  registerSliceOps(r);
}

} // namespace mtc::ir
