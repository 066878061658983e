// mtc — structural well-formedness checks (independent of types).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"
#include "ir/expr.h"

namespace mtc::ir {

/// Checks: every function has a body; every Var used is a parameter of an enclosing function;
/// parameters are unique; every op call has a known op, an accepted number of arguments and
/// attributes of the op's struct type; GlobalVars name functions of the module; `@main` exists.
/// Reports each problem (with its location) and returns false if any.
bool verifyModule(const Module &m, DiagEngine &diag);

} // namespace mtc::ir
