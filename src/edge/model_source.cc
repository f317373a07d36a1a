#include "edge/model_source.h"

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

#include "common/files.h"

namespace aiotops::edge {
namespace {

namespace fs = std::filesystem;

// `path` without a trailing empty component ("/models/" -> "/models").
fs::path without_trailing_slash(fs::path path) {
  return !path.has_filename() && path.has_relative_path() ? path.parent_path() : path;
}

// True when `path` lies strictly below `directory` (both lexically normal).
bool is_below(const fs::path& path, const fs::path& directory) {
  const auto [dir_end, path_at] =
      std::mismatch(directory.begin(), directory.end(), path.begin(), path.end());
  return dir_end == directory.end() && path_at != path.end();
}

}  // namespace

std::string_view to_string(ModelRole role) {
  return role == ModelRole::kCascade ? "cascade" : "primary";
}

Result<ModelRole> parse_model_role(std::string_view text) {
  if (text == "primary") return ModelRole::kPrimary;
  if (text == "cascade") return ModelRole::kCascade;
  return fail(ErrorCode::kInvalidArgument, "model role '{}' (expected primary or cascade)", text);
}

Result<fs::path> DirectorySource::resolve(std::string_view reference) const {
  const auto refuse = [&](std::string_view why) {
    return fail(ErrorCode::kInvalidArgument, "model reference '{}': {}", reference, why);
  };
  if (reference.empty()) return refuse("empty");
  if (reference.find('\0') != std::string_view::npos) return refuse("contains a NUL byte");
  if (reference.find("://") != std::string_view::npos) {
    return refuse("URLs are not accepted; name a file in the model directory");
  }
  const fs::path given(reference);
  if (std::any_of(given.begin(), given.end(), [](const fs::path& part) { return part == ".."; })) {
    return refuse("'..' is not allowed");
  }
  const fs::path directory = without_trailing_slash(directory_.lexically_normal());
  const fs::path candidate =
      without_trailing_slash((given.is_absolute() ? given : directory / given).lexically_normal());
  if (!is_below(candidate, directory)) {
    return refuse(fmt::format("not inside the model directory {}", directory.string()));
  }
  // The lexical check cannot see symbolic links: compare the real paths of what exists.
  std::error_code dir_error;
  std::error_code path_error;
  const fs::path real_directory = fs::weakly_canonical(directory, dir_error);
  const fs::path real_candidate = fs::weakly_canonical(candidate, path_error);
  if (!dir_error && !path_error &&
      !is_below(real_candidate, without_trailing_slash(real_directory))) {
    return refuse("leaves the model directory through a symbolic link");
  }
  return candidate;
}

Result<std::string> read_model_file(const fs::path& path, size_t max_file_bytes) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  if (!error && size > max_file_bytes) {
    return fail(ErrorCode::kResourceExhausted, "{}: {} bytes, more than the {} a model may have",
                path.string(), size, max_file_bytes);
  }
  return read_file(path);
}

Result<ModelBytes> DirectorySource::fetch(const ModelRequest& request) {
  auto path = resolve(request.reference);
  if (!path) return fail(path.error());
  auto bytes = read_model_file(*path, max_file_bytes_);
  if (!bytes) return fail(bytes.error());
  return ModelBytes{std::move(*bytes), path->string()};
}

}  // namespace aiotops::edge
