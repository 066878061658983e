// mtc — running external tools (linkers, qemu) and finding them on PATH.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

namespace mtc::codegen {

/// The outcome of one run of an external program.
struct ProgramResult {
  bool started = false;  ///< false: the program could not be executed at all
  bool signaled = false; ///< killed by a signal (crash, SIGILL, timeout)
  bool timedOut = false; ///< killed because it exceeded the time limit
  int exitCode = -1;     ///< valid when started && !signaled
  std::string output;    ///< stdout and stderr, interleaved as written
  std::string error;     ///< why it did not start or how it died (e.g. "Illegal instruction")
  /// True if it ran to completion with exit code 0.
  bool ok() const { return started && !signaled && exitCode == 0; }
};

/// Runs `program` (an absolute path) with `args` (not including argv[0]), waits at most
/// `timeoutSeconds` (0 = no limit) and captures its output. Never throws.
ProgramResult runProgram(const std::string &program, const std::vector<std::string> &args,
                         unsigned timeoutSeconds = 0);

/// The absolute path of the first of `names` found on PATH; empty if none is.
std::string findTool(const std::vector<std::string> &names);

/// Renders a command line for messages: program and arguments separated by spaces.
std::string commandLine(const std::string &program, const std::vector<std::string> &args);

} // namespace mtc::codegen
