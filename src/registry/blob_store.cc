#include "registry/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include "registry/file_ops.h"

namespace aiotops::registry {
namespace fs = std::filesystem;

namespace {

// Uploads stream into <root>/tmp: the name (the hash) is known only after the last byte. tmp
// is on the same file system as the blob directories, so rename() stays atomic.
constexpr std::string_view kTempDir = "tmp";

// mkdir that makes the new entry durable (fsync of the parent) when it creates it.
Status make_dir(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return fsync_dir(dir.parent_path());
  if (errno == EEXIST) return {};
  return fail(ErrorCode::kIo, "mkdir {}: {}", dir.string(), errno_text());
}

fs::path blob_path(const fs::path& root, std::string_view sha256) {
  return root / std::string(sha256.substr(0, 2)) / std::string(sha256);
}

Status write_all(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorCode::kIo, "write {}: {}", path.string(), errno_text());
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// Lists directory entries (names only, without "." and ".."). kIo on failure.
Result<std::vector<std::string>> list_dir(const fs::path& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return std::vector<std::string>{};
    return fail(ErrorCode::kIo, "opendir {}: {}", dir.string(), errno_text());
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* entry = ::readdir(d)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
    errno = 0;
  }
  int error = errno;
  ::closedir(d);
  if (error != 0) return fail(ErrorCode::kIo, "readdir {}: {}", dir.string(), std::strerror(error));
  return names;
}

bool is_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The mtime of `path`, or nullopt if it vanished meanwhile.
Result<std::optional<std::chrono::system_clock::time_point>> mtime_of(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    return fail(ErrorCode::kIo, "stat {}: {}", path.string(), errno_text());
  }
  auto since_epoch =
      std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec);
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch));
}

}  // namespace

bool is_sha256_hex(std::string_view text) { return text.size() == 64 && is_hex(text); }

// ---- BlobFile ---------------------------------------------------------------------------------

BlobFile::BlobFile(int fd, fs::path path, uint64_t size)
    : fd_(fd), path_(std::move(path)), size_(size) {}

BlobFile::BlobFile(BlobFile&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), size_(other.size_) {
  other.fd_ = -1;
}

BlobFile& BlobFile::operator=(BlobFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    size_ = other.size_;
    other.fd_ = -1;
  }
  return *this;
}

BlobFile::~BlobFile() {
  if (fd_ >= 0) ::close(fd_);
}

// ---- BlobWriter -------------------------------------------------------------------------------

BlobWriter::BlobWriter(fs::path root, fs::path temp, int fd, uint64_t limit)
    : root_(std::move(root)),
      temp_(std::move(temp)),
      fd_(fd),
      limit_(limit),
      hash_(std::make_unique<Sha256>()) {}

BlobWriter::BlobWriter(BlobWriter&& other) noexcept
    : root_(std::move(other.root_)),
      temp_(std::move(other.temp_)),
      fd_(other.fd_),
      limit_(other.limit_),
      size_(other.size_),
      failed_(other.failed_),
      hash_(std::move(other.hash_)) {
  other.fd_ = -1;
}

BlobWriter::~BlobWriter() { abandon(); }

void BlobWriter::abandon() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(temp_.c_str());
}

Status BlobWriter::append(std::string_view bytes) {
  if (fd_ < 0 || failed_) {
    return fail(ErrorCode::kInternal, "blob writer {}: append after commit or failure",
                temp_.string());
  }
  if (limit_ != 0 && bytes.size() > limit_ - size_) {
    failed_ = true;
    abandon();
    return fail(ErrorCode::kResourceExhausted, "upload is larger than the limit of {} bytes",
                limit_);
  }
  if (auto s = write_all(fd_, bytes, temp_); !s) {
    failed_ = true;
    abandon();
    return s;
  }
  hash_->update(bytes);
  size_ += bytes.size();
  return {};
}

Result<BlobInfo> BlobWriter::commit() {
  if (fd_ < 0 || failed_) {
    return fail(ErrorCode::kInternal, "blob writer {}: commit after commit or failure",
                temp_.string());
  }
  if (::fsync(fd_) != 0) {
    Error error(ErrorCode::kIo, fmt::format("fsync {}: {}", temp_.string(), errno_text()));
    abandon();
    return fail(error);
  }
  BlobInfo info{hash_->hex_digest(), size_};
  fs::path target = blob_path(root_, info.sha256);
  if (auto s = make_dir(target.parent_path()); !s) {
    abandon();
    return fail(s.error());
  }
  // Renaming over an existing blob of the same hash is harmless (same bytes) and repairs a
  // damaged copy; it also refreshes the mtime gc() looks at.
  if (::rename(temp_.c_str(), target.c_str()) != 0) {
    Error error(ErrorCode::kIo,
                fmt::format("rename {} -> {}: {}", temp_.string(), target.string(), errno_text()));
    abandon();
    return fail(error);
  }
  ::close(fd_);
  fd_ = -1;
  if (auto s = fsync_dir(target.parent_path()); !s) return fail(s.error());
  return info;
}

// ---- BlobStore --------------------------------------------------------------------------------

Result<BlobStore> BlobStore::open(fs::path root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return fail(ErrorCode::kIo, "create {}: {}", root.string(), ec.message());
  if (auto s = make_dir(root / kTempDir); !s) return fail(s.error());
  return BlobStore(std::move(root));
}

Result<BlobWriter> BlobStore::begin_write(uint64_t limit_bytes) const {
  thread_local std::mt19937_64 random{std::random_device{}()};
  fs::path temp = root_ / kTempDir / fmt::format("upload-{}-{:016x}", ::getpid(), random());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return fail(ErrorCode::kIo, "create {}: {}", temp.string(), errno_text());
  return BlobWriter(root_, std::move(temp), fd, limit_bytes);
}

Result<BlobInfo> BlobStore::put(std::string_view bytes, uint64_t limit_bytes) const {
  auto writer = begin_write(limit_bytes);
  if (!writer) return fail(writer.error());
  if (auto s = writer->append(bytes); !s) return fail(s.error());
  return writer->commit();
}

Result<fs::path> BlobStore::path_of(std::string_view sha256) const {
  if (!is_sha256_hex(sha256)) {
    return fail(ErrorCode::kInvalidArgument, "'{}' is not a lower-case hex SHA-256",
                sha256.substr(0, 80));
  }
  return blob_path(root_, sha256);
}

Result<BlobFile> BlobStore::open_blob(std::string_view sha256) const {
  auto path = path_of(sha256);
  if (!path) return fail(path.error());
  int fd = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return fail(ErrorCode::kNotFound, "blob {} is missing", sha256);
    return fail(ErrorCode::kIo, "open {}: {}", path->string(), errno_text());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Error error(ErrorCode::kIo, fmt::format("fstat {}: {}", path->string(), errno_text()));
    ::close(fd);
    return fail(error);
  }
  return BlobFile(fd, std::move(*path), static_cast<uint64_t>(st.st_size));
}

Result<bool> BlobStore::exists(std::string_view sha256) const {
  auto size = size_of(sha256);
  if (size) return true;
  if (size.error().code() == ErrorCode::kNotFound) return false;
  return fail(size.error());
}

Result<uint64_t> BlobStore::size_of(std::string_view sha256) const {
  auto path = path_of(sha256);
  if (!path) return fail(path.error());
  struct stat st {};
  if (::stat(path->c_str(), &st) != 0) {
    if (errno == ENOENT) return fail(ErrorCode::kNotFound, "blob {} is missing", sha256);
    return fail(ErrorCode::kIo, "stat {}: {}", path->string(), errno_text());
  }
  return static_cast<uint64_t>(st.st_size);
}

Status BlobStore::verify(std::string_view sha256) const {
  auto file = open_blob(sha256);
  if (!file) return fail(file.error());
  auto digest = hash_fd(file->fd(), file->path());
  if (!digest) return fail(digest.error());
  if (digest->sha256 != sha256) {
    return fail(ErrorCode::kCorrupt, "blob {} holds bytes hashing to {}", sha256, digest->sha256);
  }
  return {};
}

Status BlobStore::for_each(const std::function<void(const std::string&)>& visit) const {
  auto dirs = list_dir(root_);
  if (!dirs) return fail(dirs.error());
  for (const auto& dir : *dirs) {
    if (dir.size() != 2 || !is_hex(dir)) continue;
    auto files = list_dir(root_ / dir);
    if (!files) return fail(files.error());
    for (const auto& file : *files) {
      if (is_sha256_hex(file) && file.starts_with(dir)) visit(file);
    }
  }
  return {};
}

Result<GcReport> BlobStore::gc(const std::set<std::string>& referenced, std::chrono::seconds grace,
                               std::chrono::system_clock::time_point now) const {
  GcReport report;
  auto cutoff = now - grace;
  // Removes `path` if older than the cutoff; true if removed.
  auto remove_if_old = [&](const fs::path& path) -> Result<bool> {
    auto mtime = mtime_of(path);
    if (!mtime) return fail(mtime.error());
    if (!*mtime || **mtime > cutoff) return false;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return fail(ErrorCode::kIo, "unlink {}: {}", path.string(), errno_text());
    }
    return true;
  };

  std::vector<std::string> unreferenced;
  if (auto s = for_each([&](const std::string& sha256) {
        if (!referenced.contains(sha256)) unreferenced.push_back(sha256);
      });
      !s) {
    return fail(s.error());
  }
  for (const auto& sha256 : unreferenced) {
    fs::path path = blob_path(root_, sha256);
    auto size = size_of(sha256);
    auto removed = remove_if_old(path);
    if (!removed) return fail(removed.error());
    if (*removed) {
      ++report.removed_blobs;
      report.removed_bytes += size ? *size : 0;
    } else {
      ++report.kept_young;
    }
  }
  auto temps = list_dir(root_ / kTempDir);
  if (!temps) return fail(temps.error());
  for (const auto& temp : *temps) {
    auto removed = remove_if_old(root_ / kTempDir / temp);
    if (!removed) return fail(removed.error());
    report.removed_temps += *removed ? 1 : 0;
  }
  return report;
}

}  // namespace aiotops::registry
