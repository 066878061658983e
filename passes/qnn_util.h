// mtc — helpers shared by the QNN passes: a builder that types every node it makes, constant
// readers and the geometry of a 2-D convolution (axes of each layout, depthwise detection).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/builder.h"
#include "ir/diagnostics.h"
#include "ir/expr.h"
#include "ir/ops/attrs.h"

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mtc::passes::qnn {

/// Builds op calls and infers the type of each one at once, so a lowering can read the shapes of
/// what it has built so far. A node that its op's relation rejects is a bug of the pass: the
/// relation's message goes to `diag`, `ok()` turns false and the pass reports and gives up.
class TypedBuilder {
public:
  TypedBuilder(ir::Context &ctx, DiagEngine &diag) : b_(ctx), diag_(diag) {}

  /// `op(args, attrs)`, typed. Arguments must be typed (constants always are).
  ir::Expr call(const std::string &op, std::vector<ir::Expr> args, ir::AttrsPtr attrs = nullptr);
  /// Builds attribute struct T, lets `init` fill it, calls the op.
  template <class T, class F>
  ir::Expr call(const std::string &op, std::vector<ir::Expr> args, F &&init) {
    auto a = std::make_shared<T>();
    init(*a);
    return call(op, std::move(args), std::move(a));
  }
  ir::Expr constant(ir::Tensor value) { return b_.constant(std::move(value)); }
  ir::Expr scalar(int64_t v, ir::DType dt = ir::DType::Int32) { return b_.scalarInt(v, dt); }
  /// 1-D constant of `dt` holding `v`.
  ir::Expr vector(const std::vector<int64_t> &v, ir::DType dt = ir::DType::Int32);

  /// `cast(e, dt)`, or `e` itself when it already has dtype `dt`.
  ir::Expr cast(ir::Expr e, ir::DType dt);
  ir::Expr add(ir::Expr a, ir::Expr b) { return call("add", {a, b}); }
  ir::Expr subtract(ir::Expr a, ir::Expr b) { return call("subtract", {a, b}); }
  ir::Expr multiply(ir::Expr a, ir::Expr b) { return call("multiply", {a, b}); }
  ir::Expr sum(ir::Expr e, std::vector<int64_t> axes, bool keepdims);
  ir::Expr reshape(ir::Expr e, std::vector<int64_t> newshape);
  ir::Expr clip(ir::Expr e, int64_t lo, int64_t hi);

  bool ok() const { return ok_; }
  ir::Context &ctx() { return b_.ctx(); }

private:
  ir::Builder b_;
  DiagEngine &diag_;
  bool ok_ = true;
};

/// The value of a rank-0 integer constant; nullopt otherwise.
std::optional<int64_t> constInt(ir::Expr e);
/// The values of an integer constant of rank 0 (one value) or rank 1; nullopt otherwise.
std::optional<std::vector<int64_t>> constInts(ir::Expr e);
/// The values of a float32 constant of rank 0 (one value) or rank 1; nullopt otherwise.
std::optional<std::vector<double>> constFloats(ir::Expr e);
/// True if `e` is an integer constant whose every element is 0.
bool isConstZero(ir::Expr e);

/// Axis of the channel dimension in a data layout ("NHWC" -> 3, otherwise 1).
int64_t channelAxis(const std::string &dataLayout);
/// Axes of H and W in a data layout.
std::array<int64_t, 2> spatialAxes(const std::string &dataLayout);

/// The shape to which a vector of one value per output channel is reshaped so that it broadcasts
/// against a kernel of `kernelLayout` and `kernelShape` (conv.h's layouts; HWOI is the depthwise
/// (KH, KW, IC, multiplier) layout, so its output channels span two axes).
ir::Shape kernelChannelShape(const std::string &kernelLayout, const ir::Shape &kernelShape);
/// The kernel axes summed to get one value per output channel (all but the output-channel axes).
std::vector<int64_t> kernelReduceAxes(const std::string &kernelLayout);

/// The shape to which a per-output-channel vector of length `outC` is reshaped to broadcast
/// against a conv output of rank 4 (NCHW: (outC, 1, 1); NHWC: (outC)).
ir::Shape outChannelShape(bool outNHWC, int64_t outC);

/// True if QnnCanonicalize lowers this typed qnn.conv2d with the int32 fallback (both operands
/// cast to int32, zero points subtracted, one nn.conv2d of int32 operands) rather than with the
/// zero-point terms. QnnLegalize asks this to know which nn.conv2d will reach AlterOpLayout.
bool qnnConvUsesFallback(const ir::CallNode *call);

/// Rewrites every function of `m` with `fn` (see ir::Rewriter), copying the type of each
/// replaced node onto its rebuilt copy (the QNN rewrites keep every node's type) so that `fn`
/// sees typed operands. Returns the new module; `fn` returning nullptr aborts with nullopt.
std::optional<ir::Module> rewriteModule(const ir::Module &m,
                                        const std::function<ir::Expr(const ir::CallNode *old,
                                                                     const ir::CallNode *rebuilt)>
                                            &fn);

} // namespace mtc::passes::qnn
