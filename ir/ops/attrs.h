// mtc — the attribute structs of all ops. Names, order and defaults follow TVM Relay so that
// the text format reads like TVM's. The printer omits fields equal to their default.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/attrs.h"

#include <array>
#include <string>
#include <vector>

namespace mtc::ir {

/// qnn.conv2d, nn.conv2d and nn.contrib_conv2d_gemm_without_weight_transform.
struct Conv2DAttrs : AttrsBase<Conv2DAttrs> {
  static constexpr const char *kName = "Conv2DAttrs";
  std::vector<int64_t> strides{1, 1};
  std::vector<int64_t> padding{0, 0, 0, 0};
  std::vector<int64_t> dilation{1, 1};
  int64_t groups = 1;
  int64_t channels = 0;             ///< output channels; 0 = not given
  std::vector<int64_t> kernel_size; ///< [kh, kw]; empty = not given
  std::string data_layout = "NCHW";
  std::string kernel_layout = "OIHW";
  std::string out_layout;
  std::string out_dtype; ///< empty = input dtype (nn.conv2d); qnn.conv2d treats empty as int32
  /// The value the padded taps read (the GEMM convolution only; the others pad with 0).
  int64_t pad_value = 0;
  template <class V> void visit(V &v) {
    v("strides", strides, "[stride_h, stride_w]");
    v("padding", padding, "[top, left, bottom, right]; [h, w] is symmetric; [p] is all sides");
    v("dilation", dilation, "[dilation_h, dilation_w]");
    v("groups", groups, "number of groups; groups == input channels is depthwise");
    v("channels", channels, "number of output channels (0: from the kernel)");
    v("kernel_size", kernel_size, "[kh, kw] (empty: from the kernel)");
    v("data_layout", data_layout, "NCHW or NHWC");
    v("kernel_layout", kernel_layout, "OIHW, HWIO, HWOI or OHWI");
    v("out_layout", out_layout, "output layout (empty: same as data_layout)");
    v("out_dtype", out_dtype, "accumulator / output dtype");
    v("pad_value", pad_value,
      "value of the padded taps (nn.contrib_conv2d_gemm_without_weight_transform only)");
  }
};

/// Normalises a padding attribute to [top, left, bottom, right].
std::array<int64_t, 4> pad4(const std::vector<int64_t> &padding);

/// nn.contrib_conv2d_gemm_weight_transform.
struct ConvGemmWeightTransformAttrs : AttrsBase<ConvGemmWeightTransformAttrs> {
  static constexpr const char *kName = "ConvGemmWeightTransformAttrs";
  int64_t tile_N = 0;
  int64_t tile_K = 0;
  template <class V> void visit(V &v) {
    v("tile_N", tile_N, "output-channel tile (rows of a packed B block)");
    v("tile_K", tile_K, "reduction tile (columns of a packed B block)");
  }
};

/// qnn.requantize.
struct RequantizeAttrs : AttrsBase<RequantizeAttrs> {
  static constexpr const char *kName = "RequantizeAttrs";
  int64_t axis = -1;
  std::string rounding = "UPWARD";
  std::string out_dtype = "int8";
  template <class V> void visit(V &v) {
    v("axis", axis, "channel axis of per-channel scales");
    v("rounding", rounding, "UPWARD, TONEAREST or TFLITE");
    v("out_dtype", out_dtype, "output dtype");
  }
};

/// qnn.quantize.
struct QuantizeAttrs : AttrsBase<QuantizeAttrs> {
  static constexpr const char *kName = "QuantizeAttrs";
  int64_t axis = -1;
  std::string out_dtype = "int8";
  template <class V> void visit(V &v) {
    v("axis", axis, "channel axis of per-channel scales");
    v("out_dtype", out_dtype, "output dtype");
  }
};

/// qnn.dequantize.
struct DequantizeAttrs : AttrsBase<DequantizeAttrs> {
  static constexpr const char *kName = "DequantizeAttrs";
  int64_t axis = -1;
  template <class V> void visit(V &v) { v("axis", axis, "channel axis of per-channel scales"); }
};

/// qnn.add and other quantized binary ops.
struct QnnBinaryAttrs : AttrsBase<QnnBinaryAttrs> {
  static constexpr const char *kName = "QnnBinaryAttrs";
  int64_t lhs_axis = -1;
  int64_t rhs_axis = -1;
  std::string rounding = "UPWARD";
  template <class V> void visit(V &v) {
    v("lhs_axis", lhs_axis, "channel axis of lhs scales");
    v("rhs_axis", rhs_axis, "channel axis of rhs scales");
    v("rounding", rounding, "UPWARD, TONEAREST or TFLITE");
  }
};

/// concatenate and qnn.concatenate.
struct ConcatenateAttrs : AttrsBase<ConcatenateAttrs> {
  static constexpr const char *kName = "ConcatenateAttrs";
  int64_t axis = 0;
  template <class V> void visit(V &v) { v("axis", axis, "axis to join along"); }
};

/// nn.dense and qnn.dense.
struct DenseAttrs : AttrsBase<DenseAttrs> {
  static constexpr const char *kName = "DenseAttrs";
  int64_t units = 0;
  std::string out_dtype;
  template <class V> void visit(V &v) {
    v("units", units, "output features (0: from the weight)");
    v("out_dtype", out_dtype, "output dtype (empty: input dtype; qnn.dense: int32)");
  }
};

/// nn.bias_add.
struct BiasAddAttrs : AttrsBase<BiasAddAttrs> {
  static constexpr const char *kName = "BiasAddAttrs";
  int64_t axis = 1;
  template <class V> void visit(V &v) { v("axis", axis, "axis the bias vector runs along"); }
};

/// nn.pad (the pad value is the second argument, a scalar).
struct PadAttrs : AttrsBase<PadAttrs> {
  static constexpr const char *kName = "PadAttrs";
  std::vector<std::vector<int64_t>> pad_width; ///< [[before, after], ...] per axis
  std::string pad_mode = "constant";
  template <class V> void visit(V &v) {
    v("pad_width", pad_width, "[[before, after], ...], one pair per axis");
    v("pad_mode", pad_mode, "only \"constant\"");
  }
};

/// clip.
struct ClipAttrs : AttrsBase<ClipAttrs> {
  static constexpr const char *kName = "ClipAttrs";
  double a_min = 0;
  double a_max = 0;
  template <class V> void visit(V &v) {
    v("a_min", a_min, "lower bound");
    v("a_max", a_max, "upper bound");
  }
};

/// cast.
struct CastAttrs : AttrsBase<CastAttrs> {
  static constexpr const char *kName = "CastAttrs";
  std::string dtype;
  template <class V> void visit(V &v) { v("dtype", dtype, "target dtype"); }
};

/// sum, max, min, mean.
struct ReduceAttrs : AttrsBase<ReduceAttrs> {
  static constexpr const char *kName = "ReduceAttrs";
  std::vector<int64_t> axis; ///< empty = all axes
  bool keepdims = false;
  bool exclude = false;
  template <class V> void visit(V &v) {
    v("axis", axis, "axes to reduce (empty: all)");
    v("keepdims", keepdims, "keep reduced axes with size 1");
    v("exclude", exclude, "reduce every axis except those listed");
  }
};

/// reshape.
struct ReshapeAttrs : AttrsBase<ReshapeAttrs> {
  static constexpr const char *kName = "ReshapeAttrs";
  std::vector<int64_t> newshape;
  template <class V> void visit(V &v) {
    v("newshape", newshape, "new shape; -1 infers one dim, 0 copies the input dim");
  }
};

/// transpose.
struct TransposeAttrs : AttrsBase<TransposeAttrs> {
  static constexpr const char *kName = "TransposeAttrs";
  std::vector<int64_t> axes; ///< empty = reverse
  template <class V> void visit(V &v) { v("axes", axes, "permutation (empty: reverse)"); }
};

/// repeat.
struct RepeatAttrs : AttrsBase<RepeatAttrs> {
  static constexpr const char *kName = "RepeatAttrs";
  int64_t repeats = 1;
  int64_t axis = 0;
  template <class V> void visit(V &v) {
    v("repeats", repeats, "copies of each element");
    v("axis", axis, "axis to repeat along");
  }
};

/// nn.avg_pool2d and nn.max_pool2d.
struct Pool2DAttrs : AttrsBase<Pool2DAttrs> {
  static constexpr const char *kName = "Pool2DAttrs";
  std::vector<int64_t> pool_size{1, 1};
  std::vector<int64_t> strides{1, 1};
  std::vector<int64_t> dilation{1, 1};
  std::vector<int64_t> padding{0, 0, 0, 0};
  std::string layout = "NCHW";
  bool ceil_mode = false;
  bool count_include_pad = false;
  template <class V> void visit(V &v) {
    v("pool_size", pool_size, "[ph, pw]");
    v("strides", strides, "[stride_h, stride_w]");
    v("dilation", dilation, "[dilation_h, dilation_w]");
    v("padding", padding, "[top, left, bottom, right]");
    v("layout", layout, "NCHW or NHWC");
    v("ceil_mode", ceil_mode, "round the output size up");
    v("count_include_pad", count_include_pad, "avg_pool2d: divide by the full window");
  }
};

/// nn.global_avg_pool2d, nn.global_max_pool2d.
struct GlobalPool2DAttrs : AttrsBase<GlobalPool2DAttrs> {
  static constexpr const char *kName = "GlobalPool2DAttrs";
  std::string layout = "NCHW";
  template <class V> void visit(V &v) { v("layout", layout, "NCHW or NHWC"); }
};

/// fixed_point_multiply: round(x * multiplier * 2^(shift - 31)), see docs/ops.md.
struct FixedPointMultiplyAttrs : AttrsBase<FixedPointMultiplyAttrs> {
  static constexpr const char *kName = "FixedPointMultiplyAttrs";
  int64_t multiplier = 0;
  int64_t shift = 0;
  std::string rounding = "UPWARD";
  template <class V> void visit(V &v) {
    v("multiplier", multiplier, "Q31 multiplier in [2^30, 2^31)");
    v("shift", shift, "power-of-two exponent");
    v("rounding", rounding, "UPWARD, TONEAREST or TFLITE");
  }
};

/// expand_dims.
struct ExpandDimsAttrs : AttrsBase<ExpandDimsAttrs> {
  static constexpr const char *kName = "ExpandDimsAttrs";
  int64_t axis = 0;
  int64_t num_newaxis = 1;
  template <class V> void visit(V &v) {
    v("axis", axis, "where the new axes go, in [-rank-1, rank]");
    v("num_newaxis", num_newaxis, "number of size-1 axes to insert");
  }
};

/// squeeze.
struct SqueezeAttrs : AttrsBase<SqueezeAttrs> {
  static constexpr const char *kName = "SqueezeAttrs";
  std::vector<int64_t> axis; ///< empty = every size-1 axis
  template <class V> void visit(V &v) { v("axis", axis, "size-1 axes to remove (empty: all)"); }
};

/// fixed_point_multiply_per_axis: per-channel multipliers and shifts given as int32 tensors.
struct FixedPointMultiplyPerAxisAttrs : AttrsBase<FixedPointMultiplyPerAxisAttrs> {
  static constexpr const char *kName = "FixedPointMultiplyPerAxisAttrs";
  int64_t axis = -1;
  std::string rounding = "UPWARD";
  template <class V> void visit(V &v) {
    v("axis", axis, "axis the multiplier and shift vectors run along");
    v("rounding", rounding, "UPWARD, TONEAREST or TFLITE");
  }
};

/// strided_slice (slice_mode "end" only).
struct StridedSliceAttrs : AttrsBase<StridedSliceAttrs> {
  static constexpr const char *kName = "StridedSliceAttrs";
  std::vector<int64_t> begin;
  std::vector<int64_t> end;
  std::vector<int64_t> strides; ///< missing entries are 1
  std::vector<int64_t> axes;    ///< empty = the first len(begin) axes
  std::string slice_mode = "end";
  template <class V> void visit(V &v) {
    v("begin", begin, "first index per sliced axis (negative: from the end)");
    v("end", end, "one past the last index per sliced axis (clamped; missing: the whole axis)");
    v("strides", strides, "step per sliced axis, non-zero (missing: 1)");
    v("axes", axes, "axes the lists refer to (empty: 0, 1, ...)");
    v("slice_mode", slice_mode, "only \"end\"");
  }
};

} // namespace mtc::ir
