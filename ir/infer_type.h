// mtc — type inference over a module.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"
#include "ir/expr.h"

namespace mtc::ir {

/// Fills `type` on every node of every function (post-order, iterative), checking each op call
/// with its type relation and each function against its declared return type. On the first
/// error reports `loc: error: <op>: <message>` and returns false.
bool inferTypes(const Module &m, DiagEngine &diag);

/// Infers the type of one call whose arguments are already typed (used by passes that build
/// nodes). Returns Unknown and reports to `diag` on error.
Type inferCallType(const CallNode *call, DiagEngine &diag);

} // namespace mtc::ir
