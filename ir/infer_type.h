// mtc — type inference over a module.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"
#include "ir/expr.h"

namespace mtc::ir {

/// Fills `type` on every node of every function (post-order, iterative), checking each op call
/// with its type relation and each function against its declared return type. On the first
/// error reports `loc: error: <op>: <message>` and returns false.
///
/// Functions are not first-class values: fn literals and GlobalVars may only be callees, and
/// their own `type` stays Unknown; a call of a function has the type of the function's body.
/// Callees are inferred before callers; recursion (a cycle of @-calls) is an error.
bool inferTypes(const Module &m, DiagEngine &diag);

/// Infers the type of one call whose arguments are already typed (used by passes that build
/// nodes). Returns Unknown and reports to `diag` on error; on success also stores the type in
/// `call->type`. Handles op calls and calls of typed fn literals (not of @functions, which need
/// the module).
Type inferCallType(const CallNode *call, DiagEngine &diag);

} // namespace mtc::ir
