// mtc — generator of random quantized graphs for the numeric equivalence tests of the passes.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/expr.h"
#include "ir/tensor.h"

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace mtc::testing {

/// A random quantized graph and inputs for it. Everything is a function of `seed`.
struct RandomCase {
  uint64_t seed = 0;
  ir::Module module;
  /// Values for every parameter of @main, by name.
  std::map<std::string, ir::Tensor> inputs;
  /// One line saying what was drawn (layouts, dtypes, shapes, zero points...).
  std::string summary;
};

/// What the generator may draw. The defaults cover every feature; tests narrow them to reach
/// particular corners.
struct RandomGraphOptions {
  int maxConvs = 2;          ///< chain length (each conv consumes the previous requantize)
  bool allowNCHW = true;     ///< else NHWC/HWIO only
  bool allowDepthwise = true;
  bool allowWeightParams = true; ///< sometimes pass weights as parameters instead of constants
  bool allowOtherOps = true;     ///< sometimes qnn.add / qnn.concatenate / a qnn.dense head
  /// Also draw what quantized models rarely contain but the passes must still get right:
  /// grouped convolutions, OHWI kernels, int16 operands, zero points given as parameters, int64
  /// accumulators and an output layout that differs from the data layout.
  bool exotic = false;
};

/// A chain of 1..maxConvs blocks `qnn.conv2d -> [nn.bias_add] -> qnn.requantize -> [clip] ->
/// [cast] -> [qnn.add with a residual input | qnn.concatenate with a branch input]`, sometimes
/// ending in `reshape -> qnn.dense -> qnn.requantize`, with random shapes (N 1-2, H/W 1-9, C 1-20), strides 1-3, 4-sided padding (including
/// bottom/right only and asymmetric), dilation 1-2, kernels 1x1..3x3, groups 1 or depthwise
/// (multiplier 1-2), uint8/int8/mixed operands, zero points including the dtype extremes,
/// per-tensor and per-channel scales and kernel zero points, every rounding mode, NHWC/HWIO and
/// NCHW/OIHW (and HWOI for depthwise). Weights are constants (as `--params` would bind them)
/// or, sometimes, parameters. The module is type-checked.
RandomCase makeRandomQnnGraph(uint64_t seed, const RandomGraphOptions &opts = {});

/// A tensor of `t`'s shape and dtype with uniformly random values over the whole dtype range
/// (integers) or in [-4, 4] (float32).
ir::Tensor randomTensor(const ir::Type &t, std::mt19937_64 &rng);

/// Random values for every parameter of `m`'s @main, by name.
std::map<std::string, ir::Tensor> randomInputs(const ir::Module &m, std::mt19937_64 &rng);

/// Runs the reference evaluator on @main; nullopt (with the diagnostics in `*err`) on failure.
std::optional<std::vector<ir::Tensor>> evalOutputs(const ir::Module &m,
                                                   const std::map<std::string, ir::Tensor> &in,
                                                   std::string *err);

/// "" when `a` and `b` are bit-identical (same count, shapes, dtypes, bytes), else a message
/// naming the first differing output and element with both values.
std::string firstDifference(const std::vector<ir::Tensor> &a, const std::vector<ir::Tensor> &b);

} // namespace mtc::testing
