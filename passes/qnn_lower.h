// mtc — the per-op lowerings of QnnCanonicalize (internal to passes/qnn_*.cc).
//
// Each function takes a typed qnn.* call (operands already rewritten, types restored) and
// returns an expression of nn.* and integer elementwise ops computing bit-for-bit what the
// reference evaluator computes for the call, or the call itself when it has no exact lowering
// (QnnCanonicalize reports those). docs/passes_qnn.md states the rules and proofs.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/quant.h"
#include "passes/qnn_util.h"

#include <optional>
#include <vector>

namespace mtc::passes::qnn {

/// qnn.conv2d -> nn.pad + nn.conv2d + zero-point terms (or TVM's int32 fallback).
ir::Expr lowerQnnConv2d(TypedBuilder &b, const ir::CallNode *call);
/// qnn.dense -> nn.dense + zero-point terms.
ir::Expr lowerQnnDense(TypedBuilder &b, const ir::CallNode *call);
/// qnn.requantize -> subtract, fixed_point_multiply[_per_axis], clip, add, cast.
ir::Expr lowerQnnRequantize(TypedBuilder &b, const ir::CallNode *call);
/// qnn.add: both operands requantized to the output parameters in int32, added, clamped.
ir::Expr lowerQnnAdd(TypedBuilder &b, const ir::CallNode *call);
/// qnn.concatenate: each input requantized to the output parameters, then concatenate.
ir::Expr lowerQnnConcatenate(TypedBuilder &b, const ir::CallNode *call);

/// qnn.dequantize: float32(q − zp) · scale (the float multiply is the evaluator's).
ir::Expr lowerQnnDequantize(TypedBuilder &b, const ir::CallNode *call);

/// The constant parameters of one requantize, as the evaluator uses them.
struct RequantizeSpec {
  /// One fixed-point step per channel (or one for the tensor); nullopt = scales equal, skipped.
  std::vector<std::optional<ir::FixedPoint>> steps;
  std::vector<int64_t> zpIn; ///< one per channel, or one
  int64_t zpOut = 0;
  int64_t axis = -1; ///< channel axis of `steps` / `zpIn` (normalised by the builder)
  ir::Rounding rounding = ir::Rounding::Upward;
  ir::DType out = ir::DType::Int8;
};

/// A lowered requantize and the range of values it can produce.
struct LoweredRequantize {
  ir::Expr expr = nullptr;
  int64_t min = 0, max = 0;
};

/// The integer ops computing requantizeValue(x, spec) for every element of `x` (any integer
/// dtype). nullopt when this lowering is not exact for every possible input value (see
/// docs/passes_qnn.md): then the caller keeps the qnn op.
std::optional<LoweredRequantize> buildRequantize(TypedBuilder &b, ir::Expr x,
                                                 const RequantizeSpec &spec);

/// The int64 form of buildRequantize (passes/qnn_requantize_wide.cc): exact for every input of
/// at most 32 bits and for int64 inputs whose saturation points keep the products in int64;
/// nullopt otherwise. buildRequantize uses it when the int32 form cannot be proved exact.
std::optional<LoweredRequantize> buildRequantizeWide(TypedBuilder &b, ir::Expr x,
                                                     const RequantizeSpec &spec);

} // namespace mtc::passes::qnn
