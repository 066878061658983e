// mtc — elementwise unary ops: negative, nn.relu, clip, cast, copy.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/ops/op_util.h"

namespace mtc::ir {

void registerElemwiseUnaryOps(OpRegistry &r) {
  r.add(makeOp("negative", {"data"}, OpPattern::ElemWise, "-data; integers wrap"));
  r.add(makeOp("nn.relu", {"data"}, OpPattern::ElemWise, "max(data, 0)"));
  r.add(makeOp<ClipAttrs>("clip", {"data"}, OpPattern::ElemWise, "clamp data to [a_min, a_max]"));
  r.add(makeOp<CastAttrs>("cast", {"data"}, OpPattern::ElemWise, "convert data to dtype"));
  r.add(makeOp("copy", {"data"}, OpPattern::ElemWise, "identity"));
}

} // namespace mtc::ir
