#include "registry/records.h"

#include <array>
#include <utility>

namespace aiotops::registry {
namespace {

// One table per enum: value <-> text, so to_string and parse never disagree.
template <typename E, size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

constexpr Names<ArtifactKind, 2> kKinds{
    {{ArtifactKind::kDataset, "dataset"}, {ArtifactKind::kModel, "model"}}};
constexpr Names<ModelFormat, 4> kFormats{{{ModelFormat::kNative, "native"},
                                          {ModelFormat::kTfliteFloat, "tflite-float"},
                                          {ModelFormat::kTfliteInt8, "tflite-int8"},
                                          {ModelFormat::kCArray, "c-array"}}};
constexpr Names<HardwareClass, 5> kHardware{{{HardwareClass::kEsp32, "esp32"},
                                             {HardwareClass::kCoralTpu, "coral-tpu"},
                                             {HardwareClass::kJetson, "jetson"},
                                             {HardwareClass::kRpi, "rpi"},
                                             {HardwareClass::kX86, "x86"}}};
constexpr Names<Role, 3> kRoles{
    {{Role::kDevice, "device"}, {Role::kPipeline, "pipeline"}, {Role::kAdmin, "admin"}}};

template <typename E, size_t N>
std::string_view name_of(const Names<E, N>& names, E value) {
  for (const auto& [v, text] : names) {
    if (v == value) return text;
  }
  return "?";
}

template <typename E, size_t N>
Result<E> parse(const Names<E, N>& names, std::string_view text, std::string_view what) {
  std::string accepted;
  for (const auto& [v, name] : names) {
    if (name == text) return v;
    accepted += accepted.empty() ? "" : ", ";
    accepted += name;
  }
  return fail(ErrorCode::kInvalidArgument, "unknown {} '{}' (one of {})", what, text, accepted);
}

}  // namespace

std::string_view to_string(ArtifactKind kind) { return name_of(kKinds, kind); }
std::string_view to_string(ModelFormat format) { return name_of(kFormats, format); }
std::string_view to_string(HardwareClass hardware) { return name_of(kHardware, hardware); }
std::string_view to_string(Role role) { return name_of(kRoles, role); }

Result<ModelFormat> parse_model_format(std::string_view text) {
  return parse(kFormats, text, "model format");
}
Result<HardwareClass> parse_hardware_class(std::string_view text) {
  return parse(kHardware, text, "hardware class");
}
Result<Role> parse_role(std::string_view text) { return parse(kRoles, text, "role"); }

}  // namespace aiotops::registry
