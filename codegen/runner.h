// mtc — running compiled modules: the runner program (runtime/mtc_runner.c, embedded in mtc)
// is compiled on demand for the module's architecture, cached, and started directly or under
// qemu-aarch64.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/module_meta.h"
#include "ir/diagnostics.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtc::codegen {

/// The text of runtime/mtc_runtime.h as built into this binary.
std::string_view runtimeHeaderText();
/// The text of runtime/mtc_runner.c as built into this binary.
std::string_view runnerSourceText();

/// Where built runners are cached: $MTC_CACHE_DIR, else $XDG_CACHE_HOME/mtc, else
/// $HOME/.cache/mtc, else <tmp>/mtc-cache-<uid>.
std::string runnerCacheDir();

/// The runner for `arch` ("aarch64" with aarch64-linux-gnu-gcc, or the host's own machine with
/// cc), built into the cache on first use (atomically; concurrent builds are safe). A missing
/// compiler is an error naming the Debian package to install; returns nullopt then.
std::optional<std::string> ensureRunner(const std::string &arch, DiagEngine &diag,
                                        bool progress = false);

/// The ELF machine name of the machine mtc runs on ("x86_64" or "aarch64").
std::string hostMachine();

/// How to run a module.
struct RunOptions {
  std::vector<std::string> inputs; ///< NAME=FILE.npy
  std::string outputDir = ".";
  std::string cpu;                 ///< qemu -cpu; empty: the module's own (meta.qemuCpu)
  long repeat = 1;
  unsigned timeoutSeconds = 0;
  bool progress = false; ///< say on stderr what is happening (for terminals)
};

/// Runs `modulePath` (whose description is `meta`) with the runner: directly when the module is
/// for this machine, under qemu-aarch64 for an aarch64 module on another machine. The runner's
/// messages are forwarded (stdout on success, stderr on failure). Returns false after reporting
/// (missing qemu or cross compiler names the package; a crash names the signal and the cpu).
bool runModule(const std::string &modulePath, const ModuleMeta &meta, const RunOptions &opts,
               DiagEngine &diag);

} // namespace mtc::codegen
