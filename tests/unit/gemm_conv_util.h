// mtc — helpers of the GEMM convolution tests: quantized conv graphs in the text format, their
// compilation for an AArch64 target into a shared library, a run under qemu with the module
// runner, and the bit-exact comparison with the reference evaluator.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/compile.h"
#include "ir/tensor.h"
#include "passes/target.h"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mtc::codegen::testing {

/// One convolution graph.
///  - "qnn": qnn.conv2d (+ nn.bias_add + qnn.requantize to `out`, or just the bias add when
///    `out` is "int32");
///  - "nn": nn.conv2d with out_dtype `out` alone;
///  - "nnrq": nn.conv2d (int32) + nn.bias_add + qnn.requantize to `out`;
///  - "gemm": the packed op written directly, nn.contrib_conv2d_gemm_without_weight_transform
///    over nn.contrib_conv2d_gemm_weight_transform(weight, tileN, tileK), out_dtype `out`.
struct ConvCase {
  std::string name;
  std::string kind = "qnn";
  ir::DType data = ir::DType::UInt8, weight = ir::DType::Int8;
  int64_t batch = 1, h = 8, w = 8, ic = 16, oc = 16, kh = 3, kw = 3;
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 4> pad{0, 0, 0, 0}; ///< top, left, bottom, right
  std::array<int64_t, 2> dilation{1, 1};
  int64_t dataZp = 0, kernelZp = 0, outZp = 0; ///< qnn zero points
  bool perChannel = false;  ///< per-channel kernel scales and requantize input scales
  std::string out = "int32";
  std::string rounding = "UPWARD";
  bool relu = false;        ///< nn.relu after the requantize
  bool extreme = false;     ///< data and weights at the extremes of their range
  int64_t tileN = 4, tileK = 16; ///< "gemm" only

  std::string text() const;
  /// Weights, bias and scales (deterministic per case name).
  std::map<std::string, ir::Tensor> params() const;
  /// The data input (deterministic per case name and trial).
  ir::Tensor input(int trial) const;
};

/// A TVM test workload (§5.1 of the research notes): int8 data and weights, bias, requantize
/// to int8, optional relu. `padding` is "SAME" (TVM's get_pad_tuple on the dilated kernel) or
/// "VALID".
ConvCase workloadCase(int64_t batch, int64_t ic, int64_t size, int64_t oc, int64_t k,
                      int64_t stride, const std::string &padding, int64_t dilation, bool relu);

/// What one compile-and-run produced.
struct RunOutcome {
  std::string so;                 ///< the shared library
  std::vector<std::string> impls; ///< implementation of each anchor (compile summary)
  double compileSeconds = 0, runSeconds = 0;
};

/// Compiles `c` for `target` (-O3, params bound), runs it under qemu with the target's cpu on
/// `trials` inputs and REQUIREs every output to equal the evaluator's bit for bit.
RunOutcome checkOnTarget(const ConvCase &c, const passes::Target &target, int trials = 1);

/// The parsed alias (REQUIREs success).
passes::Target targetOf(const std::string &alias);

/// `llvm-objdump-19 -d` of a file.
std::string disassembleFile(const std::string &path);

} // namespace mtc::codegen::testing
