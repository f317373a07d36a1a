#pragma once
// File helpers: whole-file reads and crash-safe writes. Nothing half-written is ever visible:
// writers fill a temp file beside the target, fsync it, rename it over the target and fsync the
// directory.

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/error.h"

namespace aiotops {

// Reads a whole file. Fails with kNotFound or kIo naming the path.
Result<std::string> read_file(const std::filesystem::path& path);

// Atomically replaces `path` with `contents`. On failure the old file (if any) is untouched.
Status write_file_atomic(const std::filesystem::path& path, std::string_view contents);

// Streams a large file and publishes it atomically with commit(). If the object is destroyed
// without a successful commit(), the temp file is removed and `path` is untouched.
// Not thread-safe; one writer per object.
class AtomicFileWriter {
 public:
  static Result<AtomicFileWriter> open(const std::filesystem::path& path);
  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&&) = delete;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();

  // Buffered append; errors surface here or at commit().
  Status write(std::string_view bytes);
  // Flushes, fsyncs, renames over the target and fsyncs its directory.
  Status commit();

 private:
  AtomicFileWriter(std::filesystem::path path, std::filesystem::path temp, std::FILE* file)
      : path_(std::move(path)), temp_(std::move(temp)), file_(file) {}
  void abandon();

  std::filesystem::path path_;
  std::filesystem::path temp_;
  std::FILE* file_ = nullptr;
};

}  // namespace aiotops
