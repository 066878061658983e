// mtc — nn ops: nn.bias_add, nn.pad, nn.dense.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/ops/op_util.h"

namespace mtc::ir {

void registerNnOps(OpRegistry &r) {
  r.add(makeOp<BiasAddAttrs>("nn.bias_add", {"data", "bias"}, OpPattern::Broadcast,
                             "data + bias along axis"));
  r.add(
      makeOp<PadAttrs>("nn.pad", {"data", "pad_value"}, OpPattern::Injective, "constant padding"));
  r.add(makeOp<DenseAttrs>("nn.dense", {"data", "weight"}, OpPattern::OutEWiseFusable,
                           "data · weightᵀ"));
  registerPoolOps(r);
  registerReduceOps(r);
}

} // namespace mtc::ir
