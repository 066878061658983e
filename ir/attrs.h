// mtc — typed op attributes with one reflection list per struct.
//
// Each op has one attribute struct deriving from AttrsBase<Self> with a `visit` listing every
// field once: name, member, default is the member initialiser, doc string. Printing (non-default
// fields in declared order), parsing by name, equality and hashing all derive from that list.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ir/diagnostics.h"
#include "ir/dtype.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mtc::ir {

/// An attribute value as written in the text: `3`, `0.5`, `"NHWC"`, `True`, `[1, 2]`.
struct AttrValue {
  enum class Kind : uint8_t { Int, Float, String, Bool, List };
  Kind kind = Kind::Int;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s;
  std::vector<AttrValue> list;
  SourceLoc loc; ///< where it was parsed (ignored by equality)

  static AttrValue ofInt(int64_t v);
  static AttrValue ofFloat(double v);
  static AttrValue ofBool(bool v);
  static AttrValue ofString(std::string v);
  static AttrValue ofList(std::vector<AttrValue> v);
  static AttrValue ofInts(const std::vector<int64_t> &v);

  bool operator==(const AttrValue &o) const;
  bool operator!=(const AttrValue &o) const { return !(*this == o); }
  /// Text form: ints as `3`, floats with a round-trip-exact shortest form, strings quoted.
  std::string str() const;
  /// "integer", "float", "string", "bool", "list".
  std::string_view kindName() const;
};

using AttrList = std::vector<std::pair<std::string, AttrValue>>;

/// Type-erased attributes of one call. Immutable once attached to a call.
class Attrs {
public:
  virtual ~Attrs() = default;
  virtual std::unique_ptr<Attrs> clone() const = 0;
  /// Name of the struct, e.g. "Conv2DAttrs".
  virtual std::string_view typeName() const = 0;
  /// Every field, in declared order.
  virtual AttrList all() const = 0;
  /// Fields whose value differs from the default, in declared order (what the printer shows).
  virtual AttrList nonDefault() const = 0;
  /// Sets field `name`. Returns an empty string on success, else a message such as
  /// "unknown attribute 'foo'" or "attribute 'strides' expects a list of integers, got string".
  virtual std::string set(std::string_view name, const AttrValue &v) = 0;
  /// Names and docs of the fields, for documentation and `mtc ops`.
  virtual std::vector<std::pair<std::string, std::string>> fieldDocs() const = 0;
  bool equals(const Attrs &o) const { return typeName() == o.typeName() && all() == o.all(); }
};

using AttrsPtr = std::shared_ptr<const Attrs>;

namespace detail {
// Conversions between C++ field types and AttrValue.
AttrValue toValue(int64_t v);
AttrValue toValue(double v);
AttrValue toValue(bool v);
AttrValue toValue(const std::string &v);
AttrValue toValue(const std::vector<int64_t> &v);
AttrValue toValue(const std::vector<double> &v);
AttrValue toValue(DType v);
AttrValue toValue(const std::vector<std::vector<int64_t>> &v);
std::string fromValue(const AttrValue &a, int64_t &out);
std::string fromValue(const AttrValue &a, double &out);
std::string fromValue(const AttrValue &a, bool &out);
std::string fromValue(const AttrValue &a, std::string &out);
std::string fromValue(const AttrValue &a, std::vector<int64_t> &out);
std::string fromValue(const AttrValue &a, std::vector<double> &out);
std::string fromValue(const AttrValue &a, DType &out);
std::string fromValue(const AttrValue &a, std::vector<std::vector<int64_t>> &out);
} // namespace detail

/// CRTP base: `struct Conv2DAttrs : AttrsBase<Conv2DAttrs> { ...; template <class V> void
/// visit(V &v) { v("strides", strides, "doc"); ... } static constexpr const char *kName =
/// "Conv2DAttrs"; };`
template <class Self> class AttrsBase : public Attrs {
public:
  std::unique_ptr<Attrs> clone() const override {
    return std::make_unique<Self>(static_cast<const Self &>(*this));
  }
  std::string_view typeName() const override { return Self::kName; }

  AttrList all() const override {
    AttrList out;
    auto &self = const_cast<Self &>(static_cast<const Self &>(*this));
    auto add = [&](const char *name, auto &field, const char *) {
      out.emplace_back(name, detail::toValue(field));
    };
    self.visit(add); // visit takes an lvalue visitor
    return out;
  }

  AttrList nonDefault() const override {
    AttrList mine = all(), defs = Self().all();
    AttrList out;
    for (size_t i = 0; i < mine.size(); ++i)
      if (mine[i].second != defs[i].second) out.push_back(mine[i]);
    return out;
  }

  std::string set(std::string_view name, const AttrValue &v) override {
    std::string err = "unknown attribute '" + std::string(name) + "' for " + Self::kName;
    bool found = false;
    auto assign = [&](const char *n, auto &field, const char *) {
      if (found || name != n) return;
      found = true;
      err = detail::fromValue(v, field);
      if (!err.empty()) err = "attribute '" + std::string(name) + "' " + err;
    };
    static_cast<Self &>(*this).visit(assign);
    return err;
  }

  std::vector<std::pair<std::string, std::string>> fieldDocs() const override {
    std::vector<std::pair<std::string, std::string>> out;
    auto &self = const_cast<Self &>(static_cast<const Self &>(*this));
    auto add = [&](const char *name, auto &, const char *doc) { out.emplace_back(name, doc); };
    self.visit(add);
    return out;
  }
};

} // namespace mtc::ir
