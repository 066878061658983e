// mtc — `mtc compile`: the -O3 pipeline, lowering and LLVM code generation into a shared
// library (or object, assembly, LLVM IR, optimized IR) plus an optional C header.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/compile.h"
#include "tools/mtc/tool_common.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>

namespace mtc::tool {

namespace {

struct CompileCmdOptions {
  std::string model, params, target, output, emit = "so", header, name;
  PipelineFlags pipeline;
};

int runCompile(const CompileCmdOptions &o) {
  Session s;
  auto emit = codegen::parseEmitFormat(o.emit);
  if (!emit) {
    s.diag.error("--emit '" + o.emit + "': expected so, obj, asm, llvm or relay");
    return 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto r = runFrontAndPipeline(s, o.model, o.params, o.target, o.pipeline);
  if (!r) return 1;
  const double passSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  codegen::CompileOptions co;
  co.output = o.output;
  co.emit = *emit;
  co.header = o.header;
  co.name = o.name;
  if (stderrIsTerminal())
    std::fprintf(stderr, "mtc compile: generating code for %s\n", r->target.str().c_str());
  auto result = codegen::compileToFile(r->module, r->target, co, s.diag);
  if (!result) return 1;
  std::fputs(codegen::formatSummary(*result, co, s.sources, passSeconds).c_str(), stdout);
  return 0;
}

} // namespace

void addCompileCommand(CLI::App &app, int *exitCode) {
  auto o = std::make_shared<CompileCmdOptions>();
  CLI::App *c = app.add_subcommand(
      "compile", "Compile a model ahead of time into a shared library with a C entry point");
  c->add_option("model", o->model, "model in the IR text format (.relay)")->required();
  c->add_option("--params", o->params, "bind @main parameters as constants from a .npz");
  c->add_option("--target", o->target, "target string or alias (host, aarch64, aarch64+dotprod, "
                                       "aarch64+i8mm, llvm -mtriple=... -mcpu=... -mattr=...)")
      ->required();
  c->add_option("-o", o->output, "output file")->required();
  c->add_option("--emit", o->emit, "so (default), obj, asm, llvm or relay");
  c->add_option("--header", o->header, "also write the C header of the entry point here");
  c->add_option("--name", o->name,
                "entry point name: mtc_<name>_run (default: from the output file name)");
  addPipelineFlags(*c, o->pipeline);
  c->callback([o, exitCode] { *exitCode = runCompile(*o); });
}

} // namespace mtc::tool
