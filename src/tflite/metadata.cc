#include "tflite/metadata.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ml/json_fields.h"

namespace aiotops::tflite {
namespace {

// The double whose shortest decimal form is the float's: 0.35f is written 0.35, not
// 0.3499999940395355.
double shortest(float value) {
  const std::string text = fmt::format("{}", value);
  return std::strtod(text.c_str(), nullptr);
}

Result<std::vector<std::string>> string_array_field(const nlohmann::json& object,
                                                    std::string_view name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_array()) {
    return fail(ErrorCode::kCorrupt, "field '{}' is missing or not an array", name);
  }
  std::vector<std::string> values;
  for (size_t i = 0; i < it->size(); ++i) {
    const nlohmann::json& value = (*it)[i];
    if (!value.is_string()) {
      return fail(ErrorCode::kCorrupt, "field '{}[{}]' is not a string", name, i);
    }
    values.push_back(value.get<std::string>());
  }
  return values;
}

// A number devices compare scores with in float32: it must stay finite there (1e300 would
// become infinity, a threshold no score reaches).
Result<float> float32_field(const nlohmann::json& object, std::string_view path,
                            std::string_view name) {
  auto value = ml::number_field(object, path, name);
  if (!value) return fail(value.error());
  if (!(std::abs(*value) <= std::numeric_limits<float>::max())) {
    return fail(ErrorCode::kCorrupt, "field '{}' is {}, which does not fit in float32",
                ml::field_path(path, name), *value);
  }
  return static_cast<float>(*value);
}

Status read_alert_levels(const nlohmann::json& object, GraphMetadata& metadata) {
  const auto it = object.find("alert_levels");
  if (it == object.end() || !it->is_array()) {
    return fail(ErrorCode::kCorrupt, "field 'alert_levels' is missing or not an array");
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const std::string path = fmt::format("alert_levels[{}]", i);
    const nlohmann::json& level = (*it)[i];
    if (auto status = ml::expect_object(level, path); !status) return status;
    auto name = ml::string_field(level, path, "name");
    if (!name) return fail(name.error());
    auto from = float32_field(level, path, "from");
    if (!from) return fail(from.error());
    metadata.alert_level_names.push_back(std::move(*name));
    metadata.alert_level_from.push_back(*from);
  }
  return {};
}

nlohmann::json shortest_array(const std::vector<float>& values) {
  nlohmann::json array = nlohmann::json::array();
  for (float v : values) array.push_back(shortest(v));
  return array;
}

// "input_standardization": {"mean": [...], "scale": [...]}, optional.
Status read_device_standardize(const nlohmann::json& object, GraphMetadata& metadata) {
  const auto it = object.find("input_standardization");
  if (it == object.end()) return {};
  const std::string path = "input_standardization";
  if (auto status = ml::expect_object(*it, path); !status) return status;
  auto mean = ml::number_array_field(*it, path, "mean");
  if (!mean) return fail(mean.error());
  auto scale = ml::number_array_field(*it, path, "scale", mean->size());
  if (!scale) return fail(scale.error());
  for (size_t i = 0; i < scale->size(); ++i) {
    const float s = static_cast<float>((*scale)[i]);
    const float m = static_cast<float>((*mean)[i]);
    // Devices divide by the scale in float32: it must stay finite and positive there.
    if (!(s > 0.0f) || !std::isfinite(s) || !std::isfinite(1.0f / s)) {
      return fail(ErrorCode::kCorrupt,
                  "{}.scale[{}] is {}, expected a finite value > 0 with a finite reciprocal", path,
                  i, (*scale)[i]);
    }
    if (!std::isfinite(m)) {
      return fail(ErrorCode::kCorrupt, "{}.mean[{}] is {}, expected a finite value", path, i,
                  (*mean)[i]);
    }
    metadata.device_standardize.mean.push_back(m);
    metadata.device_standardize.scale.push_back(s);
  }
  return {};
}

// "training_range": {"min": [...], "max": [...]}, optional; one entry per feature.
Status read_training_range(const nlohmann::json& object, GraphMetadata& metadata) {
  const auto it = object.find("training_range");
  if (it == object.end()) return {};
  const std::string path = "training_range";
  if (auto status = ml::expect_object(*it, path); !status) return status;
  const size_t features = metadata.feature_names.size();
  auto min = ml::number_array_field(*it, path, "min", features);
  if (!min) return fail(min.error());
  auto max = ml::number_array_field(*it, path, "max", features);
  if (!max) return fail(max.error());
  constexpr double kFloatMax = std::numeric_limits<float>::max();
  for (size_t i = 0; i < features; ++i) {
    if (!(std::abs((*min)[i]) <= kFloatMax && std::abs((*max)[i]) <= kFloatMax)) {
      return fail(ErrorCode::kCorrupt, "{}: min[{}] or max[{}] does not fit in float32", path, i,
                  i);
    }
    if (!((*min)[i] <= (*max)[i])) {
      return fail(ErrorCode::kCorrupt, "{}: min[{}] is above max[{}]", path, i, i);
    }
    metadata.training_min.push_back(static_cast<float>((*min)[i]));
    metadata.training_max.push_back(static_cast<float>((*max)[i]));
  }
  return {};
}

}  // namespace

std::string metadata_to_json(const GraphMetadata& metadata) {
  nlohmann::json levels = nlohmann::json::array();
  for (size_t i = 0; i < metadata.alert_level_names.size(); ++i) {
    const float from = i < metadata.alert_level_from.size() ? metadata.alert_level_from[i] : 0.0f;
    levels.push_back({{"name", metadata.alert_level_names[i]}, {"from", shortest(from)}});
  }
  nlohmann::json document = nlohmann::json::object();
  document["format"] = kMetadataFormat;
  document["format_version"] = kMetadataFormatVersion;
  document["model_name"] = metadata.model_name;
  document["model_version"] = metadata.model_version;
  document["features"] = metadata.feature_names;
  document["threshold"] = shortest(metadata.threshold);
  document["alert_levels"] = std::move(levels);
  document["dataset_sha256"] = metadata.dataset_sha256;
  if (!metadata.device_standardize.empty()) {
    document["input_standardization"] = {
        {"mean", shortest_array(metadata.device_standardize.mean)},
        {"scale", shortest_array(metadata.device_standardize.scale)}};
  }
  if (!metadata.training_min.empty()) {
    document["training_range"] = {{"min", shortest_array(metadata.training_min)},
                                  {"max", shortest_array(metadata.training_max)}};
  }
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<GraphMetadata> metadata_from_json(std::string_view json) {
  const nlohmann::json document = nlohmann::json::parse(json, nullptr, false);
  if (document.is_discarded()) return fail(ErrorCode::kCorrupt, "metadata is not valid JSON");
  if (auto status = ml::expect_object(document, ""); !status) return fail(status.error());
  auto format = ml::string_field(document, "", "format");
  if (!format) return fail(format.error());
  if (*format != kMetadataFormat) {
    return fail(ErrorCode::kCorrupt, "field 'format' is '{}', expected '{}'", *format,
                kMetadataFormat);
  }
  auto version = ml::count_field(document, "", "format_version");
  if (!version) return fail(version.error());
  if (*version != static_cast<uint64_t>(kMetadataFormatVersion)) {
    return fail(ErrorCode::kCorrupt, "field 'format_version' is {}, this build reads {}", *version,
                kMetadataFormatVersion);
  }
  GraphMetadata metadata;
  auto name = ml::string_field(document, "", "model_name");
  if (!name) return fail(name.error());
  metadata.model_name = std::move(*name);
  auto model_version = ml::string_field(document, "", "model_version");
  if (!model_version) return fail(model_version.error());
  metadata.model_version = std::move(*model_version);
  auto features = string_array_field(document, "features");
  if (!features) return fail(features.error());
  metadata.feature_names = std::move(*features);
  auto threshold = float32_field(document, "", "threshold");
  if (!threshold) return fail(threshold.error());
  metadata.threshold = *threshold;
  if (auto status = read_alert_levels(document, metadata); !status) return fail(status.error());
  auto hash = ml::string_field(document, "", "dataset_sha256");
  if (!hash) return fail(hash.error());
  metadata.dataset_sha256 = std::move(*hash);
  if (auto status = read_device_standardize(document, metadata); !status) {
    return fail(status.error());
  }
  if (auto status = read_training_range(document, metadata); !status) {
    return fail(status.error());
  }
  return metadata;
}

}  // namespace aiotops::tflite
