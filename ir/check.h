// mtc — internal invariant checks.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace mtc {

/// Collects a message and aborts in its destructor; used only by MTC_CHECK.
class CheckFailure {
public:
  CheckFailure(const char *file, int line, const char *cond) {
    os_ << file << ":" << line << ": internal error: check failed: " << cond << " ";
  }
  [[noreturn]] ~CheckFailure() {
    std::fprintf(stderr, "%s\n", os_.str().c_str());
    std::fflush(stderr);
    std::abort();
  }
  template <class T> CheckFailure &operator<<(const T &v) {
    os_ << v;
    return *this;
  }

private:
  std::ostringstream os_;
};

} // namespace mtc

/// Aborts with file and line when an internal invariant is broken. Never use for user errors:
/// those go through mtc::DiagEngine.
#define MTC_CHECK(cond)                                                                            \
  if (cond) {                                                                                      \
  } else                                                                                           \
    ::mtc::CheckFailure(__FILE__, __LINE__, #cond)

#define MTC_UNREACHABLE(msg) ::mtc::CheckFailure(__FILE__, __LINE__, "unreachable") << msg
