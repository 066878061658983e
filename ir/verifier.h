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
///
/// Nested `fn` literals are closed: their bodies may use only their own parameters, never those
/// of the function around them (FuseOps passes every value a fused function needs as an
/// argument). A call's callee must be a function literal or a GlobalVar; calling a parameter is
/// rejected because no type can describe a function-valued parameter.
bool verifyModule(const Module &m, DiagEngine &diag);

/// Checks that an op call has an accepted number of arguments and attributes of the op's struct
/// type. Returns "" when it does, else the message (e.g. "qnn.conv2d expects 6 arguments (data,
/// weight, ...), got 5"). Shared by the verifier and type inference.
std::string checkOpCall(const CallNode *call);

} // namespace mtc::ir
