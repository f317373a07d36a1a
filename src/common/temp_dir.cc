#include "common/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

namespace aiotops {

Result<TempDir> TempDir::create(std::string_view stem) {
  std::error_code ec;
  const std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  std::string pattern =
      ((ec ? std::filesystem::path("/tmp") : base) / (std::string(stem) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return fail(ErrorCode::kIo, "create temporary directory {}: {}", pattern, std::strerror(errno));
  }
  return TempDir(std::filesystem::path(pattern));
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;  // best effort: a leftover directory in $TMPDIR is harmless
  std::filesystem::remove_all(path_, ec);
}

}  // namespace aiotops
