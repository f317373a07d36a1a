#pragma once
// A private working directory for one command run (downloads, files made before an upload):
// created with mkdtemp under the system's temporary directory and removed with everything in it
// when the object goes. Not thread-safe; one owner.

#include <filesystem>
#include <string_view>

#include "common/error.h"

namespace aiotops {

class TempDir {
 public:
  // Creates $TMPDIR/<stem>-XXXXXX (mode 0700). Fails with kIo naming the pattern.
  static Result<TempDir> create(std::string_view stem);
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

}  // namespace aiotops
