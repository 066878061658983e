// mtc — test helpers for the code generator: compile IR text for the host with the real
// pipeline, lowering and LLVM O3, load it with LLVM's ORC JIT, run it through the C entry point
// and compare with the reference evaluator bit for bit.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "codegen/llvm_target.h"
#include "codegen/lower.h"
#include "codegen/lower_entry.h"
#include "ir/eval.h"
#include "ir/infer_type.h"
#include "ir/parser.h"
#include "passes/bind_params.h"
#include "passes/pass_manager.h"
#include "runtime/mtc_runtime.h"

#include <catch2/catch.hpp>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace mtc::codegen::testing {

/// A module compiled for the host and loaded in-process.
struct HostModule {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  mtc_run_fn run = nullptr;
  uint64_t (*workspaceSize)() = nullptr;
  ModuleMeta meta;
  std::vector<KernelSummary> kernels;
  std::string optimizedIr; ///< the LLVM IR after O3, for structural checks
  ir::Module optimized;    ///< the graph after the pass pipeline
};

/// Diagnostics that tests can read back.
struct TestDiag {
  SourceManager sm;
  DiagEngine diag{sm};
  std::string text;
  TestDiag() { diag.captureTo(&text); }
};

inline passes::Target hostTarget() {
  std::string err;
  auto t = passes::Target::parse("host", &err);
  REQUIRE(t);
  return *t;
}

/// Parses and type-checks IR text (REQUIREs success).
inline ir::Module parseText(const std::string &text, TestDiag &d) {
  auto m = ir::parseModule(text, "test.relay", d.diag);
  if (!m || !ir::inferTypes(*m, d.diag)) FAIL("bad test module: " << d.text);
  return *m;
}

/// Runs `-O0`..`-O3` (or a pass list) for the host on `m` after binding `params`.
inline std::optional<ir::Module> optimize(const ir::Module &m, const std::string &pipeline,
                                          const std::map<std::string, ir::Tensor> &params,
                                          TestDiag &d) {
  std::optional<ir::Module> bound = m;
  if (!params.empty()) bound = passes::bindParams(m, params, d.diag);
  if (!bound) return std::nullopt;
  auto spec = passes::parsePipelineSpec(pipeline, d.diag);
  if (!spec) return std::nullopt;
  passes::PassOptions opts;
  opts.pipeline = *spec;
  return passes::runPipeline(*bound, opts, hostTarget(), d.diag);
}

/// Lowers an optimized module for the host, runs LLVM O3 and JIT-loads it. Returns null after
/// an error (in d.text).
inline std::unique_ptr<HostModule> jitModule(const ir::Module &optimized, TestDiag &d,
                                             const std::string &name = "model") {
  initializeLlvmTargets();
  passes::Target host = hostTarget();
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(host, d.diag);
  if (!tm) return nullptr;
  auto ctx = std::make_unique<llvm::LLVMContext>();
  LowerOptions lo;
  lo.name = name;
  auto lowered = lowerModule(optimized, host, *ctx, tm->getTargetTriple().str(),
                             tm->createDataLayout(), lo, d.diag);
  if (!lowered) return nullptr;
  optimizeModule(*lowered->module, *tm);
  auto hm = std::make_unique<HostModule>();
  hm->meta = lowered->meta;
  hm->kernels = lowered->kernels;
  hm->optimized = optimized;
  llvm::raw_string_ostream os(hm->optimizedIr);
  lowered->module->print(os, nullptr);
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit) {
    d.diag.error("JIT: " + llvm::toString(jit.takeError()));
    return nullptr;
  }
  hm->jit = std::move(*jit);
  if (auto err = hm->jit->addIRModule(
          llvm::orc::ThreadSafeModule(std::move(lowered->module), std::move(ctx)))) {
    d.diag.error("JIT: " + llvm::toString(std::move(err)));
    return nullptr;
  }
  auto run = hm->jit->lookup("mtc_" + name + "_run");
  auto ws = hm->jit->lookup("mtc_" + name + "_workspace_size");
  if (!run || !ws) {
    if (!run) llvm::consumeError(run.takeError());
    if (!ws) llvm::consumeError(ws.takeError());
    d.diag.error("JIT: entry points not found");
    return nullptr;
  }
  hm->run = run->toPtr<mtc_run_fn>();
  hm->workspaceSize = ws->toPtr<uint64_t (*)()>();
  return hm;
}

/// A random tensor: integers over their whole range, bool 0/1, floats in [-8, 8] (with a few
/// special values when `specials`).
inline ir::Tensor randomTensor(const ir::Type &t, std::mt19937 &rng, bool specials = false) {
  ir::Tensor out = ir::Tensor::zeros(t.shape(), t.dtype());
  const int64_t n = out.numElements();
  if (t.dtype() == ir::DType::Float32) {
    std::uniform_real_distribution<float> u(-8.0f, 8.0f);
    const float special[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e30f, -1e30f, 0.5f, -2.5f};
    for (int64_t i = 0; i < n; ++i) {
      float v = u(rng);
      if (specials && rng() % 5 == 0) v = special[rng() % 9];
      out.mutableDataAs<float>()[i] = v;
    }
    return out;
  }
  if (t.dtype() == ir::DType::Bool) {
    for (int64_t i = 0; i < n; ++i) out.setInt(i, rng() & 1);
    return out;
  }
  std::uniform_int_distribution<int64_t> u(ir::dtypeMin(t.dtype()), ir::dtypeMax(t.dtype()));
  for (int64_t i = 0; i < n; ++i) out.setInt(i, u(rng));
  return out;
}

/// Runs the compiled module; REQUIREs status 0.
inline std::vector<ir::Tensor> runHost(const HostModule &hm, const std::vector<ir::Tensor> &inputs) {
  std::vector<mtc_tensor> in(inputs.size()), out(hm.meta.outputs.size());
  std::vector<ir::Tensor> outputs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    in[i].data = const_cast<uint8_t *>(inputs[i].rawData());
    in[i].shape = inputs[i].shape().data();
    in[i].ndim = static_cast<int32_t>(inputs[i].rank());
    in[i].dtype = runtimeDType(inputs[i].dtype());
  }
  for (size_t i = 0; i < out.size(); ++i) {
    outputs.push_back(ir::Tensor::zeros(hm.meta.outputs[i].shape, hm.meta.outputs[i].dtype));
    // Poison the outputs so an unwritten element cannot pass as a coincidental zero.
    std::memset(outputs[i].mutableData(), 0xA5, outputs[i].byteSize());
  }
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].data = outputs[i].mutableData();
    out[i].shape = outputs[i].shape().data();
    out[i].ndim = static_cast<int32_t>(outputs[i].rank());
    out[i].dtype = runtimeDType(outputs[i].dtype());
  }
  const uint64_t wsBytes = hm.workspaceSize();
  void *ws = wsBytes ? std::aligned_alloc(64, (wsBytes + 63) / 64 * 64) : nullptr;
  if (ws) std::memset(ws, 0x5A, wsBytes);
  const int status = hm.run(in.data(), out.data(), ws);
  std::free(ws);
  REQUIRE(status == 0);
  return outputs;
}

/// Compiles `text` with `pipeline` for the host and compares with the evaluator of the original
/// module on `trials` random inputs (params, if given, are bound for compilation and fed to the
/// evaluator). Returns the compiled module for further checks.
inline std::unique_ptr<HostModule>
checkAgainstEvaluator(const std::string &text, const std::string &pipeline = "-O3", int trials = 2,
                      uint32_t seed = 1, const std::map<std::string, ir::Tensor> &params = {},
                      bool specials = false) {
  TestDiag d;
  ir::Module m = parseText(text, d);
  auto opt = optimize(m, pipeline, params, d);
  INFO(d.text);
  REQUIRE(opt);
  auto hm = jitModule(*opt, d);
  INFO(d.text);
  REQUIRE(hm);
  std::mt19937 rng(seed);
  for (int trial = 0; trial < trials; ++trial) {
    std::map<std::string, ir::Tensor> feed = params;
    std::vector<ir::Tensor> inputs;
    for (const TensorSig &s : hm->meta.inputs) {
      ir::Tensor t = randomTensor(ir::Type::tensor(s.shape, s.dtype), rng, specials);
      feed[s.name] = t;
      inputs.push_back(t);
    }
    auto expected = ir::evaluate(m, feed, d.diag);
    INFO(d.text);
    REQUIRE(expected);
    std::vector<ir::Tensor> want = ir::flattenOutputs(*expected);
    std::vector<ir::Tensor> got = runHost(*hm, inputs);
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      INFO("output " << i << " trial " << trial << " pipeline " << pipeline);
      REQUIRE(got[i].type() == want[i].type());
      if (!got[i].bitEqual(want[i])) {
        int64_t bad = 0;
        for (; bad < got[i].numElements(); ++bad)
          if (want[i].dtype() == ir::DType::Float32
                  ? std::memcmp(got[i].rawData() + 4 * bad, want[i].rawData() + 4 * bad, 4) != 0
                  : got[i].intAt(bad) != want[i].intAt(bad))
            break;
        const bool f = want[i].dtype() == ir::DType::Float32;
        FAIL("first difference at flat index " << bad << ": got "
             << (f ? got[i].floatAt(bad) : double(got[i].intAt(bad))) << ", expected "
             << (f ? want[i].floatAt(bad) : double(want[i].intAt(bad))));
      }
    }
  }
  return hm;
}

} // namespace mtc::codegen::testing
