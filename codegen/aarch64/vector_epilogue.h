// mtc — the fused epilogue of a GEMM convolution in NEON vector form: bias, zero-point terms,
// fixed-point multiply, clamps and the narrowing cast applied 4 output channels at a time.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/epilogue.h"

#include <optional>
#include <string>
#include <vector>

namespace mtc::codegen::aarch64 {

/// One operand of a vector step, 4 lanes along the output channels.
struct VecOperand {
  enum class Kind {
    Splat,   ///< the same compile-time value in every lane
    Channel, ///< a compile-time per-channel vector (a padded constant in the module)
    Row,     ///< one run-time value per output pixel (its channel dim is 1), read and splat
  };
  Kind kind = Kind::Splat;
  int64_t splat = 0;
  std::vector<int64_t> channel; ///< per output channel (Channel)
  ir::Expr expr = nullptr;      ///< the operand node (Row)
};

/// One step of the chain, on int32 lanes.
struct VecStep {
  enum class Kind {
    Add,       ///< x + a (wrapping)
    Sub,       ///< x - a (wrapping)
    SubFrom,   ///< a - x (wrapping)
    AddSat,    ///< x + a, saturated to int32
    Max,       ///< smax(x, a)
    Min,       ///< smin(x, a)
    FpmTflite, ///< gemmlowp: sqshl by `left`, sqrdmulh by `q`, rounding divide by 2^-negRight
    FpmRound,  ///< exact x·q·2^(shift-31) rounded once (UPWARD or TONEAREST), saturated
  };
  Kind kind = Kind::Add;
  VecOperand a;                 ///< Add / SubFrom / Max / Min
  VecOperand q, left, negRight; ///< FpmTflite (left omitted when all zero)
  VecOperand rshift;            ///< FpmRound: 31 - shift, in [1, 62]
  bool tiesAway = false;        ///< FpmRound: TONEAREST (else UPWARD)
  bool hasLeft = false;
};

/// The epilogue of an int32 NHWC convolution result as vector steps; built only when every
/// fused op has an exact vector form here, so the result is bit-identical to the scalar path.
class VectorEpilogue {
public:
  /// Plans the chain of `ep`, or returns nullopt with the reason in `*whyNot`: an op without a
  /// vector form, an operand that varies along both pixels and channels, a per-channel operand
  /// or a shift that is not a compile-time constant, shifts beyond ±31.
  static std::optional<VectorEpilogue> plan(Epilogue &ep, std::string *whyNot = nullptr);

  /// Emits the epilogue of one tile row: int32 accumulators at `acc` (lane j = channel n0 + j,
  /// readable up to the next multiple of 4 above `cols`) for the output element `rowIdx`
  /// (index (b, oh, ow, n0) of the output), storing `cols` results from `out` on.
  /// `n0` must be a multiple of 4.
  void emitRow(Builder &b, llvm::Value *acc, const Index &rowIdx, llvm::Value *n0, int64_t cols,
               llvm::Value *out);

  /// The form's name in the compile summary: "neon x4".
  static std::string form() { return "neon x4"; }

private:
  /// Rewrites a final clamp-to-range-then-add-zero-point into the saturating form.
  void saturatingNarrow();
  llvm::Value *lanes(Builder &b, const VecOperand &o, const Index &rowIdx, llvm::Value *n0,
                     int64_t chunk, llvm::Type *elem);

  Epilogue *ep_ = nullptr;
  std::vector<VecStep> steps_;
  std::vector<std::string> names_;
  ir::DType out_ = ir::DType::Int32;
  int64_t channels_ = 0;
  /// The chain ends in a saturating add of the zero point; the narrowing to the output dtype
  /// saturates (sqxtn / sqxtun) instead of clamping first.
  bool satNarrow_ = false;
};

} // namespace mtc::codegen::aarch64
