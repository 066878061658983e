// mtc — running external tools and finding them on PATH.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/process.h"

#include <llvm/ADT/SmallString.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Program.h>

#include <optional>

namespace mtc::codegen {

ProgramResult runProgram(const std::string &program, const std::vector<std::string> &args,
                         unsigned timeoutSeconds) {
  ProgramResult r;
  // Output goes to a temporary file rather than a pipe: no deadlock on large outputs and no
  // threads; stdout and stderr share it so messages keep their order.
  llvm::SmallString<128> outPath;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("mtc-run", "txt", outPath)) {
    r.error = "cannot create a temporary file: " + ec.message();
    return r;
  }
  std::vector<llvm::StringRef> argv;
  argv.push_back(program);
  for (const std::string &a : args)
    argv.push_back(a);
  llvm::StringRef out(outPath);
  std::optional<llvm::StringRef> redirects[] = {llvm::StringRef(""), out, out};
  std::string errMsg;
  bool failedToRun = false;
  int rc = llvm::sys::ExecuteAndWait(program, argv, /*Env=*/std::nullopt, redirects,
                                     timeoutSeconds, /*MemoryLimit=*/0, &errMsg, &failedToRun);
  if (auto buf = llvm::MemoryBuffer::getFile(outPath))
    r.output = (*buf)->getBuffer().str();
  llvm::sys::fs::remove(outPath);
  if (failedToRun) {
    r.error = errMsg.empty() ? "cannot execute " + program : errMsg;
    return r;
  }
  r.started = true;
  if (rc == -2) {
    // ExecuteAndWait's convention for "terminated by a signal" (including its own SIGKILL on
    // timeout, which it reports with a message mentioning the time-out).
    r.signaled = true;
    r.error = errMsg.empty() ? "terminated by a signal" : errMsg;
    r.timedOut = timeoutSeconds != 0 && r.error.find("imed out") != std::string::npos;
    return r;
  }
  if (rc < 0) {
    r.signaled = true;
    r.error = errMsg.empty() ? "did not complete" : errMsg;
    return r;
  }
  r.exitCode = rc;
  return r;
}

std::string findTool(const std::vector<std::string> &names) {
  for (const std::string &n : names)
    if (auto p = llvm::sys::findProgramByName(n))
      return *p;
  return {};
}

std::string commandLine(const std::string &program, const std::vector<std::string> &args) {
  std::string s = program;
  for (const std::string &a : args)
    s += " " + a;
  return s;
}

} // namespace mtc::codegen
