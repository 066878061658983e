// mtc — internals of the text-format parser, shared by ir/parser.cc and ir/parser_expr.cc.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/builder.h"
#include "ir/expr.h"
#include "ir/lexer.h"
#include "ir/op.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mtc::ir::detail {

/// Thrown inside the parser after an error has been reported, to unwind to parseBuffer. It never
/// leaves the parser: the public entry points return nullopt instead.
struct ParseAbort {};

/// Deepest nesting of expressions, types and attribute lists the parser accepts.
inline constexpr int kMaxNesting = 256;

/// A number token split into its parts: `-0.5e3f` is numeric `-0.5e3`, suffix `f`.
struct NumberParts {
  std::string_view numeric;
  std::string_view suffix;
  bool floatSyntax = false; ///< has a fraction, an exponent, or is inf/nan
};
NumberParts splitNumber(std::string_view text);
/// Exact decimal integer (optional '-') to int64; nullopt on overflow or bad syntax.
std::optional<int64_t> parseInt64(std::string_view s);

/// Recursive-descent parser over a Lexer. Recursion is bounded by kMaxNesting.
class Parser {
public:
  Parser(int32_t fileId, DiagEngine &diag);
  std::optional<Module> run();

private:
  friend struct DepthGuard;

  // --- tokens (parser.cc)
  const Token &tok() const { return tok_; }
  const Token &peek();
  Token take();
  void advance();
  bool accept(TokKind k);
  Token expect(TokKind k, std::string_view context);
  void expectIdent(std::string_view word, std::string_view context);
  [[noreturn]] void fail(SourceLoc loc, const std::string &msg);
  [[noreturn]] void failExpected(std::string_view what);
  void enter();
  void leave() { --depth_; }

  // --- module structure (parser.cc)
  void parseVersionHeader();
  void parseDef();
  const FunctionNode *parseFunction(SourceLoc loc);
  Expr parseBody();
  void parseMetadata();
  void parseMetadataEntry();
  Tensor parseMetadataValues(const Type &t, int64_t numel, SourceLoc entryLoc, int64_t index);
  void resolveReferences();
  Expr lookup(const Token &name);
  void checkFresh(const Token &name, std::string_view what);
  void define(const Token &name, Expr e);

  // --- expressions, types, attribute values (parser_expr.cc)
  Expr parseExpr();
  Expr parsePrimary();
  Expr parseOpCall(const Token &name, const OpDef *op);
  std::vector<Expr> parseArgs();
  Expr parseParenOrTuple();
  Expr parseNumberLiteral(const Token &t);
  Expr parseMetaRef();
  int64_t parseMetaIndexSuffix();
  int64_t parseIndex(std::string_view what);
  Type parseType();
  Shape parseShape();
  AttrValue parseAttrValue();
  /// A float32 value: a number (suffix "" or "f"), `inf`, `-inf`, `nan`, `-nan`. False if the
  /// token is not one; fails on a value out of float32 range.
  bool parseFloat32(const Token &t, float &out);

  Lexer lex_;
  Token tok_;
  std::optional<Token> peeked_;
  DiagEngine &diag_;
  int32_t file_;
  int depth_ = 0;
  Module module_;
  Builder b_;

  /// Names visible in each enclosing function, innermost last.
  std::vector<std::unordered_map<std::string, Expr>> scopes_;

  /// `meta[relay.Constant][N]` references, filled in once the metadata section is read.
  struct MetaRef {
    ConstantNode *node;
    SourceLoc loc;
  };
  std::map<int64_t, MetaRef> metaRefs_;
  std::vector<int64_t> metaRefOrder_; ///< indices in order of first reference
  std::map<int64_t, Tensor> metaData_;
  SourceLoc metaSectionLoc_;

  /// `@g` references, checked against the module's functions at the end.
  std::vector<const GlobalVarNode *> globalRefs_;
};

/// Counts one level of nesting for the lifetime of a parse function; fails past kMaxNesting.
struct DepthGuard {
  explicit DepthGuard(Parser &p) : p_(p) { p_.enter(); }
  ~DepthGuard() { p_.leave(); }
  DepthGuard(const DepthGuard &) = delete;
  DepthGuard &operator=(const DepthGuard &) = delete;

private:
  Parser &p_;
};

} // namespace mtc::ir::detail
