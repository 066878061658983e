// mtc — scalar arithmetic with the evaluator's exact semantics, emitted as LLVM IR: dtype
// conversion (cast), clamps, and the fixed-point multiply of ir/quant.h. Everything is
// straight-line code (selects, no branches or calls), so loops around it stay vectorizable.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/lower_ir.h"
#include "ir/quant.h"

namespace mtc::codegen {

/// Converts `v` to `to` exactly as `cast` does (ir::convertElem): to bool is v != 0; integer to
/// integer wraps (truncation or sign/zero extension by the source's signedness); float to
/// integer truncates toward zero, saturates to the range and maps NaN to 0; integer to float
/// rounds to nearest.
TypedValue emitConvert(Builder &b, TypedValue v, ir::DType to);

/// Signed or unsigned (uint8, bool) min / max of two values of the same integer dtype, or the
/// float min / max written as a select on `a < b` (`float` semantics decided by the caller).
llvm::Value *emitIntMax(Builder &b, ir::DType t, llvm::Value *a, llvm::Value *c);
llvm::Value *emitIntMin(Builder &b, ir::DType t, llvm::Value *a, llvm::Value *c);

/// Clamps an i64 value to the range of integer dtype `t` and truncates it to t's storage type.
llvm::Value *emitSaturateFromI64(Builder &b, llvm::Value *v64, ir::DType t);

/// Sign- or zero-extends an integer value of dtype `t` to i64 (by t's signedness).
llvm::Value *emitExtendToI64(Builder &b, TypedValue v);

/// ir::fixedPointMultiplyInt32 on an i32 value `x` with i32 multiplier `q` and i32 `shift`
/// (run-time values; constants fold away). Returns i32.
llvm::Value *emitFixedPointMultiplyInt32(Builder &b, llvm::Value *x, llvm::Value *q,
                                         llvm::Value *shift, ir::Rounding r);

/// ir::fixedPointMultiply on an i64 value `t` (exact up to |t| < 2^63): returns the i64 result
/// saturated to int64. Emitted in i128, so use the Int32 form when the input fits 32 bits.
llvm::Value *emitFixedPointMultiplyInt64(Builder &b, llvm::Value *t, llvm::Value *q,
                                         llvm::Value *shift, ir::Rounding r);

} // namespace mtc::codegen
