#pragma once
// Small POSIX file operations the registry's stores share: directory fsync (what makes a rename
// or link durable) and streaming a file through SHA-256.

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/error.h"

namespace aiotops::registry {

// fsyncs directory `dir` so entries created, renamed or linked in it survive a crash. kIo.
// Thread-safe.
Status fsync_dir(const std::filesystem::path& dir);

struct FileDigest {
  std::string sha256;  // lower-case hex
  uint64_t size = 0;   // bytes read
};

// Reads the open descriptor `fd` from its current offset to the end, hashing it; `path` names
// the file in errors. kIo. Thread-safe for distinct descriptors.
Result<FileDigest> hash_fd(int fd, const std::filesystem::path& path);

// Opens and hashes `path`. kNotFound if absent, kIo. Thread-safe.
Result<FileDigest> hash_file(const std::filesystem::path& path);

// strerror(errno) as a string. Thread-safe on glibc (strerror's buffer is per locale, static).
std::string errno_text();

}  // namespace aiotops::registry
