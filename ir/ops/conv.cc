// mtc — convolution ops: nn.conv2d and the im2col + GEMM pair
// nn.contrib_conv2d_gemm_weight_transform / nn.contrib_conv2d_gemm_without_weight_transform.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/op.h"

namespace mtc::ir {

void registerConvOps(OpRegistry &r) {
  r.add(OpDef{.name = "nn.conv2d",
              .argNames = {"data", "weight"},
              .makeAttrs = [] { return std::make_unique<Conv2DAttrs>(); },
              .pattern = OpPattern::OutEWiseFusable,
              .doc = "2-D convolution (integer: exact, wrapped to out_dtype; float32)"});
  r.add(OpDef{.name = "nn.contrib_conv2d_gemm_weight_transform",
              .argNames = {"weight"},
              .makeAttrs = [] { return std::make_unique<ConvGemmWeightTransformAttrs>(); },
              .pattern = OpPattern::Opaque,
              .doc = "packs an HWIO kernel into tile_N x tile_K blocks for the GEMM conv"});
  r.add(OpDef{.name = "nn.contrib_conv2d_gemm_without_weight_transform",
              .argNames = {"data", "packed_weight"},
              .makeAttrs = [] { return std::make_unique<Conv2DAttrs>(); },
              .pattern = OpPattern::OutEWiseFusable,
              .doc = "NHWC conv2d on a packed kernel (im2col + GEMM)"});
}

} // namespace mtc::ir
