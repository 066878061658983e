// mtc — DeadCodeElimination: drops module functions that @main cannot reach.
// SPDX-License-Identifier: Apache-2.0
//
// Inside a function nothing can be dead: a body is a graph whose nodes are exactly those
// reachable from its result (`%x = ...;` bindings are printing sugar), so an unused binding is
// never part of the IR in the first place. @main's parameters are the module's interface and
// are never removed, even if unused.
#include "passes/passes.h"

#include <set>

namespace mtc::passes {

std::optional<ir::Module> deadCodeElimination(const ir::Module &m, PassContext &ctx) {
  if (!m.main()) {
    ctx.diag.error("DeadCodeElimination: the module has no @main");
    return std::nullopt;
  }
  std::set<std::string> live{"main"};
  std::vector<const ir::FunctionNode *> work{m.main()};
  while (!work.empty()) {
    const ir::FunctionNode *fn = work.back();
    work.pop_back();
    for (ir::Expr e : ir::postOrder(fn)) {
      const ir::GlobalVarNode *g = ir::dyn<ir::GlobalVarNode>(e);
      if (!g || live.count(g->name)) continue;
      const ir::FunctionNode *callee = m.function(g->name);
      if (!callee) {
        ctx.diag.error(g->loc, "DeadCodeElimination: @" + g->name + " is not a function of "
                                                                    "the module");
        return std::nullopt;
      }
      live.insert(g->name);
      work.push_back(callee);
    }
  }
  ir::Module out(m.ctxPtr());
  std::string removed;
  int count = 0;
  for (const auto &[name, fn] : m.functions()) {
    if (live.count(name)) {
      out.setFunction(name, fn);
    } else {
      removed += (count++ ? ", @" : " (@") + name;
    }
  }
  if (count) removed += ")";
  ctx.report("DeadCodeElimination: " + std::to_string(count) +
             (count == 1 ? " function removed" : " functions removed") + removed);
  return out;
}

} // namespace mtc::passes
