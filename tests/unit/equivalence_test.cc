// mtc — numeric equivalence of every pass: random quantized graphs (random_graphs.h) are run
// through the -O3 pipeline one pass at a time for each target, and after every pass the
// reference evaluator must give bit-identical outputs on the same random inputs.
//
// The default run covers a few hundred graphs; `MTC_EQUIV_CASES=N` runs N, and
// `MTC_EQUIV_SEED=S` starts at another seed (each case's seed is printed on failure, so one
// failing graph can be replayed with MTC_EQUIV_CASES=1 MTC_EQUIV_SEED=<seed>).
// SPDX-License-Identifier: Apache-2.0
#include "pass_test_util.h"
#include "random_graphs.h"

#include "ir/printer.h"
#include "passes/pass_manager.h"

#include <cstdlib>
#include <sstream>

namespace ir = mtc::ir;
namespace mt = mtc::testing;

namespace {

uint64_t envNumber(const char *name, uint64_t dflt) {
  const char *v = std::getenv(name);
  if (!v || !*v) return dflt;
  char *end = nullptr;
  unsigned long long n = std::strtoull(v, &end, 10);
  return end && *end == 0 ? n : dflt;
}

// Runs `pipeline` pass by pass on `rc` for `targetStr`; returns "" or a failure report.
std::string checkCase(const mt::RandomCase &rc, const std::vector<std::string> &pipeline,
                      const std::string &targetStr, const std::vector<ir::Tensor> &reference,
                      std::map<std::string, int> &changedBy) {
  mtc::testutil::PassFixture f;
  const mtc::passes::Target target = mtc::testutil::PassFixture::target(targetStr);
  ir::Module cur = rc.module;
  for (const std::string &pass : pipeline) {
    mtc::passes::PassOptions opts;
    opts.pipeline = {pass};
    opts.verifyEach = true;
    opts.dump = &f.dumps;
    std::optional<ir::Module> next = mtc::passes::runPipeline(cur, opts, target, f.diag);
    std::ostringstream os;
    os << "seed " << rc.seed << ", target " << targetStr << ", pass " << pass << "\n"
       << rc.summary << "\n--- before " << pass << ":\n"
       << ir::printModule(cur);
    if (!next) return os.str() + "--- the pass failed: " + f.errors;
    std::string err;
    auto out = mt::evalOutputs(*next, rc.inputs, &err);
    if (!out) return os.str() + "--- evaluation after the pass failed: " + err;
    const std::string diff = mt::firstDifference(reference, *out);
    if (!diff.empty())
      return os.str() + "--- after " + pass + ":\n" + ir::printModule(*next) + "--- " + diff;
    std::string why;
    if (!ir::structurallyEqual(cur, *next, &why)) ++changedBy[pass];
    cur = *next;
  }
  return "";
}

} // namespace

TEST_CASE("Equivalence: every -O3 pass keeps random quantized graphs bit-exact",
          "[passes][equivalence]") {
  const uint64_t cases = envNumber("MTC_EQUIV_CASES", 300);
  const uint64_t first = envNumber("MTC_EQUIV_SEED", 1000);
  const std::vector<std::string> pipeline = mtc::passes::optLevelPipeline(3);
  REQUIRE(!pipeline.empty());
  const std::vector<std::string> targets{"host", "aarch64", "aarch64+dotprod", "aarch64+i8mm"};
  std::map<std::string, int> changedBy;
  int failures = 0;
  for (uint64_t seed = first; seed < first + cases && failures < 3; ++seed) {
    mt::RandomCase rc = mt::makeRandomQnnGraph(seed);
    std::string err;
    auto reference = mt::evalOutputs(rc.module, rc.inputs, &err);
    INFO("seed " << seed << ": " << rc.summary << "\n" << err);
    REQUIRE(reference);
    for (const std::string &t : targets) {
      std::string failure = checkCase(rc, pipeline, t, *reference, changedBy);
      if (failure.empty()) continue;
      ++failures;
      FAIL_CHECK(failure);
      break;
    }
  }
  // The graphs must actually exercise the passes that rewrite quantized convolutions.
  std::ostringstream counts;
  for (const auto &[p, n] : changedBy) counts << p << ": " << n << "  ";
  INFO("graphs changed per pass: " << counts.str());
  if (cases >= 100) {
    CHECK(changedBy["QnnLegalize"] > 0);
    CHECK(changedBy["QnnCanonicalize"] > 0);
    CHECK(changedBy["AlterOpLayout"] > 0);
    CHECK(changedBy["FoldConstant"] > 0);
  }
}
