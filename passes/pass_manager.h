// mtc — the pass manager: pipelines (-O0..-O3 or explicit lists), order checks, IR dumps,
// re-typing and verification after each pass, reports and timings.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"
#include "ir/expr.h"
#include "passes/target.h"

#include <iosfwd>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mtc::passes {

/// How runPipeline runs and what it prints.
struct PassOptions {
  /// Pass names in order (see parsePipelineSpec).
  std::vector<std::string> pipeline;
  /// Print the module before / after each pass named here (`--print-ir-before=A,B`).
  std::set<std::string> printBefore, printAfter;
  bool printBeforeAll = false;
  bool printAfterAll = false; ///< `--print-ir-after-all`
  /// Print the timing table (with each pass's reports) after the pipeline.
  bool printPassTimes = false;
  /// Run ir::verifyModule after every pass (cheap; on by default, tests rely on it).
  bool verifyEach = true;
  /// Print each pass's one-line reports to `dump` as they happen.
  bool printReports = false;
  /// Where dumps, reports and timings go; nullptr means stderr.
  std::ostream *dump = nullptr;
};

/// What happened in one pass run.
struct PassRecord {
  std::string name;
  double seconds = 0;      ///< the pass itself
  double retypeSeconds = 0; ///< re-inference (and verification) after it
  std::vector<std::string> reports;
};

/// The record of a whole pipeline run, in pass order.
struct PipelineLog {
  std::vector<PassRecord> passes;
  /// Every report of every pass, in order.
  std::vector<std::string> allReports() const;
};

/// The named pipelines. `level` 0..3; anything else gives an empty list.
///   -O0: InferType
///   -O1: + QnnLegalize, QnnCanonicalize, Legalize, DeadCodeElimination (lowering only)
///   -O2: + FoldConstant, SimplifyExpr, AlterOpLayout, FoldConstant (no fusion)
///   -O3: + FuseOps (the pipeline `mtc compile` uses; the default)
std::vector<std::string> optLevelPipeline(int level);

/// Parses `-O0`..`-O3` (also `O2`) or a comma-separated list of pass names (`A,B,C`; blanks
/// around names are ignored). Unknown names and empty entries are reported with the list of
/// valid names. The order is checked with checkPipelineOrder.
std::optional<std::vector<std::string>> parsePipelineSpec(std::string_view spec,
                                                          DiagEngine &diag);

/// Parses a `--print-ir-before=`/`--print-ir-after=` list: known pass names, or `all`.
std::optional<std::set<std::string>> parsePassNameSet(std::string_view list, DiagEngine &diag,
                                                      const char *flag);

/// Checks the static order rules of docs/passes.md ("Pipeline order"): after FuseOps only
/// InferType and DeadCodeElimination may run; QnnLegalize may not follow QnnCanonicalize.
/// Reports the first violation naming both passes.
bool checkPipelineOrder(const std::vector<std::string> &pipeline, DiagEngine &diag);

/// Runs the pipeline on `m` for `target`. Types the input first; after every pass re-infers
/// types (so dumps carry them), optionally verifies, dumps as requested and records reports
/// and timings in `log` (if given). Returns nullopt after an error was reported: an unknown
/// pass, an impossible order, a pass precondition (e.g. AlterOpLayout with qnn.conv2d still
/// present), or a pass's own error.
std::optional<ir::Module> runPipeline(const ir::Module &m, const PassOptions &opts,
                                      const Target &target, DiagEngine &diag,
                                      PipelineLog *log = nullptr);

/// The `--print-pass-times` table: one row per pass run with milliseconds, share of the total,
/// and the pass's reports.
std::string formatPassTimes(const PipelineLog &log);

/// "InferType, QnnLegalize, ..." — every registered pass name, for messages and --help.
std::string validPassNames();

} // namespace mtc::passes
