// mtc — 2-D pooling: nn.avg_pool2d, nn.max_pool2d, nn.global_avg_pool2d, nn.global_max_pool2d.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/ops/op_util.h"

namespace mtc::ir {

void registerPoolOps(OpRegistry &r) {
  r.add(
      makeOp<Pool2DAttrs>("nn.avg_pool2d", {"data"}, OpPattern::OutEWiseFusable, "window average"));
  r.add(
      makeOp<Pool2DAttrs>("nn.max_pool2d", {"data"}, OpPattern::OutEWiseFusable, "window maximum"));
  r.add(makeOp<GlobalPool2DAttrs>("nn.global_avg_pool2d", {"data"}, OpPattern::OutEWiseFusable,
                                  "average over H and W"));
  r.add(makeOp<GlobalPool2DAttrs>("nn.global_max_pool2d", {"data"}, OpPattern::OutEWiseFusable,
                                  "maximum over H and W"));
}

} // namespace mtc::ir
