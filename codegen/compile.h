// mtc — the ahead-of-time driver behind `mtc compile`: an optimized module and a target in,
// a shared library, object, assembly, LLVM IR or optimized IR text (plus an optional C header)
// out, written atomically, with a short summary of what was built.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/lower.h"
#include "ir/diagnostics.h"
#include "ir/expr.h"
#include "passes/target.h"

#include <optional>
#include <string>

namespace mtc::codegen {

/// What `--emit` selects.
enum class EmitFormat { SharedLib, Object, Assembly, LlvmIr, Relay };

/// Parses `so`, `obj`, `asm`, `llvm` or `relay`.
std::optional<EmitFormat> parseEmitFormat(const std::string &s);

/// Options of compileToFile.
struct CompileOptions {
  std::string output;       ///< -o (required)
  EmitFormat emit = EmitFormat::SharedLib;
  std::string header;       ///< --header path, or empty
  std::string name;         ///< entry-point <name>; empty: derived from the output file name
  bool optimize = true;     ///< run LLVM's O3 pipeline (tests may turn it off)
};

/// What was built (for the summary).
struct CompileResult {
  ModuleMeta meta;
  std::vector<KernelSummary> kernels;
  MemoryPlan plan;
  int numOps = 0;
  double lowerSeconds = 0, llvmSeconds = 0;
  std::string what; ///< e.g. "aarch64 ELF shared library"
};

/// The default <name> for an output path: its file name up to the first '.', with characters
/// other than letters, digits and '_' replaced by '_' (and a leading '_' before a digit);
/// "model" when nothing usable remains.
std::string defaultModuleName(const std::string &outputPath);

/// Lowers `optimized` for `target` and writes the requested output (and header). Every file
/// appears atomically and only on success: on any error nothing is left behind, including a
/// header whose module could not be written. Reports errors to `diag`; returns nullopt then.
std::optional<CompileResult> compileToFile(const ir::Module &optimized,
                                           const passes::Target &target,
                                           const CompileOptions &opts, DiagEngine &diag);

/// The summary printed by `mtc compile`: output, ops and kernels, the implementation of each
/// convolution and its fused epilogue, workspace and constant bytes, compile time.
/// `passSeconds` is the time of the pass pipeline (measured by the caller).
std::string formatSummary(const CompileResult &r, const CompileOptions &opts,
                          const SourceManager &sources, double passSeconds);

} // namespace mtc::codegen
