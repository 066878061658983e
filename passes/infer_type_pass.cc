// mtc — the InferType pass: ir::inferTypes as a named pass.
// SPDX-License-Identifier: Apache-2.0
#include "ir/infer_type.h"
#include "passes/passes.h"

namespace mtc::passes {

std::optional<ir::Module> inferType(const ir::Module &m, PassContext &ctx) {
  // Types live in the (shared) nodes, so the module itself is returned: nothing is rebuilt.
  if (!ir::inferTypes(m, ctx.diag)) return std::nullopt;
  return m;
}

} // namespace mtc::passes
