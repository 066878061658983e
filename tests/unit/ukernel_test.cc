// mtc — micro-kernel tests: each kernel alone against a scalar reference under qemu, feature
// enforcement, and the LLVM target / linker / qemu plumbing they rely on.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/aarch64/ukernel_emit.h"
#include "codegen/llvm_target.h"
#include "codegen/process.h"
#include "codegen/qemu.h"
#include "passes/strategy.h"

#include <catch2/catch.hpp>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Target/TargetMachine.h>

#include <cstdlib>
#include <filesystem>

using namespace mtc;
using namespace mtc::codegen;
using namespace mtc::codegen::aarch64;

namespace {

std::string workDir() {
  std::string dir = std::string(MTC_BINARY_DIR) + "/tests/kernels";
  std::filesystem::create_directories(dir);
  return dir;
}

passes::Target parseTarget(const std::string &s) {
  std::string err;
  auto t = passes::Target::parse(s, &err);
  INFO(err);
  REQUIRE(t);
  return *t;
}

// The alias whose features are exactly what the kernel needs (nothing more, so the runs under
// qemu prove the kernel runs on the weakest core that has them).
passes::Target targetFor(const UKernel &k) {
  if (k.features & kFeatI8mm)
    return parseTarget("aarch64+i8mm");
  if (k.features & kFeatDotprod)
    return parseTarget("aarch64+dotprod");
  return parseTarget("aarch64");
}

// Compiles `mtc_ukernel_test_<name>` for `target` into `<dir>/<stem>.o` and links `<stem>.so`.
// Returns the .so path; empty (with the diagnostics in `*log`) on failure.
std::string buildKernelLibrary(const UKernel &k, const passes::Target &target,
                               const std::string &stem, std::string *log) {
  SourceManager sm;
  DiagEngine diag(sm);
  diag.captureTo(log);
  auto tm = createTargetMachine(target, diag);
  if (!tm)
    return {};
  llvm::LLVMContext ctx;
  llvm::Module m(stem, ctx);
  prepareModule(m, *tm);
  emitUKernelTestFunction(m, k);
  // The same O3 pipeline the model lowering uses must keep the asm call intact.
  optimizeModule(m, *tm);
  std::string obj = workDir() + "/" + stem + ".o";
  std::string so = workDir() + "/" + stem + ".so";
  if (!emitModule(m, *tm, EmitKind::Object, obj, diag))
    return {};
  if (!linkSharedLibrary(target, {obj}, so, diag))
    return {};
  return so;
}

// The harness is built once per build directory (rebuilt when its source is newer).
std::string harnessPath() {
  std::string src = std::string(MTC_SOURCE_DIR) + "/tests/kernels/ukernel_harness.c";
  std::string exe = workDir() + "/ukernel_harness";
  namespace fs = std::filesystem;
  if (fs::exists(exe) && fs::last_write_time(exe) >= fs::last_write_time(src))
    return exe;
  std::string gcc = findTool({"aarch64-linux-gnu-gcc"});
  INFO("aarch64-linux-gnu-gcc not found: install the Debian package g++-aarch64-linux-gnu");
  REQUIRE(!gcc.empty());
  std::string tmp = exe + ".tmp";
  ProgramResult r = runProgram(gcc, {"-O2", "-Wall", "-Wextra", "-Werror", "-o", tmp, src}, 300);
  INFO(r.error << r.output);
  REQUIRE(r.ok());
  fs::rename(tmp, exe);
  return exe;
}

QemuSetup qemuSetup() {
  SourceManager sm;
  DiagEngine diag(sm);
  std::string log;
  diag.captureTo(&log);
  auto q = findQemu(diag);
  INFO(log);
  REQUIRE(q);
  return *q;
}

ProgramResult runHarness(const UKernel &k, const std::string &so, const std::string &cpu) {
  return runUnderQemu(qemuSetup(), cpu, harnessPath(),
                      {so, ukernelTestSymbol(k), std::to_string(k.tileM), std::to_string(k.tileN),
                       std::to_string(k.tileK), k.dtype == ir::DType::Int8 ? "s8" : "u8",
                       std::to_string(k.aPanelRows()), std::to_string(k.bPanelCols())},
                      120);
}

std::string disassemble(const std::string &obj) {
  std::string objdump = findTool({"llvm-objdump-19", "llvm-objdump"});
  INFO("llvm-objdump-19 not found: install the Debian package llvm-19");
  REQUIRE(!objdump.empty());
  ProgramResult r = runProgram(objdump, {"-d", "--no-show-raw-insn", obj}, 60);
  INFO(r.error << r.output);
  REQUIRE(r.ok());
  return r.output;
}

bool mentions(const std::string &text, const char *mnemonic) {
  // Mnemonics appear after a tab in objdump's listing.
  return text.find(std::string("\t") + mnemonic + "\t") != std::string::npos;
}

// Builds the kernel's test library and runs the harness on the kernel's weakest core.
void checkExactUnderQemu(const UKernel &k) {
  passes::Target target = targetFor(k);
  std::string log;
  std::string so = buildKernelLibrary(k, target, std::string(k.name), &log);
  INFO(log);
  REQUIRE(!so.empty());
  ProgramResult r = runHarness(k, so, target.qemuCpu());
  INFO("qemu -cpu " << target.qemuCpu() << ": " << r.error << "\n" << r.output);
  CHECK(r.ok());
  CHECK(r.output.find(std::string(k.name) + ": all 120 cases exact") != std::string::npos);
}

} // namespace

TEST_CASE("ukernel table agrees with selectConvImpl", "[ukernel]") {
  REQUIRE(ukernelTable().size() == 6);
  ir::Conv2DAttrs attrs;
  attrs.data_layout = "NHWC";
  attrs.kernel_layout = "HWIO";
  for (const UKernel &k : ukernelTable()) {
    INFO(k.name);
    passes::Target t = targetFor(k);
    CHECK(ukernelSupported(k, t));
    passes::ConvImpl impl = passes::selectConvImpl(t, attrs, k.dtype, k.dtype);
    CHECK(impl.kind == k.kind);
    CHECK(impl.tiles.tileM == k.tileM);
    CHECK(impl.tiles.tileN == k.tileN);
    CHECK(impl.tiles.tileK == k.tileK);
    CHECK(findUKernel(k.kind, k.dtype) == &k);
    CHECK(findUKernel(k.name) == &k);
    // Every template marks the loop that bench/kernel_mca.py measures, exactly once.
    std::string text(k.asmTemplate);
    CHECK(text.find("// @mca-begin") != std::string::npos);
    CHECK(text.find("// @mca-begin") == text.rfind("// @mca-begin"));
    CHECK(text.find("// @mca-end") > text.find("// @mca-begin"));
    // The LLVM text has no unexpanded placeholder left.
    std::string llvmText = k.llvmAsm();
    CHECK(llvmText.find("{su}") == std::string::npos);
    CHECK(llvmText.find("{a}") == std::string::npos);
    CHECK(llvmText.find("{ldc}") == std::string::npos);
  }
  CHECK_FALSE(ukernelSupported(*findUKernel("dotprod_s8_8x12x4"), parseTarget("aarch64")));
  CHECK_FALSE(ukernelSupported(*findUKernel("i8mm_u8_8x12x8"), parseTarget("aarch64+dotprod")));
  CHECK_FALSE(ukernelSupported(*findUKernel("neon_u8_4x4x16"), parseTarget("host")));
}

TEST_CASE("each micro-kernel is exact under qemu on its weakest core", "[ukernel][qemu]") {
  for (const UKernel &k : ukernelTable())
    DYNAMIC_SECTION(k.name) { checkExactUnderQemu(k); }
}

TEST_CASE("each tail kernel is exact under qemu on its weakest core", "[ukernel][qemu]") {
  REQUIRE(tailKernels().size() == 36);
  for (const UKernel &k : tailKernels())
    DYNAMIC_SECTION(k.name) { checkExactUnderQemu(k); }
}

TEST_CASE("a partial block uses the smallest tail kernel covering it", "[ukernel]") {
  const UKernel &dot = *findUKernel("dotprod_s8_8x12x4");
  const UKernel &mm = *findUKernel("i8mm_u8_8x12x8");
  auto name = [](const UKernel *k) { return k ? std::string(k->name) : std::string("none"); };
  CHECK(name(findTailKernel(dot, 1, 12)) == "dotprod_s8_1x12x4");
  CHECK(name(findTailKernel(dot, 3, 12)) == "dotprod_s8_4x12x4");
  CHECK(name(findTailKernel(dot, 8, 4)) == "dotprod_s8_8x4x4");
  CHECK(name(findTailKernel(dot, 8, 5)) == "dotprod_s8_8x8x4");
  CHECK(name(findTailKernel(dot, 1, 1)) == "dotprod_s8_1x4x4");
  CHECK(name(findTailKernel(dot, 5, 9)) == "none");
  CHECK(name(findTailKernel(mm, 1, 12)) == "i8mm_u8_2x12x8");
  CHECK(name(findTailKernel(mm, 3, 7)) == "i8mm_u8_4x8x8");
  CHECK(name(findTailKernel(mm, 8, 2)) == "i8mm_u8_8x4x8");
  CHECK(name(findTailKernel(*findUKernel("neon_s8_4x4x16"), 1, 4)) == "neon_s8_1x4x16");
  CHECK(name(findTailKernel(*findUKernel("neon_u8_4x4x16"), 2, 3)) == "neon_u8_2x4x16");
  CHECK(name(findTailKernel(*findUKernel("neon_u8_4x4x16"), 3, 4)) == "none");
  for (const UKernel &k : tailKernels()) {
    INFO(k.name);
    const bool neon = k.kind == passes::ConvImpl::Kind::GemmNeon;
    CHECK(k.aPanelRows() == (neon ? 4 : 8));
    CHECK(k.bPanelCols() == (neon ? 4 : 12));
    CHECK(k.aBlockBytes() == k.aPanelRows() * k.tileK);
    CHECK(k.bBlockBytes() == k.bPanelCols() * k.tileK);
    CHECK(std::string(k.asmTemplate).find("// @mca-begin") != std::string::npos);
    CHECK(k.llvmAsm().find("{") == std::string::npos);
  }
}

TEST_CASE("Armv8.0 kernels contain no dotprod or i8mm instruction", "[ukernel]") {
  for (const char *name : {"neon_s8_4x4x16", "neon_u8_4x4x16", "dotprod_u8_8x12x4",
                           "i8mm_s8_8x12x8"}) {
    DYNAMIC_SECTION(name) {
      const UKernel &k = *findUKernel(name);
      std::string log;
      std::string stem = std::string(name) + "_objdump";
      REQUIRE(!buildKernelLibrary(k, targetFor(k), stem, &log).empty());
      std::string text = disassemble(workDir() + "/" + stem + ".o");
      bool dot = mentions(text, "sdot") || mentions(text, "udot");
      bool mmla = mentions(text, "smmla") || mentions(text, "ummla");
      // The positive controls prove the search finds these instructions when present.
      CHECK(dot == ((k.features & kFeatDotprod) != 0));
      CHECK(mmla == ((k.features & kFeatI8mm) != 0));
      if (k.features == kFeatNeon)
        CHECK((mentions(text, "umull") || mentions(text, "smull")));
    }
  }
}

TEST_CASE("kernels trap on a core without their features", "[ukernel][qemu]") {
  struct Case {
    const char *kernel, *cpu;
  };
  for (Case c : {Case{"dotprod_s8_8x12x4", "cortex-a53"}, Case{"i8mm_u8_8x12x8", "cortex-a76"}}) {
    DYNAMIC_SECTION(c.kernel << " on " << c.cpu) {
      const UKernel &k = *findUKernel(c.kernel);
      std::string log;
      std::string so = buildKernelLibrary(k, targetFor(k), std::string(c.kernel) + "_trap", &log);
      INFO(log);
      REQUIRE(!so.empty());
      ProgramResult r = runHarness(k, so, c.cpu);
      INFO(r.error << "\n" << r.output);
      REQUIRE(r.started);
      // qemu re-raises the guest's SIGILL on itself, so the emulator dies by that signal.
      CHECK(r.signaled);
      CHECK(r.error.find("Illegal instruction") != std::string::npos);
      CHECK(r.output.find("cases exact") == std::string::npos);
    }
  }
}

TEST_CASE("a kernel needing a feature the target lacks does not assemble", "[ukernel]") {
  std::string log;
  std::string so =
      buildKernelLibrary(*findUKernel("dotprod_u8_8x12x4"), parseTarget("aarch64"), "rejected",
                         &log);
  CHECK(so.empty());
  CHECK(log.find("error:") != std::string::npos);
  CHECK(log.find("dotprod") != std::string::npos);
  // No partial output is left behind.
  CHECK_FALSE(llvm::sys::fs::exists(workDir() + "/rejected.o"));
}

TEST_CASE("missing tools name the package to install", "[ukernel]") {
  std::string obj = workDir() + "/missing_tool.o";
  {
    std::string log;
    REQUIRE(!buildKernelLibrary(*findUKernel("neon_s8_4x4x16"), parseTarget("aarch64"),
                                "missing_tool", &log)
                 .empty());
  }
  const char *old = std::getenv("PATH");
  std::string saved = old ? old : "";
  setenv("PATH", "/nonexistent-mtc-path", 1);
  SourceManager sm;
  DiagEngine diag(sm);
  std::string log;
  diag.captureTo(&log);
  std::string so = workDir() + "/missing_tool_nolinker.so";
  bool linked = linkSharedLibrary(parseTarget("aarch64"), {obj}, so, diag);
  auto q = findQemu(diag);
  setenv("PATH", saved.c_str(), 1);
  CHECK_FALSE(linked);
  CHECK_FALSE(llvm::sys::fs::exists(so));
  CHECK(log.find("lld-19") != std::string::npos);
  CHECK(log.find("g++-aarch64-linux-gnu") != std::string::npos);
  CHECK_FALSE(q);
  CHECK(log.find("qemu-user") != std::string::npos);
}

TEST_CASE("emission errors leave no file", "[ukernel]") {
  SourceManager sm;
  DiagEngine diag(sm);
  std::string log;
  diag.captureTo(&log);
  auto tm = createTargetMachine(parseTarget("aarch64"), diag);
  REQUIRE(tm);
  llvm::LLVMContext ctx;
  llvm::Module m("m", ctx);
  prepareModule(m, *tm);
  emitUKernelTestFunction(m, *findUKernel("neon_u8_4x4x16"));
  std::string bad = workDir() + "/no-such-dir/out.o";
  CHECK_FALSE(emitModule(m, *tm, EmitKind::Object, bad, diag));
  CHECK(log.find("no-such-dir") != std::string::npos);
  // Assembly and IR of a good module are written and mention the kernel.
  for (EmitKind kind : {EmitKind::Assembly, EmitKind::LlvmIr}) {
    std::string path = workDir() + (kind == EmitKind::Assembly ? "/neon_u8.s" : "/neon_u8.ll");
    REQUIRE(emitModule(m, *tm, kind, path, diag));
    auto text = llvm::MemoryBuffer::getFile(path);
    REQUIRE(text);
    CHECK((*text)->getBuffer().contains("uadalp"));
  }
}

TEST_CASE("host shared libraries link with the system toolchain", "[ukernel]") {
  SourceManager sm;
  DiagEngine diag(sm);
  std::string log;
  diag.captureTo(&log);
  passes::Target host = parseTarget("host");
  auto tm = createTargetMachine(host, diag);
  INFO(log);
  REQUIRE(tm);
  llvm::LLVMContext ctx;
  llvm::Module m("host", ctx);
  prepareModule(m, *tm);
  llvm::Function *f = llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getInt32Ty(ctx), false),
      llvm::GlobalValue::ExternalLinkage, "mtc_host_probe", m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
  b.CreateRet(b.getInt32(42));
  std::string obj = workDir() + "/host_probe.o", so = workDir() + "/host_probe.so";
  REQUIRE(emitModule(m, *tm, EmitKind::Object, obj, diag));
  REQUIRE(linkSharedLibrary(host, {obj}, so, diag));
  CHECK(llvm::sys::fs::exists(so));
}
