// mtc — `mtc eval`: run a model in the reference evaluator.
// SPDX-License-Identifier: Apache-2.0
#include "ir/eval.h"
#include "tools/mtc/tool_common.h"

#include <CLI/CLI.hpp>
#include <cstdio>

namespace mtc::tool {

namespace {

struct EvalOptions {
  std::string model, params, outputDir = ".";
  std::vector<std::string> inputs;
};

int runEval(const EvalOptions &o) {
  Session s;
  auto m = loadModel(s, o.model);
  if (!m) return 1;
  std::map<std::string, ir::Tensor> feed;
  if (!o.params.empty()) {
    auto p = loadParams(s, *m, o.params);
    if (!p) return 1;
    feed = std::move(*p);
  }
  auto in = loadInputs(s, o.inputs);
  if (!in) return 1;
  for (auto &[name, t] : *in) {
    if (feed.count(name)) {
      s.diag.error("--input " + name + ": also given by --params '" + o.params + "'");
      return 1;
    }
    feed.emplace(name, std::move(t));
  }
  auto result = ir::evaluate(*m, feed, s.diag);
  if (!result) return 1;
  std::vector<ir::Tensor> outs = ir::flattenOutputs(*result);
  if (!writeOutputs(s, o.outputDir, outs)) return 1;
  for (size_t i = 0; i < outs.size(); ++i)
    std::printf("%s/output_%zu.npy: %s\n", o.outputDir.c_str(), i, outs[i].type().str().c_str());
  return 0;
}

} // namespace

void addEvalCommand(CLI::App &app, int *exitCode) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App *c = app.add_subcommand("eval", "Run a model in the reference evaluator (exact semantics)");
  c->add_option("model", o->model, "model in the IR text format (.relay)")->required();
  c->add_option("--params", o->params, "bind @main parameters by name from a .npz");
  c->add_option("--input", o->inputs, "NAME=FILE.npy for each remaining parameter");
  c->add_option("--output-dir", o->outputDir, "folder for output_N.npy (default: .)");
  c->callback([o, exitCode] { *exitCode = runEval(*o); });
}

} // namespace mtc::tool
