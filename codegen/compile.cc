// mtc — the ahead-of-time driver: lowering, LLVM optimization, emission, linking, header and
// summary.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/compile.h"

#include "codegen/header.h"
#include "codegen/llvm_target.h"
#include "ir/printer.h"

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace mtc::codegen {

namespace {

namespace fs = std::filesystem;

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Writes through a temporary file in the same folder and a rename, so the file appears whole
// or not at all.
bool writeTextAtomic(const std::string &path, const std::string &text, DiagEngine &diag) {
  const std::string tmp = path + ".tmp" + std::to_string(getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    f.close();
    if (!f) {
      std::error_code ec;
      fs::remove(tmp, ec);
      diag.error("cannot write '" + path + "'");
      return false;
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    diag.error("cannot write '" + path + "': " + ec.message());
    return false;
  }
  return true;
}

std::string describe(EmitFormat f, const passes::Target &t) {
  const std::string arch = t.isAArch64() ? "aarch64" : "host";
  switch (f) {
  case EmitFormat::SharedLib: return arch + " ELF shared library";
  case EmitFormat::Object: return arch + " ELF object";
  case EmitFormat::Assembly: return arch + " assembly";
  case EmitFormat::LlvmIr: return "LLVM IR for " + arch;
  case EmitFormat::Relay: return "optimized IR text";
  }
  return "";
}

std::string bytesStr(uint64_t b) {
  char buf[64];
  if (b >= (1u << 20)) std::snprintf(buf, sizeof buf, "%.1f MiB", b / 1048576.0);
  else if (b >= 1024) std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  else std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(b));
  return buf;
}

} // namespace

std::optional<EmitFormat> parseEmitFormat(const std::string &s) {
  if (s == "so") return EmitFormat::SharedLib;
  if (s == "obj") return EmitFormat::Object;
  if (s == "asm") return EmitFormat::Assembly;
  if (s == "llvm") return EmitFormat::LlvmIr;
  if (s == "relay") return EmitFormat::Relay;
  return std::nullopt;
}

std::string defaultModuleName(const std::string &outputPath) {
  std::string stem = fs::path(outputPath).filename().string();
  stem = stem.substr(0, stem.find('.'));
  if (stem.rfind("lib", 0) == 0 && stem.size() > 3) stem = stem.substr(3);
  std::string name;
  for (char c : stem) name += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
  if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) name = "_" + name;
  if (name.size() > 64) name.resize(64);
  return name.empty() ? "model" : name;
}

std::optional<CompileResult> compileToFile(const ir::Module &optimized,
                                           const passes::Target &target,
                                           const CompileOptions &opts, DiagEngine &diag) {
  if (opts.output.empty()) {
    diag.error("-o: an output file is required");
    return std::nullopt;
  }
  const std::string name = opts.name.empty() ? defaultModuleName(opts.output) : opts.name;
  if (!isValidModuleName(name)) {
    diag.error("--name '" + name + "': not a C identifier (letters, digits, '_')");
    return std::nullopt;
  }
  initializeLlvmTargets();
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(target, diag);
  if (!tm) return std::nullopt;
  llvm::LLVMContext ctx;
  LowerOptions lo;
  lo.name = name;
  lo.exportModuleInfo = opts.emit != EmitFormat::Object;
  auto t0 = std::chrono::steady_clock::now();
  auto lowered = lowerModule(optimized, target, ctx, tm->getTargetTriple().str(),
                             tm->createDataLayout(), lo, diag);
  if (!lowered) return std::nullopt;
  CompileResult r;
  r.lowerSeconds = since(t0);
  r.meta = lowered->meta;
  r.kernels = lowered->kernels;
  r.plan = lowered->plan;
  r.numOps = lowered->numOps;
  r.what = describe(opts.emit, target);

  t0 = std::chrono::steady_clock::now();
  bool ok = true;
  switch (opts.emit) {
  case EmitFormat::Relay:
    ok = writeTextAtomic(opts.output, ir::printModule(optimized), diag);
    break;
  case EmitFormat::LlvmIr:
  case EmitFormat::Assembly:
  case EmitFormat::Object:
    if (opts.optimize) optimizeModule(*lowered->module, *tm);
    ok = emitModule(*lowered->module, *tm,
                    opts.emit == EmitFormat::LlvmIr     ? EmitKind::LlvmIr
                    : opts.emit == EmitFormat::Assembly ? EmitKind::Assembly
                                                        : EmitKind::Object,
                    opts.output, diag);
    break;
  case EmitFormat::SharedLib: {
    if (opts.optimize) optimizeModule(*lowered->module, *tm);
    std::error_code ec;
    std::string tmpl = (fs::temp_directory_path(ec) / "mtc-compile-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) {
      diag.error("cannot create a temporary folder for the object file");
      return std::nullopt;
    }
    const std::string obj = (fs::path(tmpl) / (name + ".o")).string();
    ok = emitModule(*lowered->module, *tm, EmitKind::Object, obj, diag) &&
         linkSharedLibrary(target, {obj}, opts.output, diag);
    fs::remove_all(tmpl, ec);
    break;
  }
  }
  r.llvmSeconds = since(t0);
  if (!ok) return std::nullopt;
  if (!opts.header.empty() && !writeTextAtomic(opts.header, generateHeader(r.meta), diag)) {
    // The module alone would be a partial result of this command.
    std::error_code ec;
    fs::remove(opts.output, ec);
    return std::nullopt;
  }
  return r;
}

std::string formatSummary(const CompileResult &r, const CompileOptions &opts,
                          const SourceManager &sources, double passSeconds) {
  auto loc = [&](SourceLoc l) {
    if (!l.valid()) return std::string();
    return sources.name(l.file) + ":" + std::to_string(l.line) + ":" + std::to_string(l.col);
  };
  std::ostringstream os;
  os << "mtc compile: wrote " << opts.output << " (" << r.what << ")";
  if (!opts.header.empty()) os << " and " << opts.header;
  os << "\n  target: " << r.meta.target << "\n";
  os << "  entry point: mtc_" << r.meta.name << "_run (" << r.meta.inputs.size() << " input"
     << (r.meta.inputs.size() == 1 ? "" : "s") << ", " << r.meta.outputs.size() << " output"
     << (r.meta.outputs.size() == 1 ? "" : "s") << ")\n";
  os << "  ops: " << r.numOps << " in " << r.kernels.size() << " kernel"
     << (r.kernels.size() == 1 ? "" : "s") << "\n";
  std::map<std::string, int> others;
  bool convHeader = false;
  int64_t totalMacs = 0, numConvs = 0;
  for (size_t k = 0; k < r.kernels.size(); ++k) {
    const KernelSummary &ks = r.kernels[k];
    for (size_t a = 0; a < ks.anchors.size(); ++a) {
      if (ks.anchors[a].find("conv2d") == std::string::npos) {
        ++others[ks.anchors[a] + " (" + ks.impls[a] + ")"];
        continue;
      }
      if (!convHeader) os << "  convolutions:\n";
      convHeader = true;
      os << "    k" << k << " " << ks.anchors[a];
      if (std::string l = loc(ks.anchorLocs[a]); !l.empty()) os << " at " << l;
      os << ": " << ks.impls[a];
      if (ks.anchorMacs[a]) os << ", " << ks.anchorMacs[a] << " MACs";
      totalMacs += ks.anchorMacs[a];
      ++numConvs;
      if (!ks.fused.empty()) {
        os << "; epilogue";
        if (!ks.epilogueForms[a].empty()) os << " (" << ks.epilogueForms[a] << ")";
        os << ":";
        for (size_t i = 0; i < ks.fused.size(); ++i) os << (i ? ", " : " ") << ks.fused[i];
      }
      os << "\n";
    }
  }
  if (numConvs > 1) os << "    total: " << totalMacs << " MACs in " << numConvs << " convolutions\n";
  if (!others.empty()) {
    os << "  other kernels:";
    bool first = true;
    for (const auto &[what, n] : others) {
      os << (first ? " " : ", ") << what << (n > 1 ? " x" + std::to_string(n) : "");
      first = false;
    }
    os << "\n";
  }
  os << "  workspace: " << r.meta.workspaceBytes << " bytes (" << bytesStr(r.meta.workspaceBytes)
     << "; " << r.plan.unsharedBytes << " without reuse)\n";
  os << "  constants: " << r.meta.constantBytes << " bytes (" << bytesStr(r.meta.constantBytes)
     << ")\n";
  char t[160];
  std::snprintf(t, sizeof t, "  compile time: %.2f s (passes %.2f s, lowering %.2f s, LLVM %.2f s)\n",
                passSeconds + r.lowerSeconds + r.llvmSeconds, passSeconds, r.lowerSeconds,
                r.llvmSeconds);
  os << t;
  return os.str();
}

} // namespace mtc::codegen
