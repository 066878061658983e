// mtc — parser of the Relay-like text format (docs/ir-text.md).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"
#include "ir/expr.h"

#include <optional>
#include <string>
#include <string_view>

namespace mtc::ir {

/// Parses a whole module (functions + optional metadata section). `bufferName` is used in
/// diagnostics (`bufferName:line:col: error: ...`). Returns nullopt after reporting at least one
/// error to `diag`. Never crashes, hangs or recurses without bound on any input: nesting deeper
/// than a fixed limit is an error. Types are not inferred here.
std::optional<Module> parseModule(std::string_view text, const std::string &bufferName,
                                  DiagEngine &diag);

/// Reads and parses a file; a missing or unreadable file is an error naming it.
std::optional<Module> parseModuleFile(const std::string &path, DiagEngine &diag);

} // namespace mtc::ir
