// mtc — shared convolution geometry and the reference convolution kernel, used by nn.conv2d,
// qnn.conv2d and the GEMM convolution (and by passes and codegen that need the same shapes).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/op.h"
#include "ir/ops/attrs.h"

#include <optional>
#include <vector>

namespace mtc::ir {

/// Everything about one 2-D convolution after its attributes have been checked against the
/// data and weight shapes. Channels of group g are [g*inCPerGroup, (g+1)*inCPerGroup) in and
/// [g*outCPerGroup, (g+1)*outCPerGroup) out.
struct Conv2DGeometry {
  int64_t batch = 0, inH = 0, inW = 0, inC = 0;             ///< data dims (any layout)
  int64_t outC = 0, kH = 0, kW = 0;                         ///< output channels, kernel size
  int64_t groups = 1, inCPerGroup = 0, outCPerGroup = 0;    ///< channel grouping
  int64_t outH = 0, outW = 0;                               ///< output spatial size
  int64_t padTop = 0, padLeft = 0, padBottom = 0, padRight = 0; ///< padding (pad4 order)
  int64_t strideH = 1, strideW = 1, dilationH = 1, dilationW = 1; ///< strides and dilation
  bool dataNHWC = false; ///< data layout NHWC (else NCHW)
  bool outNHWC = false;  ///< output layout NHWC (else NCHW)
  /// Element strides of the weight tensor for (output channel, in-group input channel, kh, kw).
  int64_t wStrideO = 0, wStrideI = 0, wStrideH = 0, wStrideW = 0;

  /// (N, OC, OH, OW) or (N, OH, OW, OC).
  Shape outShape() const;
  /// K = KH * KW * inCPerGroup, the reduction length of one output element.
  int64_t reduction() const { return kH * kW * inCPerGroup; }
};

/// Checks `attrs` against the data and weight shapes (layouts, strides, dilation, padding,
/// groups, channels, kernel_size, output size) and computes the geometry. Reports the first
/// problem through `ctx` (naming `dataName` / `weightName`) and returns nullopt.
///
/// Kernel layouts: OIHW, HWIO and OHWI hold (OC, IC/groups, KH, KW) in that order. HWOI is the
/// depthwise layout of TVM's frontends: (KH, KW, IC, multiplier) with groups == IC, giving
/// OC = IC * multiplier and output channel c * multiplier + m from input channel c.
std::optional<Conv2DGeometry> conv2dGeometry(TypeInferCtx &ctx, const Conv2DAttrs &attrs,
                                             const Shape &data, const Shape &weight,
                                             const char *dataName = "data",
                                             const char *weightName = "weight");

/// Geometry of an already type-checked call (MTC_CHECKs that the check passes).
Conv2DGeometry conv2dGeometryOf(const std::string &opName, const Conv2DAttrs &attrs,
                                const Shape &data, const Shape &weight);

/// Integer convolution: out = Σ_{kh,kw,c in group} (x - dataZero) * (w - weightZero[o]) over the
/// unpadded positions (a padded position holds dataZero, so it contributes nothing). The sum
/// is exact modulo 2^64 and stored into `outDType` with two's-complement wrap — exactly the
/// exact sum wrapped to the output width. `weightZero` is empty (0), one value, or one per
/// output channel.
Tensor conv2dInteger(const Conv2DGeometry &g, const Tensor &data, const Tensor &weight,
                     int64_t dataZero, const std::vector<int64_t> &weightZero, DType outDType);

/// float32 convolution with zero padding, accumulating in double in (kh, kw, c) order.
Tensor conv2dFloat(const Conv2DGeometry &g, const Tensor &data, const Tensor &weight);

/// Shape of nn.contrib_conv2d_gemm_weight_transform's output for an HWIO kernel
/// (KH, KW, IC, OC): [ceil(OC/tileN), ceil(K/tileK), tileN, tileK] with K = KH*KW*IC.
Shape packedGemmWeightShape(int64_t kH, int64_t kW, int64_t inC, int64_t outC, int64_t tileN,
                            int64_t tileK);

/// The weight transform: B'[nb, kb, ni, ki] = W[h, w, c, o] with k = kb*tileK + ki,
/// o = nb*tileN + ni, h = (k / IC) / KW, w = (k / IC) % KW, c = k % IC; 0 when k >= K or o >= OC.
Tensor packGemmWeight(const Tensor &hwio, int64_t tileN, int64_t tileK);

/// Inverse of packGemmWeight (drops the padding): the HWIO kernel (KH, KW, IC, OC).
Tensor unpackGemmWeight(const Tensor &packed, int64_t kH, int64_t kW, int64_t inC, int64_t outC);

/// Reads an integer tensor of rank 0 or 1 as a list of int64 values (for zero points).
std::vector<int64_t> intValues(const Tensor &t);
/// Reads a float32 tensor of rank 0 or 1 as a list of values (for scales).
std::vector<float> floatValues(const Tensor &t);

} // namespace mtc::ir
