// mtc — `mtc opt`: run a pass pipeline and print the module.
// SPDX-License-Identifier: Apache-2.0
#include "ir/printer.h"
#include "tools/mtc/tool_common.h"

#include <CLI/CLI.hpp>

namespace mtc::tool {

namespace {

struct OptOptions {
  std::string model, params, target = "host", output;
  bool noTypes = false;
  PipelineFlags pipeline;
};

int runOpt(const OptOptions &o) {
  Session s;
  auto r = runFrontAndPipeline(s, o.model, o.params, o.target, o.pipeline);
  if (!r) return 1;
  ir::PrintOptions po;
  po.showTypes = !o.noTypes;
  return writeTextOutput(s, o.output, ir::printModule(r->module, po)) ? 0 : 1;
}

} // namespace

void addOptCommand(CLI::App &app, int *exitCode) {
  auto o = std::make_shared<OptOptions>();
  CLI::App *c = app.add_subcommand("opt", "Run a pass pipeline and print the resulting module");
  c->add_option("model", o->model, "model in the IR text format (.relay)")->required();
  c->add_option("--params", o->params, "bind @main parameters as constants from a .npz");
  c->add_option("--target", o->target, "target string or alias (default: host)");
  c->add_option("-o", o->output, "write the module here instead of stdout");
  c->add_flag("--no-types", o->noTypes, "omit the /* ty=... */ annotations");
  addPipelineFlags(*c, o->pipeline);
  c->callback([o, exitCode] { *exitCode = runOpt(*o); });
}

} // namespace mtc::tool
