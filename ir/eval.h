// mtc — the reference evaluator: exact semantics of every op (docs/ops.md).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"
#include "ir/expr.h"
#include "ir/op.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mtc::ir {

/// Runs `@main` (or the named function) of a type-checked module on `inputs`, given by
/// parameter name. Missing, unknown or mismatched (shape/dtype) inputs are reported by name and
/// give nullopt. Iterative over the graph; integer ops in integer arithmetic. If some function
/// of the module has no inferred type yet, runs inferTypes first (type errors are reported and
/// give nullopt). Intermediate values are released after their last use. Calls of functions
/// evaluate the callee with its parameters bound to the argument values.
///
/// Messages: "missing input 'data' for @main", "no parameter named 'foo' in @main",
/// "input 'data' has shape (1, 3) but @main expects (1, 56, 56, 64)" (dtype likewise).
std::optional<Value> evaluate(const Module &m, const std::map<std::string, Tensor> &inputs,
                              DiagEngine &diag, const std::string &fn = "main");

/// Evaluates one op call on argument values (used by FoldConstant). The call must be typed and
/// its op must have an evaluation function (MTC_CHECK).
Value evalCall(const CallNode *call, const std::vector<Value> &args);

/// Output values of a run as a flat list (a tuple result gives one tensor per field).
std::vector<Tensor> flattenOutputs(const Value &v);

} // namespace mtc::ir
