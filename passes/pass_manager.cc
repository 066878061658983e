// mtc — the pass manager.
// SPDX-License-Identifier: Apache-2.0
#include "passes/pass_manager.h"

#include "ir/infer_type.h"
#include "ir/op.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/pass.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace mtc::passes {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

// Splits "A, B,C" into trimmed names, reporting unknown or empty ones.
std::optional<std::vector<std::string>> parseNames(std::string_view list, DiagEngine &diag,
                                                   const std::string &what) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = list.find(',', start);
    std::string name = trim(list.substr(start, end == std::string_view::npos ? end : end - start));
    if (name.empty()) {
      diag.error("empty pass name in " + what + " '" + std::string(list) + "' (valid passes: " +
                 validPassNames() + ")");
      return std::nullopt;
    }
    if (!findPass(name)) {
      diag.error("unknown pass '" + name + "' in " + what + " (valid passes: " + validPassNames() +
                 ")");
      return std::nullopt;
    }
    out.push_back(name);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

// Passes that may run on fused IR (Primitive functions): they neither look into nor create
// op calls outside the fused functions.
bool runsOnFusedIr(const std::string &pass) {
  return pass == "InferType" || pass == "DeadCodeElimination";
}

// What the module contains that passes have preconditions on.
struct IrFacts {
  ir::Expr firstQnn = nullptr;       // any qnn.* call
  ir::Expr firstQnnConv = nullptr;   // a qnn.conv2d call
  ir::Expr firstPrimitive = nullptr; // a function literal with Primitive=1
};

IrFacts scan(const ir::Module &m) {
  IrFacts f;
  for (const auto &[name, fn] : m.functions()) {
    for (ir::Expr e : ir::postOrder(fn)) {
      if (const ir::CallNode *c = ir::dyn<ir::CallNode>(e); c && c->op) {
        if (!f.firstQnn && c->op->name.rfind("qnn.", 0) == 0) f.firstQnn = e;
        if (!f.firstQnnConv && c->op->name == "qnn.conv2d") f.firstQnnConv = e;
      } else if (const ir::FunctionNode *lf = ir::dyn<ir::FunctionNode>(e)) {
        if (!f.firstPrimitive && lf != fn && lf->attrs.count("Primitive")) f.firstPrimitive = e;
      }
    }
  }
  return f;
}

// The dynamic half of the order rules: what the IR must not contain when `pass` starts.
bool checkPrecondition(const std::string &pass, const ir::Module &m, DiagEngine &diag) {
  IrFacts f = scan(m);
  if (f.firstPrimitive && !runsOnFusedIr(pass)) {
    diag.error(f.firstPrimitive->loc,
               pass + " cannot run on fused IR (this function has Primitive=1); after FuseOps "
                      "only InferType and DeadCodeElimination can run");
    return false;
  }
  if (pass == "AlterOpLayout" && f.firstQnnConv) {
    diag.error(f.firstQnnConv->loc, "AlterOpLayout needs qnn.conv2d lowered to nn.conv2d, but "
                                    "this qnn.conv2d remains; run QnnCanonicalize before "
                                    "AlterOpLayout");
    return false;
  }
  if (pass == "FuseOps" && f.firstQnn) {
    const auto *c = static_cast<const ir::CallNode *>(f.firstQnn);
    diag.error(f.firstQnn->loc, "FuseOps needs QNN ops lowered, but this " + c->op->name +
                                    " remains; run QnnCanonicalize before FuseOps");
    return false;
  }
  return true;
}

void dumpModule(std::ostream &os, const char *when, const std::string &pass,
                const ir::Module &m) {
  os << "// IR " << when << " " << pass << "\n";
  std::string text = ir::printModule(m);
  os << text;
  if (text.empty() || text.back() != '\n') os << "\n";
  os.flush();
}

} // namespace

std::vector<std::string> PipelineLog::allReports() const {
  std::vector<std::string> out;
  for (const PassRecord &p : passes) out.insert(out.end(), p.reports.begin(), p.reports.end());
  return out;
}

std::string validPassNames() {
  std::string s;
  for (const PassInfo &p : allPasses()) s += (s.empty() ? "" : ", ") + p.name;
  return s;
}

std::vector<std::string> optLevelPipeline(int level) {
  std::vector<std::string> p;
  if (level < 0 || level > 3) return p;
  p.push_back("InferType");
  if (level >= 1) {
    for (const char *n : {"QnnLegalize", "QnnCanonicalize", "Legalize"}) p.push_back(n);
  }
  if (level >= 2) {
    // FoldConstant runs twice: first on the canonicalised zero-point terms (so SimplifyExpr
    // sees them as constants and can merge them with the bias), then on what SimplifyExpr and
    // AlterOpLayout created (the packed weights become constants before fusion).
    for (const char *n : {"FoldConstant", "SimplifyExpr", "AlterOpLayout", "FoldConstant"})
      p.push_back(n);
  }
  if (level >= 3) p.push_back("FuseOps");
  if (level >= 1) p.push_back("DeadCodeElimination");
  return p;
}

bool checkPipelineOrder(const std::vector<std::string> &pipeline, DiagEngine &diag) {
  bool fused = false, canonical = false;
  for (const std::string &name : pipeline) {
    if (fused && !runsOnFusedIr(name)) {
      diag.error("impossible pass order: " + name +
                 " after FuseOps (only InferType and DeadCodeElimination can run on fused IR)");
      return false;
    }
    if (name == "QnnLegalize" && canonical) {
      diag.error("impossible pass order: QnnLegalize after QnnCanonicalize (the qnn.conv2d it "
                 "legalizes no longer exist)");
      return false;
    }
    fused |= name == "FuseOps";
    canonical |= name == "QnnCanonicalize";
  }
  return true;
}

std::optional<std::vector<std::string>> parsePipelineSpec(std::string_view spec,
                                                          DiagEngine &diag) {
  std::string s = trim(spec);
  std::string level = s.rfind("-O", 0) == 0 ? s.substr(1) : s;
  if (level.size() == 2 && level[0] == 'O' && level[1] >= '0' && level[1] <= '3')
    return optLevelPipeline(level[1] - '0');
  if (s.rfind("-O", 0) == 0) {
    diag.error("unknown optimisation level '" + s + "' (expected -O0, -O1, -O2 or -O3)");
    return std::nullopt;
  }
  std::optional<std::vector<std::string>> names = parseNames(s, diag, "pipeline");
  if (!names || !checkPipelineOrder(*names, diag)) return std::nullopt;
  return names;
}

std::optional<std::set<std::string>> parsePassNameSet(std::string_view list, DiagEngine &diag,
                                                      const char *flag) {
  std::set<std::string> out;
  if (trim(list) == "all") {
    for (const PassInfo &p : allPasses()) out.insert(p.name);
    return out;
  }
  std::optional<std::vector<std::string>> names = parseNames(list, diag, flag);
  if (!names) return std::nullopt;
  out.insert(names->begin(), names->end());
  return out;
}

std::optional<ir::Module> runPipeline(const ir::Module &m, const PassOptions &opts,
                                      const Target &target, DiagEngine &diag, PipelineLog *log) {
  std::ostream &os = opts.dump ? *opts.dump : std::cerr;
  std::vector<const PassInfo *> passes;
  for (const std::string &name : opts.pipeline) {
    const PassInfo *p = findPass(name);
    if (!p) {
      diag.error("unknown pass '" + name + "' (valid passes: " + validPassNames() + ")");
      return std::nullopt;
    }
    passes.push_back(p);
  }
  for (const std::set<std::string> *set : {&opts.printBefore, &opts.printAfter})
    for (const std::string &name : *set)
      if (!findPass(name)) {
        diag.error("unknown pass '" + name + "' in a --print-ir option (valid passes: " +
                   validPassNames() + ")");
        return std::nullopt;
      }
  if (!checkPipelineOrder(opts.pipeline, diag)) return std::nullopt;

  // Passes assume a typed input; a type error here is the user's model, not a pass.
  if (opts.verifyEach && !ir::verifyModule(m, diag)) return std::nullopt;
  if (!ir::inferTypes(m, diag)) return std::nullopt;

  PipelineLog local;
  PipelineLog &out = log ? *log : local;
  ir::Module cur = m;
  for (const PassInfo *p : passes) {
    if (!checkPrecondition(p->name, cur, diag)) return std::nullopt;
    if (opts.printBeforeAll || opts.printBefore.count(p->name))
      dumpModule(os, "before", p->name, cur);

    PassContext ctx{target, diag, {}};
    PassRecord rec;
    rec.name = p->name;
    int errorsBefore = diag.errorCount();
    Clock::time_point t0 = Clock::now();
    std::optional<ir::Module> next = p->run(cur, ctx);
    rec.seconds = secondsSince(t0);
    if (!next) {
      if (diag.errorCount() == errorsBefore) diag.error(p->name + " failed");
      return std::nullopt;
    }

    t0 = Clock::now();
    if (opts.verifyEach && !ir::verifyModule(*next, diag)) {
      diag.error("internal error: the module after " + p->name + " is malformed (see above)");
      return std::nullopt;
    }
    if (!ir::inferTypes(*next, diag)) {
      diag.error("internal error: the module after " + p->name +
                 " does not type-check (see above)");
      return std::nullopt;
    }
    rec.retypeSeconds = secondsSince(t0);
    rec.reports = std::move(ctx.reports);
    if (opts.printReports)
      for (const std::string &r : rec.reports) os << "// " << r << "\n";
    out.passes.push_back(std::move(rec));
    cur = std::move(*next);
    if (opts.printAfterAll || opts.printAfter.count(p->name)) dumpModule(os, "after", p->name, cur);
  }
  if (opts.printPassTimes) os << formatPassTimes(out);
  return cur;
}

std::string formatPassTimes(const PipelineLog &log) {
  double total = 0, retype = 0;
  for (const PassRecord &p : log.passes) {
    total += p.seconds + p.retypeSeconds;
    retype += p.retypeSeconds;
  }
  std::ostringstream os;
  char line[256];
  std::snprintf(line, sizeof line, "%-22s %10s %7s  %s\n", "Pass", "Time (ms)", "Share", "Report");
  os << line;
  auto row = [&](const std::string &name, double secs, const std::string &report) {
    double share = total > 0 ? 100.0 * secs / total : 0.0;
    std::snprintf(line, sizeof line, "%-22s %10.3f %6.1f%%  %s\n", name.c_str(), secs * 1e3, share,
                  report.c_str());
    os << line;
  };
  for (const PassRecord &p : log.passes) {
    std::string first = p.reports.empty() ? "" : p.reports.front();
    row(p.name, p.seconds, first);
    for (size_t i = 1; i < p.reports.size(); ++i) {
      std::snprintf(line, sizeof line, "%-22s %10s %7s  %s\n", "", "", "", p.reports[i].c_str());
      os << line;
    }
  }
  row("(re-typing, verify)", retype, "");
  row("Total", total, "");
  return os.str();
}

} // namespace mtc::passes
