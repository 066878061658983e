// mtc — convolution ops: nn.conv2d and the im2col + GEMM pair
// nn.contrib_conv2d_gemm_weight_transform / nn.contrib_conv2d_gemm_without_weight_transform.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/conv.h"
#include "ir/ops/qnn_util.h"

#include "ir/check.h"

#include <string>

namespace mtc::ir {

namespace {

bool isConvInteger(DType t) { return isInteger(t); }

std::string dtName(DType t) { return std::string(dtypeName(t)); }

Type inferConv2D(TypeInferCtx &ctx) {
  const auto &a = ctx.attrs<Conv2DAttrs>();
  if (a.pad_value != 0)
    return ctx.error("pad_value is only supported by nn.contrib_conv2d_gemm_without_weight_transform");
  if (!ctx.expectTensor(0, "data") || !ctx.expectTensor(1, "weight")) return Type();
  const DType dd = ctx.arg(0).dtype(), wd = ctx.arg(1).dtype();
  std::optional<DType> out;
  if (dd == DType::Float32 || wd == DType::Float32) {
    if (dd != wd)
      return ctx.error("argument 'data' has dtype " + dtName(dd) + " but 'weight' has dtype " +
                       dtName(wd) + " (float32 convolution needs both float32)");
    out = outDTypeAttr(ctx, a.out_dtype, DType::Float32, {DType::Float32});
  } else {
    if (!isConvInteger(dd)) return ctx.error("argument 'data' has unsupported dtype " + dtName(dd));
    if (!isConvInteger(wd))
      return ctx.error("argument 'weight' has unsupported dtype " + dtName(wd));
    out = outDTypeAttr(ctx, a.out_dtype, dd,
                       {DType::Int8, DType::UInt8, DType::Int16, DType::Int32, DType::Int64});
  }
  if (!out) return Type();
  auto g = conv2dGeometry(ctx, a, ctx.arg(0).shape(), ctx.arg(1).shape());
  if (!g) return Type();
  return Type::tensor(g->outShape(), *out);
}

Value evalConv2D(const EvalCtx &c) {
  const auto &a = c.attrsAs<Conv2DAttrs>();
  Conv2DGeometry g = conv2dGeometryOf("nn.conv2d", a, c.arg(0).shape(), c.arg(1).shape());
  if (c.arg(0).dtype() == DType::Float32) return conv2dFloat(g, c.arg(0), c.arg(1));
  return conv2dInteger(g, c.arg(0), c.arg(1), 0, {}, c.outType.dtype());
}

Type inferWeightTransform(TypeInferCtx &ctx) {
  const auto &a = ctx.attrs<ConvGemmWeightTransformAttrs>();
  if (!ctx.expectDType(0, "weight", {DType::Int8, DType::UInt8})) return Type();
  const Shape &s = ctx.arg(0).shape();
  if (s.size() != 4)
    return ctx.error("argument 'weight' must be a 4-D HWIO kernel, got shape " + shapeStr(s));
  for (int64_t d : s)
    if (d < 1 || d > (int64_t(1) << 30))
      return ctx.error("argument 'weight' must have dimensions in [1, 2^30], got " + shapeStr(s));
  if (a.tile_N < 1 || a.tile_N > 4096)
    return ctx.error("tile_N must be in [1, 4096], got " + std::to_string(a.tile_N));
  if (a.tile_K < 1 || a.tile_K > 4096)
    return ctx.error("tile_K must be in [1, 4096], got " + std::to_string(a.tile_K));
  Shape out = packedGemmWeightShape(s[0], s[1], s[2], s[3], a.tile_N, a.tile_K);
  if (checkedNumElements(out, int64_t(1) << 36) < 0)
    return ctx.error("output shape " + shapeStr(out) + " is too large");
  return Type::tensor(out, ctx.arg(0).dtype());
}

Value evalWeightTransform(const EvalCtx &c) {
  const auto &a = c.attrsAs<ConvGemmWeightTransformAttrs>();
  return packGemmWeight(c.arg(0), a.tile_N, a.tile_K);
}

// The attributes of the GEMM conv describe the original HWIO kernel; the geometry is that of
// a plain conv over a virtual (KH, KW, IC, channels) kernel.
std::optional<Conv2DGeometry> gemmGeometry(TypeInferCtx &ctx, const Conv2DAttrs &a,
                                           const Shape &data) {
  auto fail = [&](std::string msg) {
    ctx.error(std::move(msg));
    return std::optional<Conv2DGeometry>();
  };
  if (a.data_layout != "NHWC")
    return fail("data_layout must be \"NHWC\" for the GEMM convolution, got \"" +
                     a.data_layout + "\"");
  if (a.kernel_layout != "HWIO")
    return fail("kernel_layout must be \"HWIO\" (the layout of the kernel before packing), "
                     "got \"" + a.kernel_layout + "\"");
  if (a.kernel_size.size() != 2)
    return fail("kernel_size [KH, KW] is required, got " +
                     std::string(a.kernel_size.empty() ? "none" : "a list of " +
                                 std::to_string(a.kernel_size.size())));
  if (a.channels < 1) return fail("channels (output channels) is required");
  if (a.groups != 1)
    return fail("groups must be 1 for the GEMM convolution, got " +
                     std::to_string(a.groups));
  if (data.size() != 4)
    return fail("argument 'data' must be 4-D, got shape " + shapeStr(data));
  for (int64_t k : a.kernel_size)
    if (k < 1 || k > (int64_t(1) << 30))
      return fail("kernel_size entries must be in [1, 2^30], got " +
                       std::to_string(k));
  Shape virt{a.kernel_size[0], a.kernel_size[1], data[3], a.channels};
  return conv2dGeometry(ctx, a, data, virt, "data", "weight");
}

Type inferGemmConv(TypeInferCtx &ctx) {
  const auto &a = ctx.attrs<Conv2DAttrs>();
  if (!ctx.expectDType(0, "data", {DType::Int8, DType::UInt8})) return Type();
  if (!ctx.expectTensor(1, "packed_weight")) return Type();
  const DType dd = ctx.arg(0).dtype();
  if (a.pad_value < dtypeMin(dd) || a.pad_value > dtypeMax(dd))
    return ctx.error("pad_value " + std::to_string(a.pad_value) + " is outside the range of the " +
                     dtName(dd) + " data");
  if (ctx.arg(1).dtype() != dd)
    return ctx.error("argument 'packed_weight' has dtype " + dtName(ctx.arg(1).dtype()) +
                     " but 'data' has dtype " + dtName(dd));
  auto out = outDTypeAttr(ctx, a.out_dtype, DType::Int32,
                          {DType::Int8, DType::UInt8, DType::Int16, DType::Int32, DType::Int64});
  if (!out) return Type();
  auto g = gemmGeometry(ctx, a, ctx.arg(0).shape());
  if (!g) return Type();
  const Shape &p = ctx.arg(1).shape();
  if (p.size() != 4 || p[2] < 1 || p[3] < 1)
    return ctx.error("argument 'packed_weight' must be 4-D [N_pad/tile_N, K_pad/tile_K, tile_N, "
                     "tile_K] with tiles >= 1, got shape " + shapeStr(p));
  const int64_t k = g->reduction();
  const Shape want = packedGemmWeightShape(g->kH, g->kW, g->inC, g->outC, p[2], p[3]);
  if (p[0] != want[0])
    return ctx.error("argument 'packed_weight' " + shapeStr(p) + " has " + std::to_string(p[0]) +
                     " blocks of tile_N = " + std::to_string(p[2]) + " output channels but " +
                     "channels = " + std::to_string(g->outC) + " needs " + std::to_string(want[0]));
  if (p[1] != want[1])
    return ctx.error("argument 'packed_weight' " + shapeStr(p) + " has " + std::to_string(p[1]) +
                     " blocks of tile_K = " + std::to_string(p[3]) + " but K = " +
                     std::to_string(g->kH) + "*" + std::to_string(g->kW) + "*" +
                     std::to_string(g->inC) + " = " + std::to_string(k) + " needs " +
                     std::to_string(want[1]));
  return Type::tensor(g->outShape(), *out);
}

Value evalGemmConv(const EvalCtx &c) {
  const auto &a = c.attrsAs<Conv2DAttrs>();
  const Tensor &data = c.arg(0);
  const int64_t kH = a.kernel_size[0], kW = a.kernel_size[1], inC = data.shape()[3];
  Tensor hwio = unpackGemmWeight(c.arg(1), kH, kW, inC, a.channels);
  Conv2DGeometry g = conv2dGeometryOf("nn.contrib_conv2d_gemm_without_weight_transform", a,
                                      data.shape(), hwio.shape());
  if (a.pad_value == 0) return conv2dInteger(g, data, hwio, 0, {}, c.outType.dtype());
  // Padded taps read p: sum_valid x*w + p*sum_pad w = sum_valid (x - p)*w + p*sum_all w, where
  // conv2dInteger with data zero point p gives the first term. Exact modulo 2^64, then wrapped
  // to out_dtype like every integer convolution.
  const int64_t p = a.pad_value;
  Tensor acc = conv2dInteger(g, data, hwio, p, {}, DType::Int64);
  std::vector<int64_t> wSum(static_cast<size_t>(g.outC), 0);
  for (int64_t i = 0; i < hwio.numElements(); ++i)
    wSum[static_cast<size_t>(i % g.outC)] += hwio.intAt(i); // HWIO: o is the fastest dim
  Tensor out = Tensor::zeros(acc.shape(), c.outType.dtype());
  for (int64_t i = 0; i < acc.numElements(); ++i) {
    const uint64_t v = static_cast<uint64_t>(acc.intAt(i)) +
                       static_cast<uint64_t>(p) * static_cast<uint64_t>(wSum[static_cast<size_t>(i % g.outC)]);
    out.setInt(i, static_cast<int64_t>(v));
  }
  return out;
}

} // namespace

void registerConvOps(OpRegistry &r) {
  r.add(OpDef{.name = "nn.conv2d",
              .argNames = {"data", "weight"},
              .makeAttrs = [] { return std::unique_ptr<Attrs>(new Conv2DAttrs()); },
              .inferType = inferConv2D,
              .eval = evalConv2D,
              .pattern = OpPattern::OutEWiseFusable,
              .doc = "2-D convolution (integer: exact, wrapped to out_dtype; float32)"});
  r.add(OpDef{.name = "nn.contrib_conv2d_gemm_weight_transform",
              .argNames = {"weight"},
              .makeAttrs = [] { return std::unique_ptr<Attrs>(new ConvGemmWeightTransformAttrs()); },
              .inferType = inferWeightTransform,
              .eval = evalWeightTransform,
              .pattern = OpPattern::Opaque,
              .doc = "packs an HWIO kernel into tile_N x tile_K blocks for the GEMM conv"});
  r.add(OpDef{.name = "nn.contrib_conv2d_gemm_without_weight_transform",
              .argNames = {"data", "packed_weight"},
              .makeAttrs = [] { return std::unique_ptr<Attrs>(new Conv2DAttrs()); },
              .inferType = inferGemmConv,
              .eval = evalGemmConv,
              .pattern = OpPattern::OutEWiseFusable,
              .doc = "NHWC conv2d on a packed kernel (im2col + GEMM)"});
}

} // namespace mtc::ir
