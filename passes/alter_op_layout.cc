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

std::optional<ir::Module> alterOpLayout(const ir::Module &m, PassContext &ctx) {
  ir::Rewriter rw(m.ctx());
  ir::Builder b(m.ctx());
  int rewritten = 0, mixed = 0, generic = 0;
  std::string implName;
  // One transform per (weight, tiles): convs sharing a weight share its packed form.
  std::map<std::tuple<ir::Expr, int, int>, ir::Expr> transforms;
  bool failed = false;

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
    return b.call("nn.contrib_conv2d_gemm_without_weight_transform", {rc->args.at(0), packed},
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
  if (generic) line += ", " + std::to_string(generic) + " left generic";
  if (mixed) line += ", " + std::to_string(mixed) + " with mixed int8/uint8 left generic";
  ctx.report(line);
  return out;
}

} // namespace mtc::passes
