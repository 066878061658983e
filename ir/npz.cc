// mtc — NumPy .npz archives (zip files of .npy members) through libzip.
// SPDX-License-Identifier: Apache-2.0
#include "ir/npy.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

namespace mtc::ir {

namespace {

/// Largest uncompressed member accepted: far above any weight tensor of a CNN, and low enough
/// that a zip bomb cannot exhaust memory.
constexpr zip_uint64_t kMaxMemberBytes = zip_uint64_t(1) << 30;

struct ZipCloser {
  void operator()(zip_t *z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t *f) const { zip_fclose(f); }
};

std::string zipErrorText(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string s = zip_error_strerror(&e);
  zip_error_fini(&e);
  return s;
}

/// Reads member `index` completely. The buffer grows with the bytes actually produced, so a
/// member whose recorded size lies costs no more memory than its real content.
bool readMember(zip_t *z, zip_uint64_t index, const std::string &what, std::string &out,
                DiagEngine &diag) {
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(z, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
    diag.error(what + ": cannot read the member's directory entry");
    return false;
  }
  if (st.size > kMaxMemberBytes) {
    diag.error(what + ": member is too large (" + std::to_string(st.size) +
               " bytes uncompressed, limit " + std::to_string(kMaxMemberBytes) + ")");
    return false;
  }
  std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen_index(z, index, 0));
  if (!f) {
    diag.error(what + ": cannot open the member: " + zip_strerror(z));
    return false;
  }
  out.clear();
  char buf[1 << 16];
  while (true) {
    zip_int64_t n = zip_fread(f.get(), buf, sizeof buf);
    if (n < 0) {
      diag.error(what + ": corrupt member: " + zip_file_strerror(f.get()));
      return false;
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > st.size) {
      diag.error(what + ": member is longer than its recorded size");
      return false;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  if (out.size() != st.size) {
    diag.error(what + ": member is truncated: expected " + std::to_string(st.size) +
               " bytes, found " + std::to_string(out.size()));
    return false;
  }
  return true;
}

} // namespace

std::optional<std::map<std::string, Tensor>> readNpz(const std::string &path, DiagEngine &diag) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    diag.error(path + ": cannot open: " + std::strerror(errno));
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    diag.error(path + ": cannot read: not a regular file");
    return std::nullopt;
  }
  // libzip opens an empty file as an empty archive; numpy rejects it, and so do we.
  if (st.st_size == 0) {
    diag.error(path + ": not a valid .npz (zip) file: the file is empty");
    return std::nullopt;
  }
  int err = 0;
  std::unique_ptr<zip_t, ZipCloser> z(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err));
  if (!z) {
    if (err == ZIP_ER_NOZIP || err == ZIP_ER_INCONS)
      diag.error(path + ": not a valid .npz (zip) file: " + zipErrorText(err));
    else
      diag.error(path + ": cannot open: " + zipErrorText(err));
    return std::nullopt;
  }
  std::map<std::string, Tensor> arrays;
  zip_int64_t n = zip_get_num_entries(z.get(), 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const char *rawName = zip_get_name(z.get(), static_cast<zip_uint64_t>(i), 0);
    if (!rawName) {
      diag.error(path + ": cannot read the name of member " + std::to_string(i));
      return std::nullopt;
    }
    std::string member = rawName;
    std::string what = path + ": member '" + member + "'";
    if (!member.empty() && member.back() == '/') continue; // a directory entry
    if (member.size() <= 4 || member.compare(member.size() - 4, 4, ".npy") != 0) {
      diag.error(what + ": not a .npy member");
      return std::nullopt;
    }
    std::string name = member.substr(0, member.size() - 4);
    if (arrays.count(name)) {
      diag.error(what + ": duplicate array '" + name + "'");
      return std::nullopt;
    }
    std::string bytes;
    if (!readMember(z.get(), static_cast<zip_uint64_t>(i), what, bytes, diag)) return std::nullopt;
    std::optional<Tensor> t = parseNpy(bytes, what, diag);
    if (!t) return std::nullopt;
    arrays.emplace(std::move(name), std::move(*t));
  }
  return arrays;
}

bool writeNpz(const std::string &path, const std::map<std::string, Tensor> &arrays,
              DiagEngine &diag) {
  if (arrays.empty()) {
    // libzip writes no file at all for an empty archive; numpy writes the bare end record.
    static const char kEmptyZip[22] = {'P', 'K', 5, 6};
    return writeFileAtomic(path, std::string_view(kEmptyZip, sizeof kEmptyZip), diag);
  }
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::remove(tmp.c_str());
  int err = 0;
  zip_t *z = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z) {
    diag.error(path + ": cannot write: " + zipErrorText(err));
    return false;
  }
  // The serialised members must stay alive until zip_close, which does the actual writing.
  std::vector<std::string> blobs;
  blobs.reserve(arrays.size());
  auto failWith = [&](const std::string &msg) {
    diag.error(path + ": cannot write: " + msg);
    zip_discard(z);
    std::remove(tmp.c_str());
    return false;
  };
  for (const auto &[name, t] : arrays) {
    blobs.push_back(serializeNpy(t));
    const std::string &b = blobs.back();
    zip_source_t *src = zip_source_buffer(z, b.data(), b.size(), 0);
    if (!src) return failWith(zip_strerror(z));
    zip_int64_t idx = zip_file_add(z, (name + ".npy").c_str(), src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
      zip_source_free(src);
      return failWith("array '" + name + "': " + zip_strerror(z));
    }
    if (zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0) != 0)
      return failWith(zip_strerror(z));
  }
  if (zip_close(z) != 0) return failWith(zip_strerror(z));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    diag.error(path + ": cannot write: " + std::strerror(errno));
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

} // namespace mtc::ir
