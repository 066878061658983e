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

#include "ir/ops/attrs.h"
#include "ir/printer.h"
#include "passes/pass_manager.h"

#include <cstdlib>
#include <set>
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

TEST_CASE("Equivalence: every -O3 pass keeps exotic quantized graphs bit-exact",
          "[passes][equivalence]") {
  // Grouped convolutions, OHWI kernels, int16 operands, run-time zero points, int64
  // accumulators, output layouts other than the data layout: fewer cases by default.
  const uint64_t cases = envNumber("MTC_EQUIV_CASES", 300) / 3;
  const uint64_t first = envNumber("MTC_EQUIV_SEED", 1000) + 500000;
  const std::vector<std::string> pipeline = mtc::passes::optLevelPipeline(3);
  const std::vector<std::string> targets{"host", "aarch64", "aarch64+dotprod", "aarch64+i8mm"};
  std::map<std::string, int> changedBy;
  mt::RandomGraphOptions opts;
  opts.exotic = true;
  int failures = 0;
  std::map<std::string, int> seen; // graphs with each exotic feature
  for (uint64_t seed = first; seed < first + cases && failures < 3; ++seed) {
    mt::RandomCase rc = mt::makeRandomQnnGraph(seed, opts);
    std::set<std::string> has;
    for (ir::Expr e : ir::postOrder(rc.module.main())) {
      if (!ir::isOpCall(e, "qnn.conv2d")) continue;
      const auto *c = ir::dyn<ir::CallNode>(e);
      const auto &a = c->attrsAs<ir::Conv2DAttrs>();
      const ir::Shape &ds = c->args[0]->type.shape();
      const int64_t inC = a.data_layout == "NHWC" ? ds[3] : ds[1];
      if (a.groups > 1 && a.groups != inC) has.insert("groups");
      if (a.kernel_layout == "OHWI") has.insert("OHWI");
      if (!a.out_layout.empty()) has.insert("out_layout");
      if (a.out_dtype == "int64") has.insert("int64");
      if (c->args[0]->type.dtype() == ir::DType::Int16 || c->args[1]->type.dtype() == ir::DType::Int16)
        has.insert("int16");
      if (ir::dyn<ir::VarNode>(c->args[2])) has.insert("zp param");
    }
    for (const std::string &h : has) ++seen[h];
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
  if (cases >= 60)
    for (const char *h : {"groups", "OHWI", "out_layout", "int64", "int16", "zp param"}) {
      INFO(h);
      CHECK(seen[h] > 0);
    }
}

TEST_CASE("Equivalence: every -O3 pass keeps random quantized graphs bit-exact",
          "[passes][equivalence]") {
  const uint64_t cases = envNumber("MTC_EQUIV_CASES", 300);
  const uint64_t first = envNumber("MTC_EQUIV_SEED", 1000);
  const std::vector<std::string> pipeline = mtc::passes::optLevelPipeline(3);
  REQUIRE(!pipeline.empty());
  const std::vector<std::string> targets{"host", "aarch64", "aarch64+dotprod", "aarch64+i8mm"};
  std::map<std::string, int> changedBy, opsSeen;
  int failures = 0;
  for (uint64_t seed = first; seed < first + cases && failures < 3; ++seed) {
    mt::RandomCase rc = mt::makeRandomQnnGraph(seed);
    for (const char *op : {"qnn.add", "qnn.concatenate", "qnn.dense", "qnn.conv2d"})
      opsSeen[op] += mtc::testutil::countOp(rc.module, op) > 0 ? 1 : 0;
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
  for (const auto &[op, n] : opsSeen) counts << "graphs with " << op << ": " << n << "  ";
  INFO("graphs changed per pass: " << counts.str());
  if (std::getenv("MTC_EQUIV_VERBOSE")) WARN(counts.str());
  if (cases >= 100) {
    CHECK(opsSeen["qnn.add"] > 0);
    CHECK(opsSeen["qnn.concatenate"] > 0);
    CHECK(opsSeen["qnn.dense"] > 0);
    CHECK(changedBy["QnnLegalize"] > 0);
    CHECK(changedBy["QnnCanonicalize"] > 0);
    CHECK(changedBy["AlterOpLayout"] > 0);
    CHECK(changedBy["FoldConstant"] > 0);
  }
}
