// mtc — exact accumulators shared by the reduction-like lowerings (sum/mean/max/min, pools,
// dense): each reproduces the evaluator's accumulation type, initial value, update rule and
// final conversion, so results match bit for bit.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/lower_ir.h"

namespace mtc::codegen {

/// One reduction's arithmetic.
class Accumulator {
public:
  enum class Kind {
    Sum,  ///< reduce `sum`: integers wrap in their dtype; float32 sums in double
    Mean, ///< exact sum (integers: i64 or i128; float: double) divided by the count
    Max,  ///< NaN-sticky maximum starting from the dtype's lowest value (float: -infinity or
          ///< -FLT_MAX, see `poolInit`)
    Min,
  };
  /// `maxTerms` bounds the number of values summed (to pick i64 or i128 for exact integer
  /// sums). `poolInit` selects numeric_limits::lowest() as the float max start (max pools)
  /// instead of -infinity (the `max` reduction).
  Accumulator(Kind kind, ir::DType dtype, int64_t maxTerms, bool poolInit = false);

  llvm::Type *type(Builder &b) const;
  llvm::Value *init(Builder &b) const;
  /// acc ⊕ x for one input element x (of the input dtype).
  llvm::Value *update(Builder &b, llvm::Value *acc, llvm::Value *x) const;
  /// The result in the input dtype; `count` (i64, >= 1) is the divisor of Mean.
  TypedValue finish(Builder &b, llvm::Value *acc, llvm::Value *count) const;
  Kind kind() const { return kind_; }

private:
  /// Signed 128-bit dividend / positive i64 divisor below 2^47, truncated, without libcalls.
  static llvm::Value *sdiv128(Builder &b, llvm::Value *s, llvm::Value *c);
  Kind kind_;
  ir::DType dtype_;
  int accBits_ = 0; ///< integer Mean: 64 or 128
  bool poolInit_;
};

/// Registers sum / max / min / mean (lower_reduce.cc; called by registerNnLowerings).
void registerReduceLowerings(class LoweringTable &t);

} // namespace mtc::codegen
