// mtc — `mtc run`: run a compiled module on .npy inputs, under qemu-aarch64 when the module is
// for aarch64 and this machine is not.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/runner.h"
#include "tools/mtc/tool_common.h"

#include <CLI/CLI.hpp>

namespace mtc::tool {

namespace {

struct RunCmdOptions {
  std::string module, outputDir = ".", cpu;
  std::vector<std::string> inputs;
  long repeat = 1;
  unsigned timeout = 0;
};

// Checks names, dtypes and shapes here, with the same messages as `mtc eval`, before any
// runner or emulator is involved.
bool checkInputs(Session &s, const codegen::ModuleMeta &meta, const RunCmdOptions &o) {
  auto given = loadInputs(s, o.inputs);
  if (!given) return false;
  for (const auto &[name, t] : *given) {
    const codegen::TensorSig *sig = nullptr;
    for (const auto &in : meta.inputs)
      if (in.name == name) sig = &in;
    if (!sig) {
      std::string names;
      for (const auto &in : meta.inputs) names += (names.empty() ? "" : ", ") + in.name;
      s.diag.error("--input " + name + ": the module has no input of that name (its inputs: " +
                   (names.empty() ? "none" : names) + ")");
      return false;
    }
    if (t.dtype() != sig->dtype || t.shape() != sig->shape) {
      s.diag.error("--input " + name + ": the file holds " + t.type().str() +
                   " but the module expects " + ir::Type::tensor(sig->shape, sig->dtype).str());
      return false;
    }
  }
  for (const auto &in : meta.inputs)
    if (!given->count(in.name)) {
      s.diag.error("missing input '" + in.name + "' (" +
                   ir::Type::tensor(in.shape, in.dtype).str() + "): pass --input " + in.name +
                   "=FILE.npy");
      return false;
    }
  return true;
}

int runRun(const RunCmdOptions &o) {
  Session s;
  if (o.repeat < 1) {
    s.diag.error("--repeat " + std::to_string(o.repeat) + ": must be at least 1");
    return 1;
  }
  auto meta = codegen::readModuleMeta(o.module, s.diag);
  if (!meta) return 1;
  if (!checkInputs(s, *meta, o)) return 1;
  codegen::RunOptions ro;
  ro.inputs = o.inputs;
  ro.outputDir = o.outputDir;
  ro.cpu = o.cpu;
  ro.repeat = o.repeat;
  ro.timeoutSeconds = o.timeout;
  ro.progress = stderrIsTerminal();
  return codegen::runModule(o.module, *meta, ro, s.diag) ? 0 : 1;
}

} // namespace

void addRunCommand(CLI::App &app, int *exitCode) {
  auto o = std::make_shared<RunCmdOptions>();
  CLI::App *c = app.add_subcommand(
      "run", "Run a compiled module on .npy inputs (aarch64 modules run under qemu-aarch64)");
  c->add_option("module", o->module, "module built by mtc compile (.so)")->required();
  c->add_option("--input", o->inputs, "NAME=FILE.npy for each input of the module");
  c->add_option("--output-dir", o->outputDir, "folder for output_N.npy (default: .)");
  c->add_option("--cpu", o->cpu,
                "qemu cpu for aarch64 modules (default: the module's target's: cortex-a53, "
                "cortex-a76 or max)");
  c->add_option("--repeat", o->repeat, "run N times and report the time (default: 1)");
  c->add_option("--timeout", o->timeout, "give up after this many seconds (default: none)");
  c->callback([o, exitCode] { *exitCode = runRun(*o); });
}

} // namespace mtc::tool
