#pragma once
// The trained model as a whole (scaler + classifier + metadata) and its file: versioned JSON,
// specified in docs/formats/model.md. Files are untrusted input: loading validates every field
// and fails with kCorrupt naming the first bad one. Saving is atomic (temp file + rename).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "ml/classifier.h"
#include "ml/scaler.h"

namespace aiotops::ml {

inline constexpr std::string_view kModelFormat = "aiotops-model";
inline constexpr int kModelFormatVersion = 1;

// A named score band: scores from `from` (inclusive) up to the next level's `from`.
struct AlertLevel {
  std::string name;
  double from = 0;  // in [0, 1]
};

// The reference system's levels: [0, 0.5) no-fault, [0.5, 0.8) potential-failure,
// [0.8, 1] immediate-failure.
std::vector<AlertLevel> default_alert_levels();

// The decision threshold and how it was chosen.
struct ThresholdSetting {
  double value = 0.5;                   // predict fault when score >= value; in [0, 1]
  std::string rule = "fixed";           // "fixed", "max-f1" or "target-recall"
  std::optional<double> target_recall;  // with rule "target-recall", in (0, 1]
  std::string chosen_on;                // "train" or "validation"; empty with rule "fixed"
};

// The smallest and largest raw value of one feature among the training rows.
struct FeatureRange {
  double min = 0;
  double max = 0;
};

// Where the model came from.
struct TrainingRecord {
  std::string dataset_sha256;  // telemetry::dataset_content_hash of the whole input dataset
  size_t train_rows = 0;
  size_t validation_rows = 0;
  size_t test_rows = 0;
  size_t train_positives = 0;  // class balance of the rows the model was fitted on
  size_t train_negatives = 0;
  uint64_t seed = 0;
  nlohmann::json options = nlohmann::json::object();  // hyperparameters and split, as used
  // Per feature (feature_names order), over the training rows: what the edge service checks
  // telemetry against. Empty in files written before the field existed.
  std::vector<FeatureRange> feature_ranges;
};

struct ModelMetadata {
  std::vector<std::string> feature_names;  // raw input columns, in the order score() expects
  std::string label_name;
  ThresholdSetting threshold;
  std::vector<AlertLevel> alert_levels = default_alert_levels();
  // Split name ("train", "validation", "test", "cross_validation") -> metrics object.
  nlohmann::json metrics = nlohmann::json::object();
  TrainingRecord training;
  std::string tool_version;  // aiotops version that trained the model
  std::string created;       // UTC, ISO 8601 ("2025-01-31T12:00:00Z")
};

// Resource figures of the deployed model: trainable parameters (scaler excluded), multiply-
// accumulates per inference, and bytes of float32 values inference needs (classifier parameters
// plus the scaler's mean and scale).
struct ResourceFigures {
  size_t parameters = 0;
  size_t macs = 0;
  size_t model_bytes = 0;
};

// Immutable after create(); score() and score_batch() are thread-safe.
class Model {
 public:
  // Fails with kInvalidArgument when the scaler, classifier and feature names disagree in
  // size, or the threshold or alert levels are out of range.
  static Result<Model> create(Scaler scaler, std::unique_ptr<Classifier> classifier,
                              ModelMetadata metadata);

  // P(fault) for one raw row in feature_names order (standardized here). Allocation-free after a
  // thread's first call.
  double score(std::span<const double> raw_row) const;
  // P(fault) for every raw row (rows x features).
  Vector score_batch(const Matrix& raw) const;
  // The alert level a score falls in.
  const AlertLevel& alert_level(double score) const;
  ResourceFigures resources() const;

  const Scaler& scaler() const { return scaler_; }
  const Classifier& classifier() const { return *classifier_; }
  const ModelMetadata& metadata() const { return metadata_; }

 private:
  Model(Scaler scaler, std::unique_ptr<Classifier> classifier, ModelMetadata metadata)
      : scaler_(std::move(scaler)),
        classifier_(std::move(classifier)),
        metadata_(std::move(metadata)) {}

  Scaler scaler_;
  std::unique_ptr<Classifier> classifier_;
  ModelMetadata metadata_;
};

// The model file's JSON document. Never fails.
nlohmann::json model_to_json(const Model& model);
// Rebuilds a model from model_to_json() output; kCorrupt naming the first bad field.
Result<Model> model_from_json(const nlohmann::json& document);

// Writes the model file atomically: on failure `path` is untouched (kIo).
Status save_model(const Model& model, const std::filesystem::path& path);
// Reads and validates a model file: kNotFound/kIo for the file, kCorrupt ("<path>: field 'x'
// ...") for its contents. Thread-safe.
Result<Model> load_model(const std::filesystem::path& path);

}  // namespace aiotops::ml
