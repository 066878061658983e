// mtc — shared helpers of the mtc subcommands: loading models, inputs and writing outputs.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"
#include "ir/expr.h"
#include "ir/tensor.h"
#include "passes/pass_manager.h"
#include "passes/target.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace mtc::tool {

/// Source buffers and the diagnostics engine of one mtc invocation.
struct Session {
  SourceManager sources;
  DiagEngine diag{sources};
};

/// Parses MODEL and type-checks it. With `paramsPath`, reads the .npz; the arrays are returned in
/// `*params` (the caller binds them as constants or as inputs).
std::optional<ir::Module> loadModel(Session &s, const std::string &modelPath);

/// Reads a .npz of parameters; names must be parameters of @main (error naming the first that
/// is not).
std::optional<std::map<std::string, ir::Tensor>>
loadParams(Session &s, const ir::Module &m, const std::string &paramsPath);

/// Parses repeated `--input NAME=FILE.npy` values and reads the files. A value without '=' or
/// with an empty name, a name given twice, or an unreadable file is an error naming the flag.
std::optional<std::map<std::string, ir::Tensor>>
loadInputs(Session &s, const std::vector<std::string> &specs);

/// Writes DIR/output_0.npy, DIR/output_1.npy, ... (creating DIR). Each file is written
/// atomically; on failure no output_N.npy of this run is left behind.
bool writeOutputs(Session &s, const std::string &dir, const std::vector<ir::Tensor> &outputs);

/// Writes text to `path` atomically (temporary file in the same folder + rename), or to stdout
/// when `path` is empty or "-".
bool writeTextOutput(Session &s, const std::string &path, const std::string &text);

/// The pass-pipeline flags shared by `opt` and `compile`.
struct PipelineFlags {
  int level = -1; ///< -O; -1 = not given (default 3)
  std::string passes, printBefore, printAfter;
  bool printBeforeAll = false, printAfterAll = false, printPassTimes = false, quiet = false;
};
/// Adds -O, --passes, --print-ir-before/after[-all], --print-pass-times, --quiet to `c`.
void addPipelineFlags(CLI::App &c, PipelineFlags &f);

/// A model after the front end and the pass pipeline.
struct PipelineResult {
  ir::Module module;
  passes::Target target;
  passes::PipelineLog log;
};

/// Parses and type-checks MODEL, parses the target, binds `paramsPath` (if not empty) as
/// constants, and runs the pipeline selected by `flags`, printing dumps and reports to stderr.
std::optional<PipelineResult> runFrontAndPipeline(Session &s, const std::string &model,
                                                  const std::string &paramsPath,
                                                  const std::string &target,
                                                  const PipelineFlags &flags);

/// True if stderr is a terminal (progress output is shown only then).
bool stderrIsTerminal();

/// Subcommands (each file adds its own options and callback to `app`; the callback stores the
/// exit code in `*exitCode`).
void addOptCommand(CLI::App &app, int *exitCode);
void addEvalCommand(CLI::App &app, int *exitCode);
void addCompileCommand(CLI::App &app, int *exitCode);
void addRunCommand(CLI::App &app, int *exitCode);

} // namespace mtc::tool
