// mtc — shared helpers of the mtc subcommands.
// SPDX-License-Identifier: Apache-2.0
#include "tools/mtc/tool_common.h"

#include "ir/infer_type.h"
#include "ir/npy.h"
#include "ir/parser.h"
#include "ir/verifier.h"
#include "passes/bind_params.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace mtc::tool {

namespace fs = std::filesystem;

std::optional<ir::Module> loadModel(Session &s, const std::string &modelPath) {
  std::optional<ir::Module> m = ir::parseModuleFile(modelPath, s.diag);
  if (!m) return std::nullopt;
  if (!ir::verifyModule(*m, s.diag)) return std::nullopt;
  if (!ir::inferTypes(*m, s.diag)) return std::nullopt;
  return m;
}

std::optional<std::map<std::string, ir::Tensor>>
loadParams(Session &s, const ir::Module &m, const std::string &paramsPath) {
  auto arrays = ir::readNpz(paramsPath, s.diag);
  if (!arrays) return std::nullopt;
  const ir::FunctionNode *main = m.main();
  for (const auto &[name, t] : *arrays) {
    bool found = false;
    for (const ir::VarNode *p : main->params) found |= p->name == name;
    if (!found) {
      s.diag.error(paramsPath + ": array '" + name + "' does not name a parameter of @main");
      return std::nullopt;
    }
  }
  return arrays;
}

std::optional<std::map<std::string, ir::Tensor>>
loadInputs(Session &s, const std::vector<std::string> &specs) {
  std::map<std::string, ir::Tensor> out;
  for (const std::string &spec : specs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      s.diag.error("--input '" + spec + "': expected NAME=FILE.npy");
      return std::nullopt;
    }
    std::string name = spec.substr(0, eq), file = spec.substr(eq + 1);
    if (out.count(name)) {
      s.diag.error("--input: input '" + name + "' given twice");
      return std::nullopt;
    }
    auto t = ir::readNpy(file, s.diag);
    if (!t) {
      s.diag.error("--input " + name + ": could not read '" + file + "'");
      return std::nullopt;
    }
    out.emplace(name, std::move(*t));
  }
  return out;
}

bool writeOutputs(Session &s, const std::string &dir, const std::vector<ir::Tensor> &outputs) {
  std::error_code ec;
  if (!dir.empty()) {
    fs::create_directories(dir, ec);
    if (ec) {
      s.diag.error("--output-dir '" + dir + "': " + ec.message());
      return false;
    }
  }
  std::vector<std::string> written;
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string path = (dir.empty() ? std::string(".") : dir) + "/output_" + std::to_string(i) + ".npy";
    if (!ir::writeNpy(path, outputs[i], s.diag)) {
      // Leave nothing of this run behind: a partial set of outputs is as misleading as a
      // half-written file.
      for (const std::string &w : written) fs::remove(w, ec);
      return false;
    }
    written.push_back(path);
  }
  return true;
}

bool writeTextOutput(Session &s, const std::string &path, const std::string &text) {
  if (path.empty() || path == "-") {
    std::cout << text << std::flush;
    return true;
  }
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) {
      s.diag.error("-o '" + path + "': cannot write: " + std::strerror(errno));
      return false;
    }
    f << text;
    f.flush();
    if (!f) {
      f.close();
      std::remove(tmp.c_str());
      s.diag.error("-o '" + path + "': write failed");
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    s.diag.error("-o '" + path + "': cannot rename into place: " + std::strerror(errno));
    return false;
  }
  return true;
}

void addPipelineFlags(CLI::App &c, PipelineFlags &f) {
  c.add_option("-O", f.level, "optimization level 0..3 (default 3)")->check(CLI::Range(0, 3));
  c.add_option("--passes", f.passes, "explicit comma-separated pass list instead of -O");
  c.add_option("--print-ir-before", f.printBefore, "print the module before these passes (A,B)");
  c.add_option("--print-ir-after", f.printAfter, "print the module after these passes (A,B)");
  c.add_flag("--print-ir-before-all", f.printBeforeAll, "print the module before every pass");
  c.add_flag("--print-ir-after-all", f.printAfterAll, "print the module after every pass");
  c.add_flag("--print-pass-times", f.printPassTimes, "print a table of pass times and reports");
  c.add_flag("-q,--quiet", f.quiet, "do not print what each pass changed");
}

std::optional<PipelineResult> runFrontAndPipeline(Session &s, const std::string &model,
                                                  const std::string &paramsPath,
                                                  const std::string &targetStr,
                                                  const PipelineFlags &flags) {
  std::string err;
  std::optional<passes::Target> target = passes::Target::parse(targetStr, &err);
  if (!target) {
    s.diag.error("--target '" + targetStr + "': " + err);
    return std::nullopt;
  }
  if (flags.level >= 0 && !flags.passes.empty()) {
    s.diag.error("-O" + std::to_string(flags.level) + " and --passes cannot be combined");
    return std::nullopt;
  }
  passes::PassOptions po;
  std::optional<std::vector<std::string>> pipeline = passes::parsePipelineSpec(
      flags.passes.empty() ? "-O" + std::to_string(flags.level < 0 ? 3 : flags.level)
                           : flags.passes,
      s.diag);
  if (!pipeline) return std::nullopt;
  po.pipeline = std::move(*pipeline);
  if (!flags.printBefore.empty()) {
    auto set = passes::parsePassNameSet(flags.printBefore, s.diag, "--print-ir-before");
    if (!set) return std::nullopt;
    po.printBefore = std::move(*set);
  }
  if (!flags.printAfter.empty()) {
    auto set = passes::parsePassNameSet(flags.printAfter, s.diag, "--print-ir-after");
    if (!set) return std::nullopt;
    po.printAfter = std::move(*set);
  }
  po.printBeforeAll = flags.printBeforeAll;
  po.printAfterAll = flags.printAfterAll;
  po.printPassTimes = flags.printPassTimes;
  po.printReports = !flags.quiet;

  std::optional<ir::Module> m = loadModel(s, model);
  if (!m) return std::nullopt;
  if (!paramsPath.empty()) {
    auto params = ir::readNpz(paramsPath, s.diag);
    if (!params) return std::nullopt;
    m = passes::bindParams(*m, *params, s.diag);
    if (!m) {
      s.diag.error("--params '" + paramsPath + "' does not fit " + model);
      return std::nullopt;
    }
  }
  PipelineResult r{ir::Module(), *target, {}};
  std::optional<ir::Module> out = passes::runPipeline(*m, po, *target, s.diag, &r.log);
  if (!out) return std::nullopt;
  r.module = std::move(*out);
  return r;
}

bool stderrIsTerminal() { return ::isatty(2) != 0; }

} // namespace mtc::tool
