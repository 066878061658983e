// mtc — helpers shared by the qnn and conv op families: attribute checks that several type
// relations repeat, and per-channel parameter lookup for the evaluators.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/op.h"
#include "ir/quant.h"

#include <optional>
#include <string>
#include <vector>

namespace mtc::ir {

/// Parses an `out_dtype` attribute: empty gives `dflt`; an unknown name or a dtype outside
/// `allowed` is reported as `out_dtype "x" is not supported (a, b)`.
std::optional<DType> outDTypeAttr(TypeInferCtx &ctx, const std::string &name, DType dflt,
                                  std::initializer_list<DType> allowed);

/// Parses a `rounding` attribute, reporting `rounding "x" is not supported (UPWARD, ...)`.
std::optional<Rounding> roundingAttr(TypeInferCtx &ctx, const std::string &value);

/// Normalises a channel axis attribute (negative counts from the end) for a tensor of `rank`;
/// reports `<attrName> 5 is out of range for rank 4`.
std::optional<int64_t> channelAxis(TypeInferCtx &ctx, int64_t axis, int64_t rank,
                                   const char *attrName = "axis");

/// Maps flat row-major indices of a tensor to the index along one axis, for per-channel
/// parameters. A scalar (rank 0) tensor has a single channel 0.
struct ChannelIndexer {
  int64_t inner = 1; ///< product of the dims after the axis
  int64_t dim = 1;   ///< the axis' length
  ChannelIndexer() = default;
  ChannelIndexer(const Shape &shape, int64_t axis);
  int64_t operator()(int64_t flat) const { return (flat / inner) % dim; }
};

/// Value for channel `c` of a per-tensor (one value) or per-channel parameter.
template <class T> T paramAt(const std::vector<T> &v, int64_t c) {
  return v.size() == 1 ? v[0] : v[static_cast<size_t>(c)];
}

/// Per-channel requantize steps from the input scales to `outScale` (nullopt where the scales
/// are equal and the step is skipped).
std::vector<std::optional<FixedPoint>> requantizeSteps(const std::vector<float> &inScales,
                                                       float outScale);

/// The split-out registrations of the qnn family (called from registerQnnOps).
void registerQnnBinaryOps(OpRegistry &r);
void registerFixedPointOps(OpRegistry &r);

} // namespace mtc::ir
