// mtc — random quantized graphs (tests/unit/random_graphs.h) compiled for the host at -O1 and
// -O3 and compared with the evaluator bit for bit. The default run covers a few dozen seeds;
// `mtc_unit_tests "[codegen-fuzz]"` runs many more.
// SPDX-License-Identifier: Apache-2.0
#include "codegen_test_util.h"
#include "random_graphs.h"

using namespace mtc;
using namespace mtc::codegen::testing;

namespace {

void checkSeed(uint64_t seed, bool exotic) {
  mtc::testing::RandomGraphOptions opts;
  opts.exotic = exotic;
  mtc::testing::RandomCase c = mtc::testing::makeRandomQnnGraph(seed, opts);
  INFO("seed " << seed << (exotic ? " (exotic)" : "") << ": " << c.summary);
  std::string err;
  auto want = mtc::testing::evalOutputs(c.module, c.inputs, &err);
  INFO(err);
  REQUIRE(want);
  for (const char *level : {"-O1", "-O3"}) {
    INFO(level);
    TestDiag d;
    auto opt = optimize(c.module, level, {}, d);
    INFO(d.text);
    REQUIRE(opt);
    auto hm = jitModule(*opt, d);
    INFO(d.text);
    REQUIRE(hm);
    std::vector<ir::Tensor> inputs;
    for (const codegen::TensorSig &s : hm->meta.inputs) inputs.push_back(c.inputs.at(s.name));
    std::vector<ir::Tensor> got = runHost(*hm, inputs);
    REQUIRE(mtc::testing::firstDifference(got, *want) == "");
  }
}

} // namespace

TEST_CASE("random quantized graphs compile exactly for the host", "[codegen][random]") {
  for (uint64_t seed = 1; seed <= 12; ++seed) checkSeed(seed, seed % 3 == 0);
}

TEST_CASE("many random quantized graphs compile exactly for the host", "[.][codegen-fuzz]") {
  for (uint64_t seed = 1000; seed < 1400; ++seed) checkSeed(seed, seed % 2 == 0);
}
