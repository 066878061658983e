// mtc — GEMM convolution test helpers: case graphs, AArch64 compilation, qemu runs, comparison.
// SPDX-License-Identifier: Apache-2.0
#include "gemm_conv_util.h"

#include "codegen/process.h"
#include "codegen/qemu.h"
#include "codegen/runner.h"
#include "ir/eval.h"
#include "ir/infer_type.h"
#include "ir/npy.h"
#include "ir/parser.h"
#include "passes/bind_params.h"
#include "passes/pass_manager.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <sstream>

namespace mtc::codegen::testing {

namespace {

using ir::DType;

struct Diag {
  SourceManager sm;
  DiagEngine diag{sm};
  std::string text;
  Diag() { diag.captureTo(&text); }
};

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9gf", v);
  return buf;
}

std::string list(const int64_t *v, size_t n) {
  std::string s = "[";
  for (size_t i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

std::string tensorType(const ir::Shape &s, DType t) {
  std::string dims;
  for (int64_t d : s) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
  return "Tensor[(" + dims + "), " + std::string(ir::dtypeName(t)) + "]";
}

uint32_t seedOf(const std::string &name, int salt) {
  return static_cast<uint32_t>(std::hash<std::string>{}(name) ^ (0x9e3779b9u * (salt + 1)));
}

ir::Tensor fill(const ir::Shape &shape, DType t, bool extreme, std::mt19937 &rng) {
  ir::Tensor out = ir::Tensor::zeros(shape, t);
  std::uniform_int_distribution<int64_t> u(ir::dtypeMin(t), ir::dtypeMax(t));
  for (int64_t i = 0; i < out.numElements(); ++i)
    out.setInt(i, extreme ? (rng() & 1 ? ir::dtypeMax(t) : ir::dtypeMin(t)) : u(rng));
  return out;
}

// Scales that keep requantized outputs mostly inside the 8-bit range: about three standard
// deviations of a random accumulator map to the output's half range.
double outputScale(const ConvCase &c, double accScale) {
  const double k = static_cast<double>(c.kh * c.kw * c.ic);
  return accScale * std::sqrt(k) * 74.0 * 74.0 * 3.0 / 127.0;
}

double weightScale(int64_t ch) { return 0.004 + 0.0005 * static_cast<double>(ch % 13); }
constexpr double kDataScale = 0.05;

std::string convAttrs(const ConvCase &c) {
  return "strides=" + list(c.stride.data(), 2) + ", padding=" + list(c.pad.data(), 4) +
         ", dilation=" + list(c.dilation.data(), 2) + ", channels=" + std::to_string(c.oc) +
         ", kernel_size=[" + std::to_string(c.kh) + ", " + std::to_string(c.kw) +
         "], data_layout=\"NHWC\", kernel_layout=\"HWIO\"";
}

} // namespace

std::string ConvCase::text() const {
  std::ostringstream os;
  const ir::Shape dshape{batch, h, w, ic};
  os << "def @main(%data: " << tensorType(dshape, data)
     << ", %weight: " << tensorType({kh, kw, ic, oc}, weight);
  const bool qnn = kind == "qnn", rq = qnn ? out != "int32" : kind == "nnrq";
  if (qnn || kind == "nnrq") os << ", %bias: " << tensorType({oc}, DType::Int32);
  if (perChannel) {
    if (qnn) os << ", %wscale: " << tensorType({oc}, DType::Float32);
    if (rq) os << ", %ascale: " << tensorType({oc}, DType::Float32);
  }
  os << ") {\n";
  const double accScale = kDataScale * weightScale(0);
  if (kind == "gemm") {
    os << "  %0 = nn.contrib_conv2d_gemm_weight_transform(%weight, tile_N=" << tileN
       << ", tile_K=" << tileK << ");\n";
    os << "  nn.contrib_conv2d_gemm_without_weight_transform(%data, %0, " << convAttrs(*this)
       << ", out_dtype=\"" << out << "\")\n}\n";
    return os.str();
  }
  if (kind == "nn") {
    os << "  nn.conv2d(%data, %weight, " << convAttrs(*this) << ", out_dtype=\"" << out
       << "\")\n}\n";
    return os.str();
  }
  if (qnn)
    os << "  %0 = qnn.conv2d(%data, %weight, " << dataZp << ", " << kernelZp << ", "
       << num(kDataScale) << ", " << (perChannel ? "%wscale" : num(weightScale(0))) << ", "
       << convAttrs(*this) << ", out_dtype=\"int32\");\n";
  else
    os << "  %0 = nn.conv2d(%data, %weight, " << convAttrs(*this) << ", out_dtype=\"int32\");\n";
  os << "  %1 = nn.bias_add(%0, %bias, axis=3);\n";
  std::string last = "%1";
  if (rq) {
    os << "  %2 = qnn.requantize(%1, " << (perChannel ? "%ascale" : num(accScale)) << ", 0, "
       << num(outputScale(*this, accScale)) << ", " << outZp
       << (perChannel ? ", axis=3" : "") << ", rounding=\"" << rounding << "\", out_dtype=\""
       << out << "\");\n";
    last = "%2";
  }
  if (relu) {
    os << "  %9 = nn.relu(" << last << ");\n";
    last = "%9";
  }
  os << "  " << last << "\n}\n";
  return os.str();
}

std::map<std::string, ir::Tensor> ConvCase::params() const {
  std::mt19937 rng(seedOf(name, 1000));
  std::map<std::string, ir::Tensor> p;
  p["weight"] = fill({kh, kw, ic, oc}, weight, extreme, rng);
  if (kind == "qnn" || kind == "nnrq") {
    ir::Tensor bias = ir::Tensor::zeros({oc}, DType::Int32);
    std::uniform_int_distribution<int64_t> u(-30000, 30000);
    for (int64_t i = 0; i < oc; ++i) bias.setInt(i, u(rng));
    p["bias"] = bias;
  }
  if (perChannel) {
    ir::Tensor ws = ir::Tensor::zeros({oc}, DType::Float32), as = ws;
    for (int64_t i = 0; i < oc; ++i) {
      ws.setFloat(i, weightScale(i));
      as.setFloat(i, kDataScale * weightScale(i));
    }
    if (kind == "qnn") p["wscale"] = ws;
    if (kind == "qnn" ? out != "int32" : kind == "nnrq") p["ascale"] = as;
  }
  return p;
}

ir::Tensor ConvCase::input(int trial) const {
  std::mt19937 rng(seedOf(name, trial));
  return fill({batch, h, w, ic}, data, extreme, rng);
}

ConvCase workloadCase(int64_t batch, int64_t ic, int64_t size, int64_t oc, int64_t k,
                      int64_t stride, const std::string &padding, int64_t dilation, bool relu) {
  ConvCase c;
  c.name = "wl_" + std::to_string(batch) + "_" + std::to_string(ic) + "_" + std::to_string(size) +
           "_" + std::to_string(oc) + "_" + std::to_string(k) + "_" + std::to_string(stride) +
           "_" + padding + "_" + std::to_string(dilation) + (relu ? "_relu" : "");
  c.data = c.weight = DType::Int8;
  c.batch = batch;
  c.h = c.w = size;
  c.ic = ic;
  c.oc = oc;
  c.kh = c.kw = k;
  c.stride = {stride, stride};
  c.dilation = {dilation, dilation};
  if (padding == "SAME") {
    const int64_t total = (k - 1) * dilation; // dilated kernel size - 1
    const int64_t top = (total + 1) / 2;
    c.pad = {top, top, total - top, total - top};
  }
  c.dataZp = -3;
  c.perChannel = true;
  c.out = "int8";
  c.outZp = -5;
  c.rounding = "TONEAREST";
  c.relu = relu;
  return c;
}

passes::Target targetOf(const std::string &alias) {
  std::string err;
  auto t = passes::Target::parse(alias, &err);
  INFO(err);
  REQUIRE(t);
  return *t;
}

std::string disassembleFile(const std::string &path) {
  std::string objdump = findTool({"llvm-objdump-19", "llvm-objdump"});
  INFO("llvm-objdump-19 not found: install the Debian package llvm-19");
  REQUIRE(!objdump.empty());
  ProgramResult r = runProgram(objdump, {"-d", "--no-show-raw-insn", path}, 120);
  INFO(r.error << r.output.substr(0, 2000));
  REQUIRE(r.ok());
  return r.output;
}

RunOutcome checkOnTarget(const ConvCase &c, const passes::Target &target, int trials) {
  namespace fs = std::filesystem;
  using Clock = std::chrono::steady_clock;
  Diag d;
  const std::string text = c.text();
  INFO("case " << c.name << " on " << target.str() << "\n" << text);
  auto m = ir::parseModule(text, c.name + ".relay", d.diag);
  INFO(d.text);
  REQUIRE(m);
  REQUIRE(ir::inferTypes(*m, d.diag));
  const std::map<std::string, ir::Tensor> params = c.params();

  RunOutcome out;
  auto t0 = Clock::now();
  auto bound = passes::bindParams(*m, params, d.diag);
  REQUIRE(bound);
  passes::PassOptions po;
  po.pipeline = passes::optLevelPipeline(3);
  auto opt = passes::runPipeline(*bound, po, target, d.diag);
  REQUIRE(opt);
  std::string tname = target.qemuCpu();
  const std::string dir = std::string(MTC_BINARY_DIR) + "/tests/gemm_conv/" + tname + "/" + c.name;
  fs::create_directories(dir);
  CompileOptions co;
  co.output = dir + "/model.so";
  co.name = "model";
  auto res = compileToFile(*opt, target, co, d.diag);
  REQUIRE(res);
  out.so = co.output;
  for (const KernelSummary &k : res->kernels)
    out.impls.insert(out.impls.end(), k.impls.begin(), k.impls.end());
  out.compileSeconds = std::chrono::duration<double>(Clock::now() - t0).count();

  auto runner = ensureRunner("aarch64", d.diag);
  auto qemu = findQemu(d.diag);
  REQUIRE(runner);
  REQUIRE(qemu);
  for (int trial = 0; trial < trials; ++trial) {
    INFO("trial " << trial);
    const ir::Tensor x = c.input(trial);
    const std::string inPath = dir + "/data.npy", outDir = dir + "/out";
    fs::remove_all(outDir);
    fs::create_directories(outDir);
    REQUIRE(ir::writeNpy(inPath, x, d.diag));
    auto t1 = Clock::now();
    ProgramResult r = runUnderQemu(*qemu, target.qemuCpu(), *runner,
                                   {co.output, "--output-dir", outDir, "data=" + inPath}, 900);
    out.runSeconds += std::chrono::duration<double>(Clock::now() - t1).count();
    INFO("runner: " << r.error << "\n" << r.output);
    REQUIRE(r.ok());
    auto got = ir::readNpy(outDir + "/output_0.npy", d.diag);
    REQUIRE(got);
    std::map<std::string, ir::Tensor> feed = params;
    feed["data"] = x;
    auto want = ir::evaluate(*m, feed, d.diag);
    REQUIRE(want);
    std::vector<ir::Tensor> ref = ir::flattenOutputs(*want);
    REQUIRE(ref.size() == 1);
    REQUIRE(got->type() == ref[0].type());
    if (!got->bitEqual(ref[0])) {
      int64_t i = 0;
      while (got->intAt(i) == ref[0].intAt(i)) ++i;
      FAIL("first difference at flat index " << i << ": got " << got->intAt(i) << ", expected "
                                             << ref[0].intAt(i));
    }
  }
  return out;
}

} // namespace mtc::codegen::testing
