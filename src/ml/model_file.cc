#include "ml/model_file.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "common/files.h"
#include "ml/json_fields.h"

namespace aiotops::ml {
namespace {

const std::set<std::string, std::less<>> kThresholdRules{"fixed", "max-f1", "target-recall"};
const std::set<std::string, std::less<>> kThresholdSplits{"", "train", "validation"};

bool is_hex_digest(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Checks the metadata on its own and against the scaler and classifier. The messages name the
// model file's fields; the loader reports them as kCorrupt, create() as kInvalidArgument.
Status validate(const Scaler& scaler, const Classifier& classifier, const ModelMetadata& m) {
  constexpr ErrorCode kBad = ErrorCode::kInvalidArgument;
  if (m.feature_names.empty()) return fail(kBad, "field 'features' is empty");
  if (scaler.num_features() != m.feature_names.size()) {
    return fail(kBad, "field 'scaler' has {} features but 'features' names {}",
                scaler.num_features(), m.feature_names.size());
  }
  if (classifier.num_features() != m.feature_names.size()) {
    return fail(kBad, "field 'parameters' has {} features but 'features' names {}",
                classifier.num_features(), m.feature_names.size());
  }
  if (m.label_name.empty()) return fail(kBad, "field 'label' is empty");
  const ThresholdSetting& t = m.threshold;
  if (!(t.value >= 0 && t.value <= 1)) {
    return fail(kBad, "field 'threshold.value' is {}, not in [0, 1]", t.value);
  }
  if (!kThresholdRules.contains(t.rule)) {
    return fail(kBad, "field 'threshold.rule' is '{}' (expected fixed, max-f1 or target-recall)",
                t.rule);
  }
  if ((t.rule == "target-recall") != t.target_recall.has_value() ||
      (t.target_recall && !(*t.target_recall > 0 && *t.target_recall <= 1))) {
    return fail(kBad,
                "field 'threshold.target_recall' must be in (0, 1] exactly with rule "
                "target-recall");
  }
  if (!kThresholdSplits.contains(t.chosen_on) || (t.rule == "fixed") != t.chosen_on.empty()) {
    return fail(kBad,
                "field 'threshold.chosen_on' is '{}' (expected train or validation, or empty "
                "with rule fixed)",
                t.chosen_on);
  }
  if (m.alert_levels.empty() || m.alert_levels.front().from != 0) {
    return fail(kBad, "field 'alert_levels' must start with a level from 0");
  }
  for (size_t i = 0; i < m.alert_levels.size(); ++i) {
    const AlertLevel& level = m.alert_levels[i];
    if (level.name.empty() || !(level.from >= 0 && level.from <= 1) ||
        (i > 0 && !(level.from > m.alert_levels[i - 1].from))) {
      return fail(kBad,
                  "field 'alert_levels[{}]' needs a name and a 'from' in [0, 1] above the "
                  "previous level's",
                  i);
    }
  }
  if (!m.metrics.is_object()) return fail(kBad, "field 'metrics' is not an object");
  for (const auto& [split, metrics] : m.metrics.items()) {
    if (!metrics.is_object()) return fail(kBad, "field 'metrics.{}' is not an object", split);
  }
  if (!is_hex_digest(m.training.dataset_sha256)) {
    return fail(kBad, "field 'training.dataset_sha256' is not 64 lower-case hex digits");
  }
  if (m.training.train_rows == 0 ||
      m.training.train_positives + m.training.train_negatives != m.training.train_rows) {
    return fail(kBad, "field 'training.class_balance' does not add up to 'training.rows.train'");
  }
  if (!m.training.options.is_object())
    return fail(kBad, "field 'training.options' is not an object");
  const std::vector<FeatureRange>& ranges = m.training.feature_ranges;
  if (!ranges.empty() && ranges.size() != m.feature_names.size()) {
    return fail(kBad, "field 'training.feature_ranges' has {} features but 'features' names {}",
                ranges.size(), m.feature_names.size());
  }
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (!(std::isfinite(ranges[i].min) && std::isfinite(ranges[i].max) &&
          ranges[i].min <= ranges[i].max)) {
      return fail(kBad, "field 'training.feature_ranges' for '{}' needs finite min <= max",
                  m.feature_names[i]);
    }
  }
  return {};
}

// "feature_ranges": {"min": [...], "max": [...]}, optional (older files do not have it).
Result<std::vector<FeatureRange>> feature_ranges_from_json(const nlohmann::json& training) {
  const auto it = training.find("feature_ranges");
  if (it == training.end()) return std::vector<FeatureRange>{};
  const std::string path = "training.feature_ranges";
  if (auto status = expect_object(*it, path); !status) return fail(status.error());
  auto min = number_array_field(*it, path, "min");
  if (!min) return fail(min.error());
  auto max = number_array_field(*it, path, "max", min->size());
  if (!max) return fail(max.error());
  std::vector<FeatureRange> ranges;
  for (size_t i = 0; i < min->size(); ++i) ranges.push_back({(*min)[i], (*max)[i]});
  return ranges;
}

nlohmann::json feature_ranges_to_json(const std::vector<FeatureRange>& ranges) {
  nlohmann::json min = nlohmann::json::array();
  nlohmann::json max = nlohmann::json::array();
  for (const FeatureRange& range : ranges) {
    min.push_back(range.min);
    max.push_back(range.max);
  }
  return {{"min", std::move(min)}, {"max", std::move(max)}};
}

Result<ThresholdSetting> threshold_from_json(const nlohmann::json& root) {
  auto object = object_field(root, "", "threshold");
  if (!object) return fail(object.error());
  const nlohmann::json& t = **object;
  ThresholdSetting setting;
  auto value = number_field(t, "threshold", "value");
  if (!value) return fail(value.error());
  setting.value = *value;
  auto rule = string_field(t, "threshold", "rule");
  if (!rule) return fail(rule.error());
  setting.rule = *rule;
  auto chosen_on = string_field(t, "threshold", "chosen_on");
  if (!chosen_on) return fail(chosen_on.error());
  setting.chosen_on = *chosen_on;
  if (t.contains("target_recall") && !t["target_recall"].is_null()) {
    auto recall = number_field(t, "threshold", "target_recall");
    if (!recall) return fail(recall.error());
    setting.target_recall = *recall;
  }
  return setting;
}

Result<std::vector<AlertLevel>> alert_levels_from_json(const nlohmann::json& root) {
  auto it = root.find("alert_levels");
  if (it == root.end() || !it->is_array()) {
    return fail(ErrorCode::kCorrupt, "field 'alert_levels' is not an array");
  }
  std::vector<AlertLevel> levels;
  for (size_t i = 0; i < it->size(); ++i) {
    const std::string path = fmt::format("alert_levels[{}]", i);
    auto name = string_field((*it)[i], path, "name");
    if (!name) return fail(name.error());
    auto from = number_field((*it)[i], path, "from");
    if (!from) return fail(from.error());
    levels.push_back({*name, *from});
  }
  return levels;
}

Result<TrainingRecord> training_from_json(const nlohmann::json& root) {
  auto object = object_field(root, "", "training");
  if (!object) return fail(object.error());
  const nlohmann::json& t = **object;
  TrainingRecord record;
  auto hash = string_field(t, "training", "dataset_sha256");
  if (!hash) return fail(hash.error());
  record.dataset_sha256 = *hash;
  auto rows = object_field(t, "training", "rows");
  if (!rows) return fail(rows.error());
  auto balance = object_field(t, "training", "class_balance");
  if (!balance) return fail(balance.error());
  const std::pair<const nlohmann::json*, std::pair<const char*, size_t*>> counts[] = {
      {*rows, {"train", &record.train_rows}},
      {*rows, {"validation", &record.validation_rows}},
      {*rows, {"test", &record.test_rows}},
      {*balance, {"positives", &record.train_positives}},
      {*balance, {"negatives", &record.train_negatives}},
  };
  for (const auto& [object_json, field] : counts) {
    const char* path = object_json == *rows ? "training.rows" : "training.class_balance";
    auto count = count_field(*object_json, path, field.first);
    if (!count) return fail(count.error());
    *field.second = static_cast<size_t>(*count);
  }
  auto seed = count_field(t, "training", "seed");
  if (!seed) return fail(seed.error());
  record.seed = *seed;
  auto options = object_field(t, "training", "options");
  if (!options) return fail(options.error());
  record.options = **options;
  auto ranges = feature_ranges_from_json(t);
  if (!ranges) return fail(ranges.error());
  record.feature_ranges = std::move(*ranges);
  return record;
}

nlohmann::json resources_to_json(const ResourceFigures& r) {
  return {{"parameters", r.parameters}, {"macs", r.macs}, {"model_bytes", r.model_bytes}};
}

// The stored resource figures must be the ones the parameters imply.
Status check_resources(const nlohmann::json& root, const ResourceFigures& actual) {
  auto object = object_field(root, "", "resources");
  if (!object) return fail(object.error());
  const std::pair<const char*, size_t> expected[] = {{"parameters", actual.parameters},
                                                     {"macs", actual.macs},
                                                     {"model_bytes", actual.model_bytes}};
  for (const auto& [name, value] : expected) {
    auto stored = count_field(**object, "resources", name);
    if (!stored) return fail(stored.error());
    if (*stored != value) {
      return fail(ErrorCode::kCorrupt, "field 'resources.{}' is {} but the parameters give {}",
                  name, *stored, value);
    }
  }
  return {};
}

Result<ModelMetadata> metadata_from_json(const nlohmann::json& root) {
  ModelMetadata m;
  auto features = name_array_field(root, "", "features");
  if (!features) return fail(features.error());
  m.feature_names = std::move(*features);
  auto label = string_field(root, "", "label");
  if (!label) return fail(label.error());
  m.label_name = std::move(*label);
  auto threshold = threshold_from_json(root);
  if (!threshold) return fail(threshold.error());
  m.threshold = std::move(*threshold);
  auto levels = alert_levels_from_json(root);
  if (!levels) return fail(levels.error());
  m.alert_levels = std::move(*levels);
  auto metrics = object_field(root, "", "metrics");
  if (!metrics) return fail(metrics.error());
  m.metrics = **metrics;
  auto training = training_from_json(root);
  if (!training) return fail(training.error());
  m.training = std::move(*training);
  auto version = string_field(root, "", "tool_version");
  if (!version) return fail(version.error());
  m.tool_version = std::move(*version);
  auto created = string_field(root, "", "created");
  if (!created) return fail(created.error());
  m.created = std::move(*created);
  return m;
}

Status check_format(const nlohmann::json& root) {
  if (auto status = expect_object(root, ""); !status) return status;
  auto format = string_field(root, "", "format");
  if (!format) return fail(format.error());
  if (*format != kModelFormat) {
    return fail(ErrorCode::kCorrupt, "field 'format' is '{}', expected '{}'", *format,
                kModelFormat);
  }
  auto version = count_field(root, "", "format_version");
  if (!version) return fail(version.error());
  if (*version != kModelFormatVersion) {
    return fail(ErrorCode::kCorrupt,
                "field 'format_version' is {}; this aiotops reads version {} only", *version,
                kModelFormatVersion);
  }
  return {};
}

}  // namespace

std::vector<AlertLevel> default_alert_levels() {
  return {{"no-fault", 0.0}, {"potential-failure", 0.5}, {"immediate-failure", 0.8}};
}

Result<Model> Model::create(Scaler scaler, std::unique_ptr<Classifier> classifier,
                            ModelMetadata metadata) {
  if (!classifier) return fail(ErrorCode::kInvalidArgument, "model: no classifier");
  if (auto status = validate(scaler, *classifier, metadata); !status) {
    return fail(status.error());
  }
  return Model(std::move(scaler), std::move(classifier), std::move(metadata));
}

double Model::score(std::span<const double> raw_row) const {
  thread_local std::vector<double> standardized;
  standardized.resize(raw_row.size());
  scaler_.transform_row(raw_row, standardized);
  return classifier_->predict_proba(standardized);
}

Vector Model::score_batch(const Matrix& raw) const {
  return classifier_->predict_proba_batch(scaler_.transform(raw));
}

const AlertLevel& Model::alert_level(double score) const {
  auto above = std::upper_bound(metadata_.alert_levels.begin(), metadata_.alert_levels.end(), score,
                                [](double s, const AlertLevel& level) { return s < level.from; });
  return above == metadata_.alert_levels.begin() ? *above : *(above - 1);
}

ResourceFigures Model::resources() const {
  const size_t parameters = classifier_->parameter_count();
  return {.parameters = parameters,
          .macs = classifier_->macs(),
          .model_bytes = sizeof(float) * (parameters + 2 * scaler_.num_features())};
}

nlohmann::json model_to_json(const Model& model) {
  const ModelMetadata& m = model.metadata();
  nlohmann::json levels = nlohmann::json::array();
  for (const AlertLevel& level : m.alert_levels) {
    levels.push_back({{"name", level.name}, {"from", level.from}});
  }
  const TrainingRecord& t = m.training;
  nlohmann::json training = {
      {"dataset_sha256", t.dataset_sha256},
      {"rows", {{"train", t.train_rows}, {"validation", t.validation_rows}, {"test", t.test_rows}}},
      {"class_balance", {{"positives", t.train_positives}, {"negatives", t.train_negatives}}},
      {"seed", t.seed},
      {"options", t.options}};
  if (!t.feature_ranges.empty())
    training["feature_ranges"] = feature_ranges_to_json(t.feature_ranges);
  return {
      {"format", kModelFormat},
      {"format_version", kModelFormatVersion},
      {"kind", to_string(model.classifier().kind())},
      {"features", m.feature_names},
      {"label", m.label_name},
      {"scaler", model.scaler().to_json()},
      {"parameters", model.classifier().parameters_to_json()},
      {"threshold",
       {{"value", m.threshold.value},
        {"rule", m.threshold.rule},
        {"target_recall",
         m.threshold.target_recall ? nlohmann::json(*m.threshold.target_recall) : nlohmann::json()},
        {"chosen_on", m.threshold.chosen_on}}},
      {"alert_levels", levels},
      {"metrics", m.metrics},
      {"training", std::move(training)},
      {"resources", resources_to_json(model.resources())},
      {"tool_version", m.tool_version},
      {"created", m.created},
  };
}

Result<Model> model_from_json(const nlohmann::json& document) {
  if (auto status = check_format(document); !status) return fail(status.error());
  auto kind_name = string_field(document, "", "kind");
  if (!kind_name) return fail(kind_name.error());
  auto kind = parse_model_kind(*kind_name);
  if (!kind) return fail(ErrorCode::kCorrupt, "field 'kind': {}", kind.error().message());
  auto metadata = metadata_from_json(document);
  if (!metadata) return fail(metadata.error());
  auto scaler_json = object_field(document, "", "scaler");
  if (!scaler_json) return fail(scaler_json.error());
  auto scaler = Scaler::from_json(**scaler_json, metadata->feature_names.size());
  if (!scaler) return fail(scaler.error());
  auto parameters = object_field(document, "", "parameters");
  if (!parameters) return fail(parameters.error());
  auto classifier = classifier_from_json(*kind, **parameters);
  if (!classifier) return fail(classifier.error());
  auto model = Model::create(std::move(*scaler), std::move(*classifier), std::move(*metadata));
  if (!model) return fail(ErrorCode::kCorrupt, "{}", model.error().message());
  if (auto status = check_resources(document, model->resources()); !status) {
    return fail(status.error());
  }
  return model;
}

Status save_model(const Model& model, const std::filesystem::path& path) {
  return write_file_atomic(path, model_to_json(model).dump(2) + "\n");
}

Result<Model> load_model(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) return fail(text.error());
  nlohmann::json document = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return fail(ErrorCode::kCorrupt, "{}: not a JSON document", path.string());
  }
  auto model = model_from_json(document);
  if (!model) return fail(model.error().with_context(path.string()));
  return model;
}

}  // namespace aiotops::ml
