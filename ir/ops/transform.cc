// mtc — transform ops (placeholder registration until the family lands).
#include "ir/op.h"
namespace mtc::ir {
void registerTransformOps(OpRegistry &) {}
} // namespace mtc::ir
