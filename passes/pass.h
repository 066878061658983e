// mtc — passes: named module-to-module functions, run by the pass manager (pass_manager.h).
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"
#include "ir/expr.h"
#include "passes/target.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mtc::passes {

/// What a pass sees besides the module.
struct PassContext {
  const Target &target;
  DiagEngine &diag;
  /// One-line reports of what passes changed, e.g. "AlterOpLayout: 3 conv2d rewritten".
  std::vector<std::string> reports;
  void report(std::string line) { reports.push_back(std::move(line)); }
};

/// A pass returns the new module, or nullopt after reporting an error (naming the pass and the
/// node) to ctx.diag. Passes never modify their input: they build new nodes (ir::Rewriter).
using PassFn = std::function<std::optional<ir::Module>(const ir::Module &, PassContext &)>;

struct PassInfo {
  std::string name;    ///< "AlterOpLayout"
  PassFn run;
  std::string summary; ///< one line for --help and docs/passes.md
};

/// Every pass, in passes.def order. Each pass is one free function in its own file.
const std::vector<PassInfo> &allPasses();
const PassInfo *findPass(std::string_view name);

} // namespace mtc::passes
