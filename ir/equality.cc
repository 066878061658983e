// mtc — structural equality of modules and expressions with a first-difference path.
//
// The comparison is a pre-order walk over pairs of nodes driven by an explicit stack, so the
// first difference found is the first one in reading order and chains of any length compare
// without recursion. Each pair remembers its parent and the edge that led to it; the path text
// is built only when a difference is found.
// SPDX-License-Identifier: Apache-2.0
#include "ir/equality.h"

#include "ir/op.h"

#include <cstdio>
#include <set>
#include <unordered_map>

namespace mtc::ir {

namespace {

std::string describe(Expr e) {
  if (!e) return "nothing";
  switch (e->kind) {
  case ExprKind::Var: return "%" + static_cast<const VarNode *>(e)->name;
  case ExprKind::GlobalVar: return "@" + static_cast<const GlobalVarNode *>(e)->name;
  case ExprKind::Constant: return "constant";
  case ExprKind::Call: {
    auto c = static_cast<const CallNode *>(e);
    if (c->op) return "call " + c->op->name;
    if (auto g = dyn<GlobalVarNode>(c->callee)) return "call @" + g->name;
    return "call of a fn";
  }
  case ExprKind::Tuple: return "tuple";
  case ExprKind::TupleGetItem:
    return "tuple item ." + std::to_string(static_cast<const TupleGetItemNode *>(e)->index);
  case ExprKind::Function: return "fn";
  }
  return "node";
}

std::string elementStr(const Tensor &t, int64_t i) {
  if (t.dtype() == DType::Float32) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", t.floatAt(i));
    return buf;
  }
  return std::to_string(t.intAt(i));
}

class Comparer {
public:
  explicit Comparer(std::string *why) : why_(why) {}

  /// Compares two module-level functions; `prefix` ("@main") starts every path.
  bool compareFunctions(const FunctionNode *a, const FunctionNode *b, const std::string &prefix) {
    prefix_ = prefix;
    return run(a, b);
  }

  bool compareExprs(Expr a, Expr b) {
    prefix_.clear();
    return run(a, b);
  }

  bool fail(const std::string &msg) {
    if (why_) *why_ = msg;
    return false;
  }

private:
  struct Item {
    Expr a, b;
    int parent;
    std::string edge; ///< how the parent reaches this pair: "arg 0", "body", ...
  };

  bool run(Expr a, Expr b) {
    items_.clear();
    stack_.clear();
    push(a, b, -1, "");
    while (!stack_.empty()) {
      int k = stack_.back();
      stack_.pop_back();
      if (!step(k)) return false;
    }
    return true;
  }

  void push(Expr a, Expr b, int parent, std::string edge) {
    items_.push_back({a, b, parent, std::move(edge)});
    stack_.push_back(static_cast<int>(items_.size() - 1));
  }

  /// Path to item k. `self` says whether the item's own node is named (it is not when the
  /// difference is the node itself, e.g. "call nn.relu vs constant").
  std::string path(int k, bool self) const {
    std::vector<std::string> parts;
    for (int i = k; i >= 0; i = items_[i].parent) {
      bool topFunction = items_[i].parent < 0 && !prefix_.empty();
      if ((i != k || self) && !topFunction) parts.push_back(describe(items_[i].a));
      if (!items_[i].edge.empty()) parts.push_back(items_[i].edge);
    }
    if (!prefix_.empty()) parts.push_back(prefix_);
    // Very deep differences keep the start and the end of the path readable.
    constexpr size_t kHead = 6, kTail = 10;
    std::string out;
    size_t n = parts.size();
    for (size_t j = 0; j < n; ++j) {
      size_t idx = n - 1 - j; // parts were collected from the leaf up
      if (n > kHead + kTail && j == kHead) {
        out += "... (" + std::to_string(n - kHead - kTail) + " more steps) ...: ";
        j = n - kTail - 1;
        continue;
      }
      out += parts[idx] + ": ";
    }
    return out;
  }

  bool differ(int k, const std::string &msg, bool self = true) {
    return fail(path(k, self) + msg);
  }

  /// Nodes that compute something (calls, fn literals) must correspond one to one, so that a
  /// duplicated or merged computation is a difference. Leaves and tuple plumbing may be shared
  /// or duplicated freely (the text format prints them inline).
  bool mapStrict(int k, Expr a, Expr b, bool &alreadyDone) {
    auto ia = nodeAB_.find(a);
    auto ib = nodeBA_.find(b);
    if (ia != nodeAB_.end() || ib != nodeBA_.end()) {
      if (ia != nodeAB_.end() && ia->second == b) {
        alreadyDone = true;
        return true;
      }
      return differ(k, "sharing differs: the node is shared on one side and duplicated on the "
                       "other");
    }
    nodeAB_[a] = b;
    nodeBA_[b] = a;
    alreadyDone = false;
    return true;
  }

  bool mapVar(int k, const VarNode *a, const VarNode *b) {
    auto ia = varAB_.find(a);
    auto ib = varBA_.find(b);
    if (ia != varAB_.end() || ib != varBA_.end()) {
      if (ia != varAB_.end() && ia->second == b) return true;
      return differ(k, "%" + a->name + " vs %" + b->name + " (a different variable)", false);
    }
    if (a->annotation != b->annotation)
      return differ(k, "type of %" + a->name + ": " + a->annotation.str() + " vs " +
                           b->annotation.str(),
                    false);
    varAB_[a] = b;
    varBA_[b] = a;
    return true;
  }

  bool compareAttrs(int k, const Attrs *a, const Attrs *b) {
    if (!a && !b) return true;
    if (!a || !b)
      return differ(k, "attrs " + std::string(a ? a->typeName() : "none") + " vs " +
                           std::string(b ? b->typeName() : "none"));
    if (a->typeName() != b->typeName())
      return differ(k, "attrs " + std::string(a->typeName()) + " vs " +
                           std::string(b->typeName()));
    AttrList la = a->all(), lb = b->all();
    for (size_t i = 0; i < la.size() && i < lb.size(); ++i)
      if (la[i] != lb[i])
        return differ(k, "attr " + la[i].first + ": " + la[i].second.str() + " vs " +
                             lb[i].second.str());
    return true;
  }

  bool compareFnHeader(int k, const FunctionNode *a, const FunctionNode *b) {
    if (a->params.size() != b->params.size())
      return differ(k, std::to_string(a->params.size()) + " params vs " +
                           std::to_string(b->params.size()));
    for (size_t i = 0; i < a->params.size(); ++i) {
      const VarNode *pa = a->params[i], *pb = b->params[i];
      if (pa->annotation != pb->annotation)
        return differ(k, "param " + std::to_string(i) + " (%" + pa->name + "): type " +
                             pa->annotation.str() + " vs " + pb->annotation.str());
      if (!mapVar(k, pa, pb)) return false;
    }
    if (a->retType != b->retType)
      return differ(k, "return type " + a->retType.str() + " vs " + b->retType.str());
    auto ia = a->attrs.begin(), ib = b->attrs.begin();
    for (; ia != a->attrs.end() || ib != b->attrs.end(); ++ia, ++ib) {
      if (ia == a->attrs.end()) return differ(k, "attr " + ib->first + ": missing vs present");
      if (ib == b->attrs.end()) return differ(k, "attr " + ia->first + ": present vs missing");
      if (ia->first != ib->first)
        return differ(k, "attr " + std::min(ia->first, ib->first) + ": only on one side");
      if (ia->second != ib->second)
        return differ(k, "attr " + ia->first + ": " + ia->second.str() + " vs " +
                             ib->second.str());
    }
    push(a->body, b->body, k, "body");
    return true;
  }

  bool compareConstants(int k, const Tensor &a, const Tensor &b) {
    if (a.dtype() != b.dtype() || a.shape() != b.shape())
      return differ(k, a.type().str() + " vs " + b.type().str());
    if (a.bitEqual(b)) return true;
    for (int64_t i = 0; i < a.numElements(); ++i) {
      size_t w = static_cast<size_t>(dtypeBytes(a.dtype()));
      if (std::memcmp(a.rawData() + i * w, b.rawData() + i * w, w) != 0)
        return differ(k, "element " + std::to_string(i) + ": " + elementStr(a, i) + " vs " +
                             elementStr(b, i));
    }
    return differ(k, "data differs");
  }

  bool step(int k) {
    Expr a = items_[k].a, b = items_[k].b;
    if (!a || !b) {
      if (a == b) return true;
      return differ(k, describe(a) + " vs " + describe(b), false);
    }
    if (a->kind != b->kind) return differ(k, describe(a) + " vs " + describe(b), false);
    switch (a->kind) {
    case ExprKind::Var:
      return mapVar(k, static_cast<const VarNode *>(a), static_cast<const VarNode *>(b));
    case ExprKind::GlobalVar:
      if (static_cast<const GlobalVarNode *>(a)->name !=
          static_cast<const GlobalVarNode *>(b)->name)
        return differ(k, describe(a) + " vs " + describe(b), false);
      return true;
    case ExprKind::Constant:
      return compareConstants(k, static_cast<const ConstantNode *>(a)->value,
                              static_cast<const ConstantNode *>(b)->value);
    case ExprKind::Call: {
      auto ca = static_cast<const CallNode *>(a), cb = static_cast<const CallNode *>(b);
      if (ca->op != cb->op || !ca->callee != !cb->callee)
        return differ(k, describe(a) + " vs " + describe(b), false);
      bool done = false;
      if (!mapStrict(k, a, b, done)) return false;
      if (done) return true;
      if (!compareAttrs(k, ca->attrs.get(), cb->attrs.get())) return false;
      if (ca->args.size() != cb->args.size())
        return differ(k, std::to_string(ca->args.size()) + " args vs " +
                             std::to_string(cb->args.size()));
      for (size_t i = ca->args.size(); i-- > 0;)
        push(ca->args[i], cb->args[i], k, "arg " + std::to_string(i));
      if (ca->callee) push(ca->callee, cb->callee, k, "callee");
      return true;
    }
    case ExprKind::Tuple: {
      auto ta = static_cast<const TupleNode *>(a), tb = static_cast<const TupleNode *>(b);
      if (!donePairs_.insert({a, b}).second) return true;
      if (ta->fields.size() != tb->fields.size())
        return differ(k, std::to_string(ta->fields.size()) + " fields vs " +
                             std::to_string(tb->fields.size()));
      for (size_t i = ta->fields.size(); i-- > 0;)
        push(ta->fields[i], tb->fields[i], k, "field " + std::to_string(i));
      return true;
    }
    case ExprKind::TupleGetItem: {
      auto ga = static_cast<const TupleGetItemNode *>(a);
      auto gb = static_cast<const TupleGetItemNode *>(b);
      if (ga->index != gb->index) return differ(k, describe(a) + " vs " + describe(b), false);
      if (!donePairs_.insert({a, b}).second) return true;
      push(ga->tuple, gb->tuple, k, "tuple");
      return true;
    }
    case ExprKind::Function: {
      bool done = false;
      if (!mapStrict(k, a, b, done)) return false;
      if (done) return true;
      return compareFnHeader(k, static_cast<const FunctionNode *>(a),
                             static_cast<const FunctionNode *>(b));
    }
    }
    return differ(k, "unknown node kind");
  }

  std::string *why_;
  std::string prefix_;
  std::vector<Item> items_;
  std::vector<int> stack_;
  std::unordered_map<const VarNode *, const VarNode *> varAB_, varBA_;
  std::unordered_map<Expr, Expr> nodeAB_, nodeBA_;
  std::set<std::pair<Expr, Expr>> donePairs_;
};

} // namespace

bool structurallyEqual(const Module &a, const Module &b, std::string *why) {
  Comparer c(why);
  const auto &fa = a.functions(), &fb = b.functions();
  for (size_t i = 0; i < fa.size() || i < fb.size(); ++i) {
    if (i >= fa.size()) return c.fail("@" + fb[i].first + ": only in the second module");
    if (i >= fb.size()) return c.fail("@" + fa[i].first + ": only in the first module");
    if (fa[i].first != fb[i].first)
      return c.fail("function " + std::to_string(i) + ": @" + fa[i].first + " vs @" +
                    fb[i].first);
    if (!c.compareFunctions(fa[i].second, fb[i].second, "@" + fa[i].first)) return false;
  }
  return true;
}

bool structurallyEqual(Expr a, Expr b, std::string *why) {
  return Comparer(why).compareExprs(a, b);
}

} // namespace mtc::ir
