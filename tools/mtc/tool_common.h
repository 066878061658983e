// mtc — shared helpers of the mtc subcommands: loading models, inputs and writing outputs.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"
#include "ir/expr.h"
#include "ir/tensor.h"

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

/// True if stderr is a terminal (progress output is shown only then).
bool stderrIsTerminal();

/// Subcommands (each file adds its own options and callback to `app`; the callback stores the
/// exit code in `*exitCode`).
void addOptCommand(CLI::App &app, int *exitCode);
void addEvalCommand(CLI::App &app, int *exitCode);

} // namespace mtc::tool
