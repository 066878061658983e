// mtc — printer of the Relay-like text format (docs/ir-text.md, "Printing").
// SPDX-License-Identifier: Apache-2.0
#include "ir/printer.h"

#include "ir/check.h"
#include "ir/op.h"

#include <cmath>
#include <fmt/format.h>
#include <iterator>
#include <unordered_map>
#include <unordered_set>

namespace mtc::ir {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isNameChar(char c) { return isNameStart(c) || isDigit(c); }

// Makes `raw` a name the lexer reads back as one token: dotted parts of [A-Za-z0-9_], each
// dot followed by a letter or '_'. Anything else becomes '_'. Idempotent, so printing a
// re-parsed module gives the same names. Local names that are all digits would clash with the
// binding numbers, so they get a 'v' prefix unless `allowDigits`.
std::string sanitizeName(std::string_view raw, bool allowDigits) {
  std::string s;
  s.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (isNameChar(c))
      s += c;
    else if (c == '.' && !s.empty() && s.back() != '.' && i + 1 < raw.size() &&
             isNameStart(raw[i + 1]))
      s += '.';
    else
      s += '_';
  }
  if (s.empty()) return "v";
  bool allDigits = true;
  for (char c : s) allDigits &= isDigit(c);
  if (allDigits && allowDigits) return s;
  if (isDigit(s[0])) s.insert(0, "v");
  return s;
}

bool isBound(Expr e) {
  switch (e->kind) {
  case ExprKind::Call:
  case ExprKind::Tuple:
  case ExprKind::TupleGetItem:
  case ExprKind::Function: return true;
  default: return false;
  }
}

/// Float text that reads back to the same float32: the shortest round-trip digits, with a '.'
/// or an exponent so it is never mistaken for an integer.
std::string floatText(float f) {
  std::string s = fmt::format("{}", f);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

class Printer {
public:
  explicit Printer(const PrintOptions &opts) : opts_(opts) {}

  void printDef(const std::string &name, const FunctionNode *fn);
  void printBareBody(const FunctionNode *wrapper);
  void printMetadata();
  std::string &out() { return out_; }

private:
  void analyse(const FunctionNode *root);
  void printFunctionTree(const FunctionNode *root, int indent, bool closeBrace);
  const FunctionNode *lca(const FunctionNode *a, const FunctionNode *b) const;
  std::string header(const FunctionNode *fn);
  std::string varName(const VarNode *v);
  std::string atom(Expr e);
  std::string operand(Expr e); ///< atom, parenthesised when a postfix would misparse
  std::string rhs(Expr e);
  std::string constantText(const ConstantNode *c);

  const PrintOptions &opts_;
  std::string out_;
  // Module-wide: non-scalar constants, numbered in order of first appearance.
  std::unordered_map<const ConstantNode *, int64_t> metaIndex_;
  std::vector<const ConstantNode *> metaList_;
  // Per top-level function.
  std::unordered_map<Expr, int64_t> number_;
  std::unordered_map<const VarNode *, std::string> varNames_;
  /// Parameter names taken in each function being printed, outermost first. A name must be
  /// new in the whole chain (so a captured outer name is never shadowed), but sibling local
  /// functions may reuse one, as TVM's `%p0` in every fused function.
  std::vector<std::unordered_set<std::string>> scopes_;
  std::unordered_map<const FunctionNode *, std::vector<Expr>> bindings_;
  std::unordered_map<const FunctionNode *, const FunctionNode *> parent_;
  std::unordered_map<const FunctionNode *, int> fnDepth_;
};

const FunctionNode *Printer::lca(const FunctionNode *a, const FunctionNode *b) const {
  while (fnDepth_.at(a) > fnDepth_.at(b)) a = parent_.at(a);
  while (fnDepth_.at(b) > fnDepth_.at(a)) b = parent_.at(b);
  while (a != b) {
    a = parent_.at(a);
    b = parent_.at(b);
  }
  return a;
}

// Numbers the bound nodes of `root` (nested functions included) in post-order and decides in
// which function body each is bound: the innermost function enclosing all its uses. A node used
// only inside a local function is bound there; one shared by two local functions is bound in
// their common parent, before both (post-order puts it before either function).
void Printer::analyse(const FunctionNode *root) {
  number_.clear();
  varNames_.clear();
  scopes_.assign(1, {});
  bindings_.clear();
  parent_.clear();
  fnDepth_.clear();
  MTC_CHECK(root->body) << "function without a body";
  std::vector<Expr> order = postOrder(root->body);
  int64_t next = 0;
  for (Expr e : order)
    if (isBound(e)) number_[e] = next++;

  std::unordered_map<Expr, const FunctionNode *> owner;
  parent_[root] = nullptr;
  fnDepth_[root] = 0;
  owner[root->body] = root;
  // Reverse post-order visits every user of a node before the node itself.
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Expr e = *it;
    const FunctionNode *own = owner.at(e);
    const FunctionNode *asFn = dyn<FunctionNode>(e);
    if (asFn && !fnDepth_.count(asFn)) {
      parent_[asFn] = own;
      fnDepth_[asFn] = fnDepth_.at(own) + 1;
    }
    for (Expr c : children(e)) {
      const FunctionNode *contrib = asFn ? asFn : own;
      auto f = owner.find(c);
      if (f == owner.end())
        owner.emplace(c, contrib);
      else
        f->second = lca(f->second, contrib);
    }
  }
  for (Expr e : order)
    if (isBound(e)) bindings_[owner.at(e)].push_back(e);
}

std::string Printer::varName(const VarNode *v) {
  auto it = varNames_.find(v);
  if (it != varNames_.end()) return it->second;
  std::string base = sanitizeName(v->name, false), name = base;
  auto taken = [&](const std::string &n) {
    for (const auto &scope : scopes_)
      if (scope.count(n)) return true;
    return false;
  };
  for (int k = 1; taken(name); ++k) name = fmt::format("{}_{}", base, k);
  scopes_.back().insert(name);
  varNames_.emplace(v, name);
  return name;
}

std::string Printer::constantText(const ConstantNode *c) {
  const Tensor &t = c->value;
  MTC_CHECK(t.defined()) << "constant without a value";
  if (t.rank() == 0) {
    switch (t.dtype()) {
    case DType::Float32: {
      float f = t.data<float>()[0];
      if (std::isfinite(f)) return floatText(f) + "f";
      break; // inf and nan have no literal form: they go to the metadata section
    }
    case DType::Bool: return t.intAt(0) ? "True" : "False";
    default: return fmt::format("{}{}", t.intAt(0), dtypeSuffix(t.dtype()));
    }
  }
  auto [it, fresh] = metaIndex_.emplace(c, static_cast<int64_t>(metaList_.size()));
  if (fresh) metaList_.push_back(c);
  return fmt::format("meta[relay.Constant][{}]", it->second);
}

std::string Printer::atom(Expr e) {
  switch (e->kind) {
  case ExprKind::Var: return "%" + varName(static_cast<const VarNode *>(e));
  case ExprKind::GlobalVar:
    return "@" + sanitizeName(static_cast<const GlobalVarNode *>(e)->name, true);
  case ExprKind::Constant: return constantText(static_cast<const ConstantNode *>(e));
  default: {
    auto it = number_.find(e);
    MTC_CHECK(it != number_.end()) << "printer: node not numbered";
    return fmt::format("%{}", it->second);
  }
  }
}

std::string Printer::operand(Expr e) {
  // `128.0` would read back as a float and `128(…)` is odd: literals get parentheses.
  return e->kind == ExprKind::Constant ? "(" + atom(e) + ")" : atom(e);
}

std::string Printer::rhs(Expr e) {
  std::string s;
  switch (e->kind) {
  case ExprKind::Call: {
    auto c = static_cast<const CallNode *>(e);
    MTC_CHECK(c->op || c->callee) << "call without op or callee";
    s = c->op ? c->op->name : operand(c->callee);
    s += '(';
    bool first = true;
    for (Expr a : c->args) {
      if (!first) s += ", ";
      first = false;
      s += atom(a);
    }
    if (c->attrs) {
      for (const auto &[k, v] : c->attrs->nonDefault()) {
        if (!first) s += ", ";
        first = false;
        s += k + "=" + v.str();
      }
    }
    return s + ')';
  }
  case ExprKind::Tuple: {
    auto t = static_cast<const TupleNode *>(e);
    s = "(";
    for (size_t i = 0; i < t->fields.size(); ++i) {
      if (i) s += ", ";
      s += atom(t->fields[i]);
    }
    if (t->fields.size() == 1) s += ',';
    return s + ')';
  }
  case ExprKind::TupleGetItem: {
    auto g = static_cast<const TupleGetItemNode *>(e);
    return fmt::format("{}.{}", operand(g->tuple), g->index);
  }
  default: MTC_UNREACHABLE("rhs of an unbound node");
  }
}

std::string Printer::header(const FunctionNode *fn) {
  std::string s = "(";
  bool first = true;
  for (const VarNode *p : fn->params) {
    if (!first) s += ", ";
    first = false;
    s += "%" + varName(p);
    const Type &t = p->annotation.isUnknown() ? p->type : p->annotation;
    if (!t.isUnknown()) s += ": " + t.str();
  }
  for (const auto &[k, v] : fn->attrs) {
    if (!first) s += ", ";
    first = false;
    s += k + "=" + v.str();
  }
  s += ")";
  // An inferred body type is shown as the return type, but a constant's type is not inferred
  // (it is set when the constant is made): showing it would make print(parse(x)) declare a
  // return type that parse(x) lacks.
  const Type &ret = !fn->retType.isUnknown() || fn->body->kind == ExprKind::Constant
                        ? fn->retType
                        : fn->body->type;
  if (!ret.isUnknown()) s += " -> " + ret.str();
  return s;
}

// Prints the bindings and result of `root` and of the local functions bound in it. The nesting
// of local functions is walked with an explicit stack, not recursion.
void Printer::printFunctionTree(const FunctionNode *root, int indent, bool closeBrace) {
  struct Frame {
    const FunctionNode *fn;
    size_t next;
    int indent;
  };
  std::vector<Frame> stack{{root, 0, indent}};
  auto pad = [&](int n) { out_.append(static_cast<size_t>(n), ' '); };
  while (!stack.empty()) {
    Frame &f = stack.back();
    const std::vector<Expr> &list = bindings_[f.fn];
    if (f.next == list.size()) {
      pad(f.indent);
      out_ += atom(f.fn->body) + "\n";
      int inner = f.indent;
      stack.pop_back();
      if (!stack.empty()) {
        scopes_.pop_back();
        pad(inner - 2);
        out_ += "};\n";
      } else if (closeBrace) {
        out_ += "}\n";
      }
      continue;
    }
    Expr e = list[f.next++];
    int at = f.indent;
    pad(at);
    out_ += fmt::format("%{} = ", number_.at(e));
    if (const FunctionNode *fn = dyn<FunctionNode>(e)) {
      scopes_.emplace_back();
      out_ += "fn " + header(fn) + " {\n";
      stack.push_back({fn, 0, at + 2}); // `f` is dangling from here on
      continue;
    }
    out_ += rhs(e);
    if (opts_.showTypes && !e->type.isUnknown()) out_ += " /* ty=" + e->type.str() + " */";
    out_ += ";\n";
  }
}

void Printer::printDef(const std::string &name, const FunctionNode *fn) {
  analyse(fn);
  out_ += "def @" + sanitizeName(name, true) + header(fn) + " {\n";
  printFunctionTree(fn, 2, true);
}

void Printer::printBareBody(const FunctionNode *wrapper) {
  analyse(wrapper);
  printFunctionTree(wrapper, 0, false);
}

void Printer::printMetadata() {
  if (metaList_.empty()) return;
  out_ += "\n#[metadata]\n";
  auto outIt = std::back_inserter(out_);
  for (size_t k = 0; k < metaList_.size(); ++k) {
    const Tensor &t = metaList_[k]->value;
    out_ += fmt::format("meta[relay.Constant][{}] = {} [", k, t.type().str());
    int64_t n = t.numElements();
    for (int64_t i = 0; i < n; ++i) {
      if (i) out_ += ", ";
      if (t.dtype() == DType::Float32)
        fmt::format_to(outIt, "{}", t.data<float>()[i]);
      else
        fmt::format_to(outIt, "{}", t.intAt(i));
    }
    out_ += "]\n";
  }
}

} // namespace

std::string printModule(const Module &m, const PrintOptions &opts) {
  Printer p(opts);
  if (opts.versionHeader) p.out() += "#[version = \"0.0.5\"]\n";
  bool first = true;
  for (const auto &[name, fn] : m.functions()) {
    if (!first) p.out() += "\n";
    first = false;
    p.printDef(name, fn);
  }
  p.printMetadata();
  return std::move(p.out());
}

std::string printExpr(Expr e, const PrintOptions &opts) {
  MTC_CHECK(e) << "printExpr of null";
  Printer p(opts);
  FunctionNode wrapper; // a stand-in scope; never escapes this call
  wrapper.body = e;
  p.printBareBody(&wrapper);
  return std::move(p.out());
}

} // namespace mtc::ir
