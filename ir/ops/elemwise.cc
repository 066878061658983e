// mtc — elemwise ops (placeholder registration until the family lands).
#include "ir/op.h"
namespace mtc::ir {
void registerElemwiseOps(OpRegistry &) {}
} // namespace mtc::ir
