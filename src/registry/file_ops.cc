#include "registry/file_ops.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/sha256.h"

namespace aiotops::registry {

namespace {
constexpr size_t kReadChunk = 1 << 20;  // bytes per read() while hashing
}  // namespace

std::string errno_text() { return std::strerror(errno); }

Status fsync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(ErrorCode::kIo, "open directory {}: {}", dir.string(), errno_text());
  int rc = ::fsync(fd);
  std::string why = rc != 0 ? errno_text() : "";
  ::close(fd);
  if (rc != 0) return fail(ErrorCode::kIo, "fsync directory {}: {}", dir.string(), why);
  return {};
}

Result<FileDigest> hash_fd(int fd, const std::filesystem::path& path) {
  Sha256 hasher;
  FileDigest digest;
  std::vector<char> buffer(kReadChunk);
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(ErrorCode::kIo, "read {}: {}", path.string(), errno_text());
    if (n == 0) break;
    hasher.update(std::string_view(buffer.data(), static_cast<size_t>(n)));
    digest.size += static_cast<uint64_t>(n);
  }
  digest.sha256 = hasher.hex_digest();
  return digest;
}

Result<FileDigest> hash_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return fail(ErrorCode::kNotFound, "{}: no such file", path.string());
    return fail(ErrorCode::kIo, "open {}: {}", path.string(), errno_text());
  }
  auto digest = hash_fd(fd, path);
  ::close(fd);
  return digest;
}

}  // namespace aiotops::registry
