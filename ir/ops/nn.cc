// mtc — nn ops (placeholder registration until the family lands).
#include "ir/op.h"
namespace mtc::ir {
void registerNnOps(OpRegistry &) {}
} // namespace mtc::ir
