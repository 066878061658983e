// mtc — command-line driver: opt, eval, compile, run (docs/cli.md).
// SPDX-License-Identifier: Apache-2.0
#include "tools/mtc/tool_common.h"

#include <CLI/CLI.hpp>
#include <cstdio>

int main(int argc, char **argv) {
  CLI::App app{"mtc — a mini tensor compiler for quantized models on Arm"};
  app.require_subcommand(1);
  int exitCode = 0;
  mtc::tool::addOptCommand(app, &exitCode);
  mtc::tool::addEvalCommand(app, &exitCode);
  mtc::tool::addCompileCommand(app, &exitCode);
  mtc::tool::addRunCommand(app, &exitCode);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    // CLI11's messages name the flag; print them in mtc's `error:` form.
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return exitCode;
}
