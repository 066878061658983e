// mtc — AlterOpLayout: quantized NHWC/HWIO nn.conv2d on AArch64 becomes the GEMM pair
// nn.contrib_conv2d_gemm_weight_transform + nn.contrib_conv2d_gemm_without_weight_transform.
// SPDX-License-Identifier: Apache-2.0
//
// The tiles come from selectConvImpl, the same table QnnLegalize asks, so the packed weight
// layout always matches the micro-kernel the codegen will emit. Unlike TVM (2020-2023) no tuning
// log is needed: the choice is a pure function of the target and the conv.
#include "ir/builder.h"
#include "ir/ops/attrs.h"
#include "passes/passes.h"
#include "passes/strategy.h"

#include <map>
#include <tuple>

namespace mtc::passes {
namespace {

// The constant-valued spatial nn.pad feeding a GEMM convolution, if it can become the op's own
// padding: NHWC, nothing padded on N or C, a compile-time scalar value that fits the data, and
// a convolution without padding of its own (that would be zero-valued). QnnCanonicalize writes
// qnn.conv2d's padding this way, with the data zero point as the value.
struct FoldablePad {
  ir::Expr input;
  std::vector<int64_t> padding; // top, left, bottom, right
  int64_t value = 0;
};

std::optional<FoldablePad> foldablePad(ir::Expr data, const ir::Conv2DAttrs &conv) {
  if (!ir::isOpCall(data, "nn.pad") || conv.data_layout != "NHWC" || conv.out_dtype != "int32")
    return std::nullopt;
  for (int64_t v : conv.padding)
    if (v != 0) return std::nullopt;
  const auto *pad = static_cast<const ir::CallNode *>(data);
  const auto &pa = pad->attrsAs<ir::PadAttrs>();
  const auto *value = ir::dyn<ir::ConstantNode>(pad->args.at(1));
  if (pa.pad_mode != "constant" || pa.pad_width.size() != 4 || !value ||
      value->value.numElements() != 1 || value->value.dtype() == ir::DType::Float32)
    return std::nullopt;
  const auto &w = pa.pad_width;
  if (w[0] != std::vector<int64_t>{0, 0} || w[3] != std::vector<int64_t>{0, 0}) return std::nullopt;
  return FoldablePad{pad->args.at(0), {w[1][0], w[2][0], w[1][1], w[2][1]}, value->value.intAt(0)};
}

} // namespace

std::optional<ir::Module> alterOpLayout(const ir::Module &m, PassContext &ctx) {
  ir::Rewriter rw(m.ctx());
  ir::Builder b(m.ctx());
  int rewritten = 0, mixed = 0, generic = 0, padsFolded = 0;
  std::string implName;
  // One transform per (weight, tiles): convs sharing a weight share its packed form.
  std::map<std::tuple<ir::Expr, int, int>, ir::Expr> transforms;
  bool failed = false;
  // Uses of each node: a pad read by anything besides the conv stays (folding it would leave
  // the other reader computing the padding inline, element by element).
  std::map<ir::Expr, int> uses;
  for (const auto &[name, f] : m.functions())
    for (ir::Expr e : ir::postOrder(f))
      for (ir::Expr c : ir::children(e)) ++uses[c];

  auto fn = [&](ir::Expr old, ir::Expr rebuilt) -> ir::Expr {
    if (failed || !ir::isOpCall(old, "nn.conv2d")) return rebuilt;
    const auto *call = static_cast<const ir::CallNode *>(old);
    const ir::Type &dataT = call->args.at(0)->type, &weightT = call->args.at(1)->type;
    if (!dataT.isTensor() || !weightT.isTensor()) {
      ctx.diag.error(old->loc, "AlterOpLayout: nn.conv2d arguments are not typed tensors "
                               "(run InferType first)");
      failed = true;
      return rebuilt;
    }
    const auto &attrs = call->attrsAs<ir::Conv2DAttrs>();
    ConvImpl impl = selectConvImpl(ctx.target, attrs, dataT.dtype(), weightT.dtype());
    if (!impl.isGemm()) {
      ++generic;
      return rebuilt;
    }
    // The GEMM kernels multiply operands of one signedness; a mixed conv here means QnnLegalize
    // did not run (or the graph came in as nn.conv2d), so it stays on the generic path.
    if (dataT.dtype() != weightT.dtype()) {
      ++mixed;
      return rebuilt;
    }
    const ir::Shape &w = weightT.shape();
    if (w.size() != 4) {
      ctx.diag.error(old->loc, "AlterOpLayout: HWIO kernel of nn.conv2d has rank " +
                                   std::to_string(w.size()) + ", expected 4");
      failed = true;
      return rebuilt;
    }
    const auto *rc = static_cast<const ir::CallNode *>(rebuilt);
    ir::Expr weight = rc->args.at(1);
    auto key = std::make_tuple(weight, impl.tiles.tileN, impl.tiles.tileK);
    ir::Expr &packed = transforms[key];
    if (!packed) {
      packed = b.call<ir::ConvGemmWeightTransformAttrs>(
          "nn.contrib_conv2d_gemm_weight_transform", {weight},
          [&](ir::ConvGemmWeightTransformAttrs &a) {
            a.tile_N = impl.tiles.tileN;
            a.tile_K = impl.tiles.tileK;
          },
          old->loc);
    }
    // The packed weight no longer carries the kernel geometry, so it moves into the attrs.
    auto newAttrs = std::make_shared<ir::Conv2DAttrs>(attrs);
    newAttrs->kernel_size = {w[0], w[1]};
    newAttrs->channels = w[3];
    ++rewritten;
    implName = impl.name();
    // An explicit pad in front becomes padding read from a row of pad_value bytes while the
    // A panel is packed: no padded copy of the input (the pad stays for any other user).
    ir::Expr data = rc->args.at(0);
    auto fp = uses[call->args.at(0)] == 1 ? foldablePad(data, attrs) : std::nullopt;
    if (fp) {
      data = fp->input;
      newAttrs->padding = fp->padding;
      newAttrs->pad_value = fp->value;
      ++padsFolded;
    }
    return b.call("nn.contrib_conv2d_gemm_without_weight_transform", {data, packed},
                  newAttrs, old->loc);
  };

  ir::Module out(m.ctxPtr());
  for (const auto &[name, f] : m.functions()) {
    ir::Expr nf = rw.rewrite(f, fn);
    if (failed) return std::nullopt;
    out.setFunction(name, static_cast<const ir::FunctionNode *>(nf));
  }
  std::string line = "AlterOpLayout: " + std::to_string(rewritten) + " conv2d rewritten";
  if (rewritten) line += " (" + implName + ")";
  if (padsFolded) line += ", " + std::to_string(padsFolded) + " nn.pad folded into them";
  if (generic) line += ", " + std::to_string(generic) + " left generic";
  if (mixed) line += ", " + std::to_string(mixed) + " with mixed int8/uint8 left generic";
  ctx.report(line);
  return out;
}

} // namespace mtc::passes
