// mtc — LLVM TargetMachines for our targets, file emission and shared-library linking.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/llvm_target.h"

#include "codegen/process.h"

#include <llvm/ADT/SmallString.h>
#include <llvm/IR/DiagnosticHandler.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/DiagnosticPrinter.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Process.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>
#include <llvm/TargetParser/Host.h>

#include <mutex>

// Declared by LLVM's per-target libraries; only the two targets we generate code for are
// linked in and initialised (the shared libLLVM has all of them, but registering every
// target costs start-up time for nothing).
extern "C" {
void LLVMInitializeAArch64TargetInfo();
void LLVMInitializeAArch64Target();
void LLVMInitializeAArch64TargetMC();
void LLVMInitializeAArch64AsmPrinter();
void LLVMInitializeAArch64AsmParser();
void LLVMInitializeX86TargetInfo();
void LLVMInitializeX86Target();
void LLVMInitializeX86TargetMC();
void LLVMInitializeX86AsmPrinter();
void LLVMInitializeX86AsmParser();
}

namespace mtc::codegen {
namespace {

constexpr const char *kAArch64Sysroot = "/usr/aarch64-linux-gnu";

// Collects backend errors (inline-asm the features reject, unsupported constructs) instead
// of letting LLVM's default handler print them and exit the process.
class CollectingHandler : public llvm::DiagnosticHandler {
public:
  explicit CollectingHandler(std::vector<std::string> *errors) : errors_(errors) {}
  bool handleDiagnostics(const llvm::DiagnosticInfo &di) override {
    if (di.getSeverity() == llvm::DS_Error) {
      std::string text;
      llvm::raw_string_ostream os(text);
      llvm::DiagnosticPrinterRawOStream printer(os);
      di.print(printer);
      errors_->push_back(os.str());
    }
    return true;
  }

private:
  std::vector<std::string> *errors_;
};

// Restores the context's previous diagnostic handler when the emission is over.
class ScopedHandler {
public:
  ScopedHandler(llvm::LLVMContext &ctx, std::vector<std::string> *errors) : ctx_(ctx) {
    saved_ = ctx_.getDiagnosticHandler();
    ctx_.setDiagnosticHandler(std::make_unique<CollectingHandler>(errors));
  }
  ~ScopedHandler() { ctx_.setDiagnosticHandler(std::move(saved_)); }

private:
  llvm::LLVMContext &ctx_;
  std::unique_ptr<llvm::DiagnosticHandler> saved_;
};

// A unique, not yet used, name next to `path` (same directory, so the final rename is atomic).
bool makeTempNextTo(const std::string &path, std::string *tmp, int *fd, DiagEngine &diag) {
  llvm::SmallString<256> model(path);
  model += ".tmp-%%%%%%%%";
  llvm::SmallString<256> out;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(model, *fd, out)) {
    diag.error("cannot create '" + std::string(model) + "': " + ec.message());
    return false;
  }
  *tmp = std::string(out);
  return true;
}

bool commit(const std::string &tmp, const std::string &path, DiagEngine &diag) {
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path)) {
    llvm::sys::fs::remove(tmp);
    diag.error("cannot write '" + path + "': " + ec.message());
    return false;
  }
  return true;
}

std::string hostFeatureString() {
  std::string s;
  for (const auto &f : llvm::sys::getHostCPUFeatures()) {
    if (!s.empty())
      s += ',';
    s += (f.getValue() ? '+' : '-');
    s += f.getKey().str();
  }
  return s;
}

struct LinkCommand {
  std::string tool;
  std::vector<std::string> args;
};

// Chooses the linker and its arguments; `out` is the temporary output file.
bool linkCommand(const passes::Target &target, const std::vector<std::string> &objects,
                 const std::string &out, LinkCommand *cmd, DiagEngine &diag) {
  if (target.isAArch64()) {
    if (std::string lld = findTool({"ld.lld-19", "ld.lld"}); !lld.empty()) {
      cmd->tool = lld;
      cmd->args = {"-m", "aarch64linux", "-shared", "--eh-frame-hdr", "-z", "relro",
                   "-z",  "now",         "-z",      "noexecstack",    "-o", out};
      cmd->args.insert(cmd->args.end(), objects.begin(), objects.end());
      // libc is recorded as a dependency when the cross sysroot is there; the generated code
      // may call memcpy/memset. Without the sysroot those stay undefined and are bound when
      // the library is loaded by a program that has libc (always the case).
      if (llvm::sys::fs::exists(std::string(kAArch64Sysroot) + "/lib/libc.so"))
        cmd->args.insert(cmd->args.end(),
                         {"-L", std::string(kAArch64Sysroot) + "/lib", "--as-needed", "-lc"});
      return true;
    }
    if (std::string gcc = findTool({"aarch64-linux-gnu-gcc"}); !gcc.empty()) {
      cmd->tool = gcc;
      cmd->args = {"-shared", "-Wl,-z,relro,-z,now,-z,noexecstack", "-o", out};
      cmd->args.insert(cmd->args.end(), objects.begin(), objects.end());
      return true;
    }
    diag.error("cannot link an aarch64 shared library: neither ld.lld-19 nor "
               "aarch64-linux-gnu-gcc is on PATH; install the Debian package lld-19 (or "
               "g++-aarch64-linux-gnu)");
    return false;
  }
  if (std::string cc = findTool({"cc"}); !cc.empty()) {
    cmd->tool = cc;
    cmd->args = {"-shared", "-o", out};
    cmd->args.insert(cmd->args.end(), objects.begin(), objects.end());
    return true;
  }
  if (std::string lld = findTool({"ld.lld-19", "ld.lld"}); !lld.empty()) {
    cmd->tool = lld;
    cmd->args = {"-shared", "--eh-frame-hdr", "-z", "noexecstack", "-o", out};
    cmd->args.insert(cmd->args.end(), objects.begin(), objects.end());
    return true;
  }
  diag.error("cannot link a host shared library: neither cc nor ld.lld-19 is on PATH; install "
             "the Debian package gcc (or lld-19)");
  return false;
}

} // namespace

void initializeLlvmTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeAArch64TargetInfo();
    LLVMInitializeAArch64Target();
    LLVMInitializeAArch64TargetMC();
    LLVMInitializeAArch64AsmPrinter();
    LLVMInitializeAArch64AsmParser();
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeX86AsmParser();
  });
}

std::string llvmTriple(const passes::Target &target) {
  if (!target.triple.empty())
    return target.triple;
  if (target.isAArch64())
    return "aarch64-linux-gnu";
  return llvm::sys::getDefaultTargetTriple();
}

std::string llvmCpu(const passes::Target &target) {
  if (!target.cpu.empty())
    return target.cpu;
  if (target.isAArch64())
    return "generic";
  return llvm::sys::getHostCPUName().str();
}

std::string llvmFeatureString(const passes::Target &target) {
  if (target.isAArch64())
    return target.llvmFeatures();
  // An explicit host -mattr wins over detection (e.g. to test without AVX-512).
  if (!target.mattr.empty()) {
    std::string s;
    for (const std::string &f : target.mattr)
      s += (s.empty() ? "" : ",") + f;
    return s;
  }
  return hostFeatureString();
}

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const passes::Target &target,
                                                         DiagEngine &diag) {
  initializeLlvmTargets();
  std::string triple = llvmTriple(target);
  std::string err;
  const llvm::Target *llvmTarget = llvm::TargetRegistry::lookupTarget(triple, err);
  if (!llvmTarget) {
    diag.error("cannot generate code for triple '" + triple + "': " + err);
    return nullptr;
  }
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(llvmTarget->createTargetMachine(
      triple, llvmCpu(target), llvmFeatureString(target), options, llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!tm) {
    diag.error("LLVM cannot create a target machine for '" + triple + "' (cpu '" +
               llvmCpu(target) + "')");
    return nullptr;
  }
  return tm;
}

void prepareModule(llvm::Module &m, const llvm::TargetMachine &tm) {
  m.setTargetTriple(tm.getTargetTriple().str());
  m.setDataLayout(tm.createDataLayout());
}

void optimizeModule(llvm::Module &m, llvm::TargetMachine &tm) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  mpm.run(m, mam);
}

bool emitModule(llvm::Module &m, llvm::TargetMachine &tm, EmitKind kind, const std::string &path,
                DiagEngine &diag) {
  if (m.getTargetTriple().empty())
    prepareModule(m, tm);
  std::string tmp;
  int fd = -1;
  if (!makeTempNextTo(path, &tmp, &fd, diag))
    return false;
  std::vector<std::string> errors;
  bool ok = true;
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    ScopedHandler handler(m.getContext(), &errors);
    if (kind == EmitKind::LlvmIr) {
      m.print(os, nullptr);
    } else {
      llvm::legacy::PassManager pm;
      auto fileType = kind == EmitKind::Object ? llvm::CodeGenFileType::ObjectFile
                                               : llvm::CodeGenFileType::AssemblyFile;
      if (tm.addPassesToEmitFile(pm, os, nullptr, fileType)) {
        errors.push_back("the target cannot emit this kind of file");
      } else {
        pm.run(m);
      }
    }
    os.close();
    if (os.has_error()) {
      errors.push_back("write error: " + os.error().message());
      os.clear_error();
    }
  }
  for (const std::string &e : errors) {
    diag.error("while writing '" + path + "': " + e);
    ok = false;
  }
  if (!ok) {
    llvm::sys::fs::remove(tmp);
    return false;
  }
  return commit(tmp, path, diag);
}

bool linkSharedLibrary(const passes::Target &target, const std::vector<std::string> &objects,
                       const std::string &path, DiagEngine &diag) {
  for (const std::string &o : objects) {
    if (!llvm::sys::fs::exists(o)) {
      diag.error("cannot link '" + path + "': object file '" + o + "' does not exist");
      return false;
    }
  }
  std::string tmp;
  int fd = -1;
  if (!makeTempNextTo(path, &tmp, &fd, diag))
    return false;
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  LinkCommand cmd;
  if (!linkCommand(target, objects, tmp, &cmd, diag)) {
    llvm::sys::fs::remove(tmp);
    return false;
  }
  ProgramResult r = runProgram(cmd.tool, cmd.args, /*timeoutSeconds=*/300);
  if (!r.ok()) {
    llvm::sys::fs::remove(tmp);
    std::string why = !r.started    ? r.error
                      : r.signaled  ? r.error
                                    : "exit code " + std::to_string(r.exitCode);
    diag.error("linking '" + path + "' failed (" + why + "): " + commandLine(cmd.tool, cmd.args) +
               (r.output.empty() ? "" : "\n" + r.output));
    return false;
  }
  return commit(tmp, path, diag);
}

} // namespace mtc::codegen
