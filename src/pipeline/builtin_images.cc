#include "pipeline/builtin_images.h"

#include <array>

namespace aiotops::pipeline {
namespace {

constexpr std::array kBuiltinImages{
    BuiltinImage{"extract_module", "extract"},
    BuiltinImage{"validation_module", "validate"},
    BuiltinImage{"training-module", "train"},
    BuiltinImage{"quantize-module", "quantize"},
};

}  // namespace

std::span<const BuiltinImage> builtin_images() { return kBuiltinImages; }

std::string_view image_name(std::string_view image) {
  if (const auto at = image.find('@'); at != std::string_view::npos) image = image.substr(0, at);
  // A ':' after the last '/' starts the tag; one before it belongs to a registry's port.
  if (const auto slash = image.rfind('/'); slash != std::string_view::npos) {
    image = image.substr(slash + 1);
  }
  return image.substr(0, image.find(':'));
}

std::optional<std::string_view> builtin_step_for_image(std::string_view image) {
  const std::string_view name = image_name(image);
  for (const BuiltinImage& builtin : kBuiltinImages) {
    if (builtin.image_name == name) return builtin.step;
  }
  return std::nullopt;
}

}  // namespace aiotops::pipeline
