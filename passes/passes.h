// mtc — declarations of every pass function listed in passes/passes.def.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/expr.h"
#include "passes/pass.h"

#include <optional>

namespace mtc::passes {

// Every pass has the PassFn signature: it reads the module, never modifies it, and returns the
// rewritten module, or nullopt after reporting an error naming the pass and the node. Passes may
// assume the input is type-checked (the pass manager re-infers types after every pass); they
// return modules whose new nodes are untyped.

/// InferType: runs ir::inferTypes; the module itself is returned unchanged.
std::optional<ir::Module> inferType(const ir::Module &m, PassContext &ctx);
/// QnnLegalize: same-signedness / int16 legalization of qnn.conv2d (passes/qnn_legalize.cc).
std::optional<ir::Module> qnnLegalize(const ir::Module &m, PassContext &ctx);
/// QnnCanonicalize: qnn.* to nn.* plus integer ops (passes/qnn_canonicalize.cc).
std::optional<ir::Module> qnnCanonicalize(const ir::Module &m, PassContext &ctx);
/// Legalize: nn.* ops into forms the target implementations accept (passes/legalize.cc).
std::optional<ir::Module> legalize(const ir::Module &m, PassContext &ctx);
/// SimplifyExpr: exactly value-preserving algebraic rewrites (passes/simplify.cc).
std::optional<ir::Module> simplifyExpr(const ir::Module &m, PassContext &ctx);
/// FoldConstant: replaces all-constant calls by their value (passes/fold_constant.cc).
std::optional<ir::Module> foldConstant(const ir::Module &m, PassContext &ctx);
/// AlterOpLayout: GEMM rewrite of quantized NHWC conv2d on AArch64 (passes/alter_op_layout.cc).
std::optional<ir::Module> alterOpLayout(const ir::Module &m, PassContext &ctx);
/// FuseOps: groups anchors and epilogues into Primitive functions (passes/fuse_ops.cc).
std::optional<ir::Module> fuseOps(const ir::Module &m, PassContext &ctx);
/// DeadCodeElimination: drops functions unreachable from @main (passes/dead_code.cc).
std::optional<ir::Module> deadCodeElimination(const ir::Module &m, PassContext &ctx);

} // namespace mtc::passes
