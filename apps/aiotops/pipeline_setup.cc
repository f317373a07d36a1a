#include "apps/aiotops/pipeline_setup.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>

namespace aiotops::cli {

Result<std::unique_ptr<pipeline::RunStore>> open_run_store(const std::string& state_dir) {
  std::filesystem::path dir = state_dir;
  if (dir.empty()) {
    auto fallback = pipeline::default_state_dir(std::getenv("XDG_STATE_HOME"), std::getenv("HOME"));
    if (!fallback) return fail(fallback.error());
    dir = *fallback;
  }
  pipeline::RunStoreOptions options;
  options.state_dir = dir;
  return pipeline::RunStore::open(std::move(options));
}

Status configure_images(pipeline::ExecutorOptions& options, const std::string& image_map_path,
                        std::optional<pipeline::ImageMap>& images) {
  if (!image_map_path.empty()) {
    auto loaded = pipeline::ImageMap::load(image_map_path);
    if (!loaded) return fail(loaded.error());
    images = std::move(*loaded);
  } else {
    images.emplace();
  }
  options.image_map = &*images;
  std::error_code ec;
  options.aiotops_binary = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return fail(ErrorCode::kInternal, "cannot find the aiotops binary: {}", ec.message());
  return {};
}

Result<pipeline::NamedValues> parse_parameters(const std::vector<std::string>& texts) {
  pipeline::NamedValues parameters;
  for (const auto& text : texts) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(ErrorCode::kInvalidArgument, "-p '{}': expected name=value", text);
    }
    parameters.emplace_back(text.substr(0, eq), text.substr(eq + 1));
  }
  return parameters;
}

}  // namespace aiotops::cli
