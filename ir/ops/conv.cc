// mtc — conv ops (placeholder registration until the family lands).
#include "ir/op.h"
namespace mtc::ir {
void registerConvOps(OpRegistry &) {}
} // namespace mtc::ir
