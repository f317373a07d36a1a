#include "common/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace aiotops {
namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

Status fsync_directory(const fs::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return fail(ErrorCode::kIo, "open directory {}: {}", dir.string(), errno_text());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return fail(ErrorCode::kIo, "fsync directory {}: {}", dir.string(), errno_text());
  return {};
}

fs::path temp_path_for(const fs::path& path) {
  std::random_device random;
  return path.parent_path() /
         fmt::format(".{}.tmp-{}-{:08x}", path.filename().string(), ::getpid(), random());
}

}  // namespace

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return fail(ErrorCode::kNotFound, "{}: no such file", path.string());
    return fail(ErrorCode::kIo, "{}: cannot open: {}", path.string(), errno_text());
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return fail(ErrorCode::kIo, "{}: read failed", path.string());
  return std::move(contents).str();
}

Status write_file_atomic(const fs::path& path, std::string_view contents) {
  auto writer = AtomicFileWriter::open(path);
  if (!writer) return fail(writer.error());
  if (auto s = writer->write(contents); !s) return s;
  return writer->commit();
}

Result<AtomicFileWriter> AtomicFileWriter::open(const fs::path& path) {
  fs::path temp = temp_path_for(path);
  std::FILE* file = std::fopen(temp.c_str(), "wbx");
  if (file == nullptr) {
    return fail(ErrorCode::kIo, "create {}: {}", temp.string(), errno_text());
  }
  return AtomicFileWriter(path, std::move(temp), file);
}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : path_(std::move(other.path_)), temp_(std::move(other.temp_)), file_(other.file_) {
  other.file_ = nullptr;
}

AtomicFileWriter::~AtomicFileWriter() { abandon(); }

void AtomicFileWriter::abandon() {
  if (file_ == nullptr) return;
  std::fclose(file_);
  file_ = nullptr;
  std::error_code ignored;
  fs::remove(temp_, ignored);
}

Status AtomicFileWriter::write(std::string_view bytes) {
  if (file_ == nullptr) return fail(ErrorCode::kInternal, "{}: write after commit", path_.string());
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return fail(ErrorCode::kIo, "write {}: {}", temp_.string(), errno_text());
  }
  return {};
}

Status AtomicFileWriter::commit() {
  if (file_ == nullptr) return fail(ErrorCode::kInternal, "{}: commit twice", path_.string());
  if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0) {
    Error error(ErrorCode::kIo, fmt::format("flush {}: {}", temp_.string(), errno_text()));
    abandon();
    return fail(error);
  }
  std::fclose(file_);
  file_ = nullptr;
  std::error_code ec;
  fs::rename(temp_, path_, ec);
  if (ec) {
    fs::remove(temp_, ec);
    return fail(ErrorCode::kIo, "rename {} -> {}: {}", temp_.string(), path_.string(),
                ec.message());
  }
  return fsync_directory(path_.parent_path());
}

}  // namespace aiotops
