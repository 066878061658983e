// mtc — quantized ops (qnn.*) and the fixed-point multiply ops they lower to.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/op.h"

namespace mtc::ir {

void registerQnnOps(OpRegistry &r) {
  r.add(OpDef{.name = "qnn.conv2d",
              .argNames = {"data", "weight", "input_zero_point", "kernel_zero_point",
                           "input_scale", "kernel_scale"},
              .makeAttrs = [] { return std::make_unique<Conv2DAttrs>(); },
              .pattern = OpPattern::Opaque,
              .doc = "quantized conv2d: exact sum of (x - zp_a)(w - zp_w)"});
  r.add(OpDef{.name = "qnn.dense",
              .argNames = {"data", "weight", "input_zero_point", "kernel_zero_point",
                           "input_scale", "kernel_scale"},
              .makeAttrs = [] { return std::make_unique<DenseAttrs>(); },
              .pattern = OpPattern::Opaque,
              .doc = "quantized dense: exact sum of (x - zp_a)(w - zp_w)"});
  r.add(OpDef{.name = "qnn.requantize",
              .argNames = {"data", "input_scale", "input_zero_point", "output_scale",
                           "output_zero_point"},
              .makeAttrs = [] { return std::make_unique<RequantizeAttrs>(); },
              .pattern = OpPattern::Opaque,
              .doc = "rescales quantized values with a fixed-point multiplier"});
  r.add(OpDef{.name = "qnn.quantize",
              .argNames = {"data", "output_scale", "output_zero_point"},
              .makeAttrs = [] { return std::make_unique<QuantizeAttrs>(); },
              .pattern = OpPattern::Opaque,
              .doc = "float32 -> integer: clamp(round(x / scale) + zp)"});
  r.add(OpDef{.name = "qnn.dequantize",
              .argNames = {"data", "input_scale", "input_zero_point"},
              .makeAttrs = [] { return std::make_unique<DequantizeAttrs>(); },
              .pattern = OpPattern::Opaque,
              .doc = "integer -> float32: (q - zp) * scale"});
  r.add(OpDef{.name = "qnn.add",
              .argNames = {"lhs", "rhs", "lhs_scale", "lhs_zero_point", "rhs_scale",
                           "rhs_zero_point", "output_scale", "output_zero_point"},
              .makeAttrs = [] { return std::make_unique<QnnBinaryAttrs>(); },
              .pattern = OpPattern::Opaque,
              .doc = "quantized broadcasting add"});
  r.add(OpDef{.name = "qnn.concatenate",
              .argNames = {"data", "input_scales", "input_zero_points", "output_scale",
                           "output_zero_point"},
              .makeAttrs = [] { return std::make_unique<ConcatenateAttrs>(); },
              .pattern = OpPattern::Opaque,
              .doc = "quantized concatenate (inputs requantized to the output parameters)"});
  r.add(OpDef{.name = "fixed_point_multiply",
              .argNames = {"x"},
              .makeAttrs = [] { return std::make_unique<FixedPointMultiplyAttrs>(); },
              .pattern = OpPattern::ElemWise,
              .doc = "round(x * multiplier * 2^(shift - 31)), saturated to int32"});
  r.add(OpDef{.name = "fixed_point_multiply_per_axis",
              .argNames = {"x", "multipliers", "shifts"},
              .makeAttrs = [] { return std::make_unique<FixedPointMultiplyPerAxisAttrs>(); },
              .pattern = OpPattern::Broadcast,
              .doc = "per-channel fixed_point_multiply along axis"});
}

} // namespace mtc::ir
