#include "edge/loaded_model.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "edge/model_source.h"
#include "micro/host/host_model.h"
#include "tflite/metadata.h"

namespace aiotops::edge {
namespace {

// Hex digits of the file's SHA-256 that versions carry: enough to tell files apart at a glance.
constexpr size_t kVersionHashDigits = 12;

std::string short_hash(std::string_view sha256) {
  return std::string(sha256.substr(0, kVersionHashDigits));
}

std::string tflite_version(const tflite::GraphMetadata& metadata, std::string_view sha256) {
  const std::string name = metadata.model_name.empty() ? "tflite" : metadata.model_name;
  const std::string version =
      metadata.model_version.empty() ? short_hash(sha256) : metadata.model_version;
  return fmt::format("{}:{}", name, version);
}

std::string native_version(const ml::Model& model, std::string_view sha256) {
  std::string created;
  for (char c : model.metadata().created) {
    if (std::isalnum(static_cast<unsigned char>(c))) created.push_back(c);
  }
  const std::string_view kind = ml::to_string(model.classifier().kind());
  if (created.empty()) return fmt::format("{}:{}", kind, short_hash(sha256));
  return fmt::format("{}:{}-{}", kind, created, short_hash(sha256));
}

// The checks every format shares: what the service needs from any model.
Status check_fit(const ModelInfo& info, const LoadOptions& options) {
  if (info.feature_names.empty()) {
    return fail(ErrorCode::kInvalidArgument, "the model names no features");
  }
  for (size_t i = 0; i < info.feature_names.size(); ++i) {
    const std::string& name = info.feature_names[i];
    if (name.empty()) return fail(ErrorCode::kInvalidArgument, "feature {} has no name", i);
    if (std::find(info.feature_names.begin(), info.feature_names.begin() + i, name) !=
        info.feature_names.begin() + i) {
      return fail(ErrorCode::kInvalidArgument, "feature '{}' is named twice", name);
    }
    if (!options.available_features.empty() &&
        std::find(options.available_features.begin(), options.available_features.end(), name) ==
            options.available_features.end()) {
      return fail(ErrorCode::kInvalidArgument,
                  "the model needs feature '{}', which the service does not read (it reads {})",
                  name, fmt::join(options.available_features, ", "));
    }
  }
  if (!(info.threshold >= 0 && info.threshold <= 1)) {
    return fail(ErrorCode::kInvalidArgument, "threshold {} is not in [0, 1]", info.threshold);
  }
  if (auto status = check_alert_levels(info.alert_levels); !status) return status;
  if (!info.training_ranges.empty() && info.training_ranges.size() != info.feature_names.size()) {
    return fail(ErrorCode::kInvalidArgument, "{} training ranges for {} features",
                info.training_ranges.size(), info.feature_names.size());
  }
  return {};
}

Result<std::vector<std::unique_ptr<Scorer>>> tflite_lanes(micro::HostModel first,
                                                          std::string_view bytes,
                                                          std::string_view origin, size_t lanes) {
  std::vector<std::unique_ptr<Scorer>> scorers;
  scorers.push_back(make_tflite_scorer(std::move(first)));
  while (scorers.size() < lanes) {
    // Each lane gets its own interpreter and arena: HostModel::score is not thread-safe.
    auto clone = micro::HostModel::from_bytes(bytes, origin);
    if (!clone) return fail(clone.error());
    scorers.push_back(make_tflite_scorer(std::move(*clone)));
  }
  return scorers;
}

using Loaded = std::pair<ModelInfo, std::vector<std::unique_ptr<Scorer>>>;

Result<Loaded> load_tflite(std::string_view bytes, std::string_view origin, std::string_view sha256,
                           const LoadOptions& options) {
  auto model = micro::HostModel::from_bytes(bytes, origin);
  if (!model) return fail(model.error());
  if (!model->metadata()) {
    return fail(ErrorCode::kInvalidArgument, "the file has no '{}' metadata naming its features",
                tflite::kMetadataName);
  }
  const tflite::GraphMetadata& metadata = *model->metadata();
  ModelInfo info;
  info.format = ModelFormat::kTflite;
  info.feature_names = metadata.feature_names;
  info.threshold = metadata.threshold;
  for (size_t i = 0; i < metadata.alert_level_names.size(); ++i) {
    info.alert_levels.push_back({metadata.alert_level_names[i], metadata.alert_level_from[i]});
  }
  if (info.alert_levels.empty()) info.alert_levels = ml::default_alert_levels();
  for (size_t i = 0; i < metadata.training_min.size(); ++i) {
    info.training_ranges.push_back({metadata.training_min[i], metadata.training_max[i]});
  }
  if (auto status = check_fit(info, options); !status) return fail(status.error());
  info.version = tflite_version(metadata, sha256);
  auto lanes = tflite_lanes(std::move(*model), bytes, origin, options.lanes);
  if (!lanes) return fail(lanes.error());
  return std::pair{std::move(info), std::move(*lanes)};
}

Result<Loaded> load_native(std::string_view bytes, std::string_view sha256,
                           const LoadOptions& options) {
  const nlohmann::json document = nlohmann::json::parse(bytes, nullptr, false);
  if (document.is_discarded()) {
    return fail(ErrorCode::kCorrupt, "neither a .tflite file nor a JSON model file");
  }
  auto parsed = ml::model_from_json(document);
  if (!parsed) return fail(parsed.error());
  auto model = std::make_shared<const ml::Model>(std::move(*parsed));
  const ml::ModelMetadata& metadata = model->metadata();
  ModelInfo info;
  info.format = ModelFormat::kNative;
  info.feature_names = metadata.feature_names;
  info.threshold = metadata.threshold.value;
  info.alert_levels = metadata.alert_levels;
  for (const ml::FeatureRange& range : metadata.training.feature_ranges) {
    info.training_ranges.push_back({range.min, range.max});
  }
  if (auto status = check_fit(info, options); !status) return fail(status.error());
  info.version = native_version(*model, sha256);
  std::vector<std::unique_ptr<Scorer>> lanes;
  for (size_t i = 0; i < options.lanes; ++i) lanes.push_back(make_native_scorer(model));
  return std::pair{std::move(info), std::move(lanes)};
}

}  // namespace

std::string_view to_string(ModelFormat format) {
  return format == ModelFormat::kTflite ? "tflite" : "native";
}

Result<std::shared_ptr<const LoadedModel>> LoadedModel::load(const std::filesystem::path& path,
                                                             const LoadOptions& options) {
  auto bytes = read_model_file(path, options.max_file_bytes);
  if (!bytes) return fail(bytes.error());
  return from_bytes(*bytes, path.string(), options);
}

Result<std::shared_ptr<const LoadedModel>> LoadedModel::from_bytes(std::string_view bytes,
                                                                   std::string_view origin,
                                                                   const LoadOptions& options,
                                                                   TrainingData training) {
  if (options.lanes == 0) {
    return fail(ErrorCode::kInvalidArgument, "{}: a model needs at least one scorer lane", origin);
  }
  if (bytes.size() > options.max_file_bytes) {
    return fail(ErrorCode::kResourceExhausted, "{}: {} bytes, more than the {} a model may have",
                origin, bytes.size(), options.max_file_bytes);
  }
  const std::string sha256 = sha256_hex(bytes);
  auto loaded = micro::is_tflite(bytes) ? load_tflite(bytes, origin, sha256, options)
                                        : load_native(bytes, sha256, options);
  if (!loaded) {
    // HostModel's messages already start with the origin.
    const std::string& message = loaded.error().message();
    if (message.starts_with(origin)) return fail(loaded.error());
    return fail(loaded.error().with_context(origin));
  }
  loaded->first.origin = origin;
  loaded->first.sha256 = sha256;
  loaded->first.file_bytes = bytes.size();
  loaded->first.training = std::move(training);
  return std::shared_ptr<const LoadedModel>(
      new LoadedModel(std::move(loaded->first), std::move(loaded->second)));
}

Result<double> LoadedModel::score(size_t lane, std::span<const double> row) const {
  if (lane >= lanes_.size()) {
    return fail(ErrorCode::kInvalidArgument, "{}: lane {} of {}", info_.version, lane,
                lanes_.size());
  }
  return lanes_[lane]->score(row);
}

const ml::AlertLevel& level_for(std::span<const ml::AlertLevel> levels, double score) {
  auto above =
      std::upper_bound(levels.begin(), levels.end(), score,
                       [](double s, const ml::AlertLevel& level) { return s < level.from; });
  return above == levels.begin() ? *above : *(above - 1);
}

Status check_alert_levels(std::span<const ml::AlertLevel> levels) {
  if (levels.empty() || levels.front().from != 0) {
    return fail(ErrorCode::kInvalidArgument, "alert levels must start with a level from 0");
  }
  for (size_t i = 0; i < levels.size(); ++i) {
    const ml::AlertLevel& level = levels[i];
    if (level.name.empty() || !(level.from >= 0 && level.from <= 1) ||
        (i > 0 && !(level.from > levels[i - 1].from))) {
      return fail(ErrorCode::kInvalidArgument,
                  "alert level {} ('{}', from {}) needs a name and a 'from' in [0, 1] above the "
                  "previous level's",
                  i, level.name, level.from);
    }
  }
  return {};
}

}  // namespace aiotops::edge
