// mtc — bindParams: @main parameters become constants.
// SPDX-License-Identifier: Apache-2.0
#include "passes/bind_params.h"

#include "ir/builder.h"

#include <unordered_map>

namespace mtc::passes {

std::optional<ir::Module> bindParams(const ir::Module &m,
                                     const std::map<std::string, ir::Tensor> &params,
                                     DiagEngine &diag) {
  const ir::FunctionNode *main = m.main();
  if (!main) {
    diag.error("cannot bind parameters: the module has no @main");
    return std::nullopt;
  }
  std::unordered_map<ir::Expr, ir::Expr> replace;
  std::vector<const ir::VarNode *> kept;
  ir::Builder b(m.ctx());
  bool ok = true;
  std::map<std::string, bool> used;
  for (const ir::VarNode *p : main->params) {
    auto it = params.find(p->name);
    if (it == params.end()) {
      kept.push_back(p);
      continue;
    }
    used[p->name] = true;
    const ir::Tensor &t = it->second;
    if (!p->annotation.isTensor() || p->annotation != t.type()) {
      diag.error(p->loc, "parameter '" + p->name + "' of @main has type " + p->annotation.str() +
                             ", but the bound value is " + t.type().str());
      ok = false;
      continue;
    }
    ir::Expr c = b.constant(t, p->loc);
    c->type = t.type();
    replace[p] = c;
  }
  for (const auto &[name, t] : params)
    if (!used.count(name)) {
      std::string known;
      for (const ir::VarNode *p : main->params) known += (known.empty() ? "" : ", ") + p->name;
      diag.error("bound parameter '" + name + "' is not a parameter of @main (parameters: " +
                 (known.empty() ? "none" : known) + ")");
      ok = false;
    }
  if (!ok) return std::nullopt;

  ir::Rewriter rw(m.ctx());
  ir::Expr body = rw.rewrite(main->body, [&](ir::Expr old, ir::Expr rebuilt) {
    auto it = replace.find(old);
    return it == replace.end() ? rebuilt : it->second;
  });
  auto *fn = m.ctx().make<ir::FunctionNode>();
  fn->loc = main->loc;
  fn->params = kept;
  fn->body = body;
  fn->retType = main->retType;
  fn->attrs = main->attrs;
  ir::Module out = m.shallowCopy();
  out.setFunction("main", fn);
  return out;
}

} // namespace mtc::passes
