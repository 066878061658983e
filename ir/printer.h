// mtc — printer of the Relay-like text format. print(parse(x)) is a fixed point.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/expr.h"

#include <string>

namespace mtc::ir {

struct PrintOptions {
  /// Add `/* ty=... */` after each binding whose type is known (ignored by the parser).
  bool showTypes = true;
  /// Emit the `#[version = "0.0.5"]` header line.
  bool versionHeader = true;
};

/// The whole module: functions, then the metadata section holding non-scalar constants.
std::string printModule(const Module &m, const PrintOptions &opts = {});
/// One expression (with its bindings) as the body of a function would print; for messages.
std::string printExpr(Expr e, const PrintOptions &opts = {});

} // namespace mtc::ir
