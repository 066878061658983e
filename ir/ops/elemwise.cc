// mtc — elementwise binary ops with numpy broadcasting: arithmetic, shifts and comparisons.
// SPDX-License-Identifier: Apache-2.0
#include "ir/ops/attrs.h"
#include "ir/ops/op_util.h"

namespace mtc::ir {

void registerElemwiseOps(OpRegistry &r) {
  auto binary = [&](const char *name, OpPattern pattern, const char *doc) {
    r.add(makeOp(name, {"lhs", "rhs"}, pattern, doc));
  };
  binary("add", OpPattern::Broadcast, "lhs + rhs, broadcasting; integers wrap");
  binary("subtract", OpPattern::Broadcast, "lhs - rhs, broadcasting; integers wrap");
  binary("multiply", OpPattern::Broadcast, "lhs * rhs, broadcasting; integers wrap");
  binary("maximum", OpPattern::Broadcast, "max(lhs, rhs), broadcasting");
  binary("minimum", OpPattern::Broadcast, "min(lhs, rhs), broadcasting");
  binary("right_shift", OpPattern::Broadcast, "lhs >> rhs (arithmetic for signed)");
  binary("left_shift", OpPattern::Broadcast, "lhs << rhs, wrapping");
  binary("equal", OpPattern::Broadcast, "lhs == rhs → bool");
  binary("not_equal", OpPattern::Broadcast, "lhs != rhs → bool");
  binary("less", OpPattern::Broadcast, "lhs < rhs → bool");
  binary("less_equal", OpPattern::Broadcast, "lhs <= rhs → bool");
  binary("greater", OpPattern::Broadcast, "lhs > rhs → bool");
  binary("greater_equal", OpPattern::Broadcast, "lhs >= rhs → bool");
  registerElemwiseUnaryOps(r);
}

} // namespace mtc::ir
