// mtc — shared helpers of the pass unit tests: parse a module, run passes, compare modules.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"
#include "ir/equality.h"
#include "ir/infer_type.h"
#include "ir/parser.h"
#include "ir/printer.h"
#include "passes/pass_manager.h"
#include "passes/target.h"

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace mtc::testutil {

/// A source manager and a diagnostics engine whose messages are captured in `errors`.
struct PassFixture {
  SourceManager sm;
  DiagEngine diag{sm};
  std::string errors;
  std::ostringstream dumps;
  PassFixture() { diag.captureTo(&errors); }

  /// Parses `text` (REQUIREs success) and types it.
  ir::Module parse(const std::string &text, const char *name = "test.relay") {
    std::optional<ir::Module> m = ir::parseModule(text, name, diag);
    INFO(errors);
    REQUIRE(m);
    REQUIRE(ir::inferTypes(*m, diag));
    return *m;
  }

  static passes::Target target(const std::string &s) {
    std::string err;
    std::optional<passes::Target> t = passes::Target::parse(s, &err);
    INFO(err);
    REQUIRE(t);
    return *t;
  }

  /// Runs `pipeline` with verification after each pass; dumps go to `dumps`.
  std::optional<ir::Module> run(const ir::Module &m, std::vector<std::string> pipeline,
                                const std::string &targetStr = "aarch64",
                                passes::PipelineLog *log = nullptr,
                                passes::PassOptions opts = {}) {
    opts.pipeline = std::move(pipeline);
    opts.verifyEach = true;
    opts.dump = &dumps;
    return passes::runPipeline(m, opts, target(targetStr), diag, log);
  }

  /// Runs and REQUIREs success.
  ir::Module runOk(const ir::Module &m, std::vector<std::string> pipeline,
                   const std::string &targetStr = "aarch64", passes::PipelineLog *log = nullptr) {
    std::optional<ir::Module> out = run(m, std::move(pipeline), targetStr, log);
    INFO(errors);
    REQUIRE(out);
    return *out;
  }

  /// CHECKs `m` is structurally equal to the module parsed from `expected`.
  void checkEqual(const ir::Module &m, const std::string &expected) {
    ir::Module want = parse(expected, "expected.relay");
    std::string why;
    bool eq = ir::structurallyEqual(m, want, &why);
    INFO("difference: " << why << "\n--- got:\n" << ir::printModule(m) << "--- expected:\n"
                        << ir::printModule(want));
    CHECK(eq);
  }
};

/// Number of calls of op `name` anywhere in the module (including fused function bodies).
inline int countOp(const ir::Module &m, const std::string &name) {
  int n = 0;
  for (const auto &[fname, fn] : m.functions())
    for (ir::Expr e : ir::postOrder(fn)) n += ir::isOpCall(e, name) ? 1 : 0;
  return n;
}

} // namespace mtc::testutil
