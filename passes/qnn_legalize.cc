// mtc — QnnLegalize: make the dtypes of each qnn.conv2d / qnn.dense fit the implementation the
// target will run (TVM's Arm rules, python/tvm/relay/qnn/op/legalizations.py, final version).
//
// TVM decides the dtype legalization from target features alone, before the convolution
// strategy runs, so the legalization and the implementation can disagree (#5754's review).
// Here the legalization asks passes::selectConvImpl — the function AlterOpLayout asks — with
// the attributes and dtypes the nn.conv2d will have after QnnCanonicalize, so it prepares for
// exactly the implementation that will be chosen. docs/passes_qnn.md has the full rules.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "passes/passes.h"
#include "passes/qnn_util.h"
#include "passes/strategy.h"

#include <map>
#include <string>

namespace mtc::passes {
namespace {

using namespace mtc::ir;

bool is8Bit(DType t) { return t == DType::Int8 || t == DType::UInt8; }

struct Counts {
  int shifted = 0; ///< data shifted by ±128 to the kernel's signedness
  int int16 = 0;   ///< lowered to an int16 nn.conv2d / nn.dense
  /// What was done, for the report: "uint8->int8 shift", "int16 nn.conv2d", ...
  std::map<std::string, int> kinds;
};

// data' = cast(i32(data) ± 128, kernel dtype) and zp' = zp ± 128: s·(q − zp) is unchanged. A
// constant zero point gives a constant; otherwise zp ± 128 is computed in int32, which is exact
// for every zero point within 128 of the int32 range's ends.
Expr shiftToSignedness(qnn::TypedBuilder &b, const CallNode *call, DType to) {
  const int64_t shift = to == DType::Int8 ? -128 : 128;
  Expr data = b.cast(b.add(b.cast(call->args[0], DType::Int32), b.scalar(shift)), to);
  Expr zp = call->args[2];
  if (auto v = qnn::constInt(zp)) zp = b.scalar(*v + shift);
  else zp = b.add(zp, b.scalar(shift));
  std::vector<Expr> args = call->args;
  args[0] = data;
  args[2] = zp;
  return b.call(call->op->name, std::move(args), call->attrs);
}

// True if every value of `dt` minus every zero point in `zps` fits int16 (and so does each
// zero point): then the int16 subtraction of the int16 path is exact.
bool int16Exact(DType dt, const std::vector<int64_t> &zps) {
  for (int64_t z : zps) {
    if (z < -32768 || z > 32767) return false;
    if (dtypeMin(dt) - z < -32768 || dtypeMax(dt) - z > 32767) return false;
  }
  return true;
}

// TVM's helper_no_fast_int8_hw_legalization: subtract the zero points in int16 up front and
// call the plain nn op. Exact only when the zero points are constants for which the int16
// subtraction cannot wrap; returns nullptr (no change) otherwise.
Expr lowerToInt16(qnn::TypedBuilder &b, const CallNode *call, bool isConv) {
  const Expr data = call->args[0], weight = call->args[1];
  auto zpA = qnn::constInt(call->args[2]);
  auto zpW = qnn::constInts(call->args[3]);
  if (!zpA || !zpW) return nullptr;
  if (!int16Exact(data->type.dtype(), {*zpA}) || !int16Exact(weight->type.dtype(), *zpW))
    return nullptr;
  Expr d = b.cast(data, DType::Int16);
  if (*zpA != 0) d = b.subtract(d, b.scalar(*zpA, DType::Int16));
  Expr w = b.cast(weight, DType::Int16);
  if (!qnn::isConstZero(call->args[3])) {
    Expr z;
    if (call->args[3]->type.isScalar()) {
      z = b.scalar((*zpW)[0], DType::Int16);
    } else if (isConv) {
      const auto &a = call->attrsAs<Conv2DAttrs>();
      z = b.reshape(b.vector(*zpW, DType::Int16),
                    qnn::kernelChannelShape(a.kernel_layout, weight->type.shape()));
    } else {
      // nn.dense weight is (units, K): one zero point per row.
      z = b.reshape(b.vector(*zpW, DType::Int16), {static_cast<int64_t>(zpW->size()), 1});
    }
    w = b.subtract(w, z);
  }
  if (isConv) {
    auto attrs = std::make_shared<Conv2DAttrs>(call->attrsAs<Conv2DAttrs>());
    if (attrs->out_dtype.empty()) attrs->out_dtype = "int32";
    return b.call("nn.conv2d", {d, w}, attrs);
  }
  auto attrs = std::make_shared<DenseAttrs>(call->attrsAs<DenseAttrs>());
  if (attrs->out_dtype.empty()) attrs->out_dtype = "int32";
  return b.call("nn.dense", {d, w}, attrs);
}

Expr legalizeConv(qnn::TypedBuilder &b, const Target &target, const CallNode *call,
                  Counts &counts) {
  const DType dt = call->args[0]->type.dtype(), kt = call->args[1]->type.dtype();
  // int16 models (TVM #16535 asserted here): nothing to do, QnnCanonicalize handles any dtype.
  if (!target.isAArch64() || !is8Bit(dt) || !is8Bit(kt)) return call;
  const auto &attrs = call->attrsAs<Conv2DAttrs>();
  // Ask for the implementation of the nn.conv2d QnnCanonicalize will produce: its fallback
  // convolves int32 operands, which only the generic implementation takes.
  const bool fallback = qnn::qnnConvUsesFallback(call);
  const ConvImpl impl = selectConvImpl(target, attrs, fallback ? DType::Int32 : dt,
                                       fallback ? DType::Int32 : kt);
  if (impl.isGemm() || target.dotprod) {
    // The GEMM kernels multiply operands of one signedness. On dotprod targets TVM also makes
    // the generic path same-signed (is_fast_int8_on_arm); we keep that rule.
    if (dt == kt) return call;
    ++counts.shifted;
    ++counts.kinds[std::string(dtypeName(dt)) + "->" + std::string(dtypeName(kt)) + " shift"];
    return shiftToSignedness(b, call, kt);
  }
  // Armv8.0 without dotprod and a convolution the GEMM does not take (NCHW, depthwise, grouped,
  // other layouts): TVM's int16 path, which LLVM vectorises with smlal.
  Expr r = lowerToInt16(b, call, /*isConv=*/true);
  if (!r) return call;
  ++counts.int16;
  ++counts.kinds["int16 nn.conv2d"];
  return r;
}

Expr legalizeDense(qnn::TypedBuilder &b, const Target &target, const CallNode *call,
                   Counts &counts) {
  const DType dt = call->args[0]->type.dtype(), kt = call->args[1]->type.dtype();
  if (!target.isAArch64() || !is8Bit(dt) || !is8Bit(kt)) return call;
  if (target.dotprod) {
    if (dt == kt) return call;
    ++counts.shifted;
    ++counts.kinds[std::string(dtypeName(dt)) + "->" + std::string(dtypeName(kt)) + " shift"];
    return shiftToSignedness(b, call, kt);
  }
  Expr r = lowerToInt16(b, call, /*isConv=*/false);
  if (!r) return call;
  ++counts.int16;
  ++counts.kinds["int16 nn.dense"];
  return r;
}

} // namespace

std::optional<Module> qnnLegalize(const Module &m, PassContext &ctx) {
  qnn::TypedBuilder b(m.ctx(), ctx.diag);
  Counts counts;
  int convs = 0, denses = 0;
  auto out = qnn::rewriteModule(m, [&](const CallNode *old, const CallNode *call) -> Expr {
    Expr r = call;
    if (old->op->name == "qnn.conv2d") {
      const int before = counts.shifted + counts.int16;
      r = legalizeConv(b, ctx.target, call, counts);
      convs += counts.shifted + counts.int16 - before;
    } else if (old->op->name == "qnn.dense") {
      const int before = counts.shifted + counts.int16;
      r = legalizeDense(b, ctx.target, call, counts);
      denses += counts.shifted + counts.int16 - before;
    }
    if (!b.ok()) {
      ctx.diag.error(old->loc, "QnnLegalize: internal error lowering " + old->op->name);
      return nullptr;
    }
    return r;
  });
  if (!out) return std::nullopt;
  if (convs + denses == 0) {
    ctx.report("QnnLegalize: 0 changes");
  } else {
    std::string line = "QnnLegalize: ";
    if (convs) line += std::to_string(convs) + " qnn.conv2d";
    if (denses) line += std::string(convs ? ", " : "") + std::to_string(denses) + " qnn.dense";
    line += " legalized (";
    bool first = true;
    for (const auto &[kind, n] : counts.kinds) {
      line += (first ? "" : ", ") + std::to_string(n) + " " + kind;
      first = false;
    }
    ctx.report(line + ")");
  }
  return out;
}

} // namespace mtc::passes
