// mtc — reductions: sum, max, min, mean.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/ops/op_util.h"

namespace mtc::ir {

void registerReduceOps(OpRegistry &r) {
  for (const char *name : {"sum", "max", "min", "mean"})
    r.add(makeOp<ReduceAttrs>(name, {"data"}, OpPattern::CommReduce, ""));
}

} // namespace mtc::ir
