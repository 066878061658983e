// mtc — building the runner on demand and running modules with it (natively or under qemu).
// SPDX-License-Identifier: Apache-2.0
#include "codegen/runner.h"

#include "codegen/process.h"
#include "codegen/qemu.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace mtc::codegen {

namespace {
#include "codegen/runtime_sources.inc"

namespace fs = std::filesystem;

uint64_t fnv1a(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

bool writeFile(const fs::path &p, std::string_view text) {
  std::ofstream f(p, std::ios::binary);
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
  return static_cast<bool>(f);
}

std::string hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

} // namespace

std::string_view runtimeHeaderText() { return kRuntimeHeaderText; }
std::string_view runnerSourceText() { return kRunnerSourceText; }

std::string runnerCacheDir() {
  auto env = [](const char *n) -> std::string {
    const char *v = std::getenv(n);
    return v && *v ? v : "";
  };
  if (std::string d = env("MTC_CACHE_DIR"); !d.empty()) return d;
  if (std::string d = env("XDG_CACHE_HOME"); !d.empty()) return d + "/mtc";
  if (std::string d = env("HOME"); !d.empty()) return d + "/.cache/mtc";
  std::error_code ec;
  return (fs::temp_directory_path(ec) / ("mtc-cache-" + std::to_string(getuid()))).string();
}

std::string hostMachine() {
  struct utsname u;
  if (uname(&u) != 0) return "";
  return u.machine;
}

std::optional<std::string> ensureRunner(const std::string &arch, DiagEngine &diag,
                                        bool progress) {
  const bool cross = arch != hostMachine();
  std::string cc;
  if (cross) {
    if (arch != "aarch64") {
      diag.error("cannot run a module for " + arch + " on this " + hostMachine() + " machine");
      return std::nullopt;
    }
    cc = findTool({"aarch64-linux-gnu-gcc"});
    if (cc.empty()) {
      diag.error("cannot build the aarch64 runner: aarch64-linux-gnu-gcc is not on PATH; install "
                 "the Debian package g++-aarch64-linux-gnu");
      return std::nullopt;
    }
  } else {
    cc = findTool({"cc", "gcc", "clang"});
    if (cc.empty()) {
      diag.error("cannot build the runner: no C compiler (cc) on PATH; install the Debian "
                 "package gcc");
      return std::nullopt;
    }
  }
  // The name covers the sources and the compiler, so a new mtc never runs a stale runner.
  const uint64_t h = fnv1a(cc, fnv1a(runnerSourceText(), fnv1a(runtimeHeaderText())));
  fs::path dir = runnerCacheDir();
  std::error_code ec;
  fs::create_directories(dir, ec);
  const char *explicitDir = std::getenv("MTC_CACHE_DIR");
  if (ec && !(explicitDir && *explicitDir)) {
    // An unwritable home (CI sandboxes) should not stop a run: use the temporary folder.
    dir = fs::temp_directory_path(ec) / ("mtc-cache-" + std::to_string(getuid()));
    fs::create_directories(dir, ec);
  }
  const fs::path exe = dir / ("mtc_runner-" + arch + "-" + hex(h));
  if (fs::exists(exe)) return exe.string();
  if (ec) {
    diag.error("cannot create the runner cache '" + dir.string() + "': " + ec.message() +
               " (set MTC_CACHE_DIR to a writable folder)");
    return std::nullopt;
  }
  // Build in a private folder, then rename into place: concurrent builds cannot clash and a
  // failed build leaves nothing behind.
  std::string tmpl = (dir / "build-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    diag.error("cannot create a build folder in '" + dir.string() + "'");
    return std::nullopt;
  }
  const fs::path work = tmpl;
  if (progress) std::fprintf(stderr, "mtc run: building the %s runner with %s\n", arch.c_str(), cc.c_str());
  const fs::path src = work / "mtc_runner.c", out = work / "mtc_runner";
  bool ok = writeFile(work / "mtc_runtime.h", runtimeHeaderText()) &&
            writeFile(src, runnerSourceText());
  ProgramResult r;
  if (ok) {
    std::vector<std::string> args = {"-std=c99", "-O2", "-o", out.string(), src.string()};
    if (!cross) args.push_back("-ldl");
    r = runProgram(cc, args, 120);
    ok = r.ok();
  }
  if (ok) fs::rename(out, exe, ec);
  fs::remove_all(work, ec);
  if (!ok) {
    diag.error("building the " + arch + " runner with " + cc + " failed" +
               (r.output.empty() ? std::string(r.error.empty() ? "" : ": " + r.error)
                                 : ":\n" + r.output));
    return std::nullopt;
  }
  return exe.string();
}

bool runModule(const std::string &modulePath, const ModuleMeta &meta, const RunOptions &opts,
               DiagEngine &diag) {
  const std::string arch = elfMachine(modulePath);
  if (arch.empty()) {
    diag.error(modulePath + ": not an ELF shared library");
    return false;
  }
  std::error_code ec;
  // An absolute path: dlopen would search the library path for a bare file name.
  const std::string module = fs::absolute(modulePath, ec).string();
  auto runner = ensureRunner(arch, diag, opts.progress);
  if (!runner) return false;
  std::vector<std::string> args = {module, "--repeat", std::to_string(opts.repeat),
                                   "--output-dir", opts.outputDir};
  args.insert(args.end(), opts.inputs.begin(), opts.inputs.end());
  ProgramResult r;
  std::string where;
  if (arch == hostMachine()) {
    r = runProgram(*runner, args, opts.timeoutSeconds);
  } else {
    auto qemu = findQemu(diag);
    if (!qemu) return false;
    const std::string cpu = !opts.cpu.empty() ? opts.cpu : !meta.qemuCpu.empty() ? meta.qemuCpu : "max";
    where = " under qemu-aarch64 -cpu " + cpu;
    if (opts.progress) std::fprintf(stderr, "mtc run: running%s\n", where.c_str());
    r = runUnderQemu(*qemu, cpu, *runner, args, opts.timeoutSeconds);
  }
  if (r.ok()) {
    std::fputs(r.output.c_str(), stdout);
    return true;
  }
  std::fputs(r.output.c_str(), stderr);
  if (!r.started) {
    diag.error("cannot start the runner" + where + ": " + r.error);
  } else if (r.timedOut) {
    diag.error(modulePath + ": timed out after " + std::to_string(opts.timeoutSeconds) + " s" + where);
  } else if (r.signaled) {
    std::string hint = r.error.find("llegal") != std::string::npos
                           ? " (the module uses an instruction this cpu lacks; its target is '" +
                                 meta.target + "')"
                           : "";
    diag.error(modulePath + ": the run crashed" + where + ": " + r.error + hint);
  } else if (r.output.find("error:") == std::string::npos) {
    diag.error(modulePath + ": the runner failed with exit code " + std::to_string(r.exitCode) + where);
  }
  return false;
}

} // namespace mtc::codegen
