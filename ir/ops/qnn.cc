// mtc — qnn ops (placeholder registration until the family lands).
#include "ir/op.h"
namespace mtc::ir {
void registerQnnOps(OpRegistry &) {}
} // namespace mtc::ir
