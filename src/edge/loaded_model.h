#pragma once
// A model file loaded, verified and checked for the edge service, with one scorer per worker
// lane. Loading accepts a native model file (JSON, checked by the model file validator) or a
// .tflite file (checked by the inference core's verifier) and refuses, with a reason naming the
// file, a model that fails verification, names no features, needs a feature the service does
// not read, or carries bad alert levels or threshold.
//
// Model version (what results, logs and metrics name):
//   .tflite: "<model_name>:<model_version>" from its "aiotops" metadata; a missing part is
//            replaced by the first 12 hex digits of the file's SHA-256 ("motor:3", "motor:1a2b..")
//   native:  "<kind>:<created>-<sha12>", created reduced to its letters and digits
//            ("mlp:20250131T120000Z-1a2b3c4d5e6f"); "<kind>:<sha12>" without a creation time.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "edge/model_source.h"
#include "edge/scorer.h"
#include "edge/telemetry_decoder.h"
#include "ml/model_file.h"

namespace aiotops::edge {

enum class ModelFormat { kNative, kTflite };
std::string_view to_string(ModelFormat format);  // "native", "tflite"

// What a loaded model says about itself. Immutable once loaded.
struct ModelInfo {
  std::string version;  // see the rule above
  std::string origin;   // the file (or other source) it was loaded from
  std::string sha256;   // of the file's bytes, lower-case hex
  ModelFormat format = ModelFormat::kNative;
  size_t file_bytes = 0;
  std::vector<std::string> feature_names;  // the model's inputs, in the order it scores them
  double threshold = 0.5;                  // a score at or above it is a fault, in [0, 1]
  // Score bands, ascending from 0; the model's own, or the reference's defaults when a .tflite
  // file names none.
  std::vector<ml::AlertLevel> alert_levels;
  // Per feature (feature_names order), the training rows' range; empty when the model carries
  // none (then the service cannot flag out-of-range telemetry for it).
  std::vector<ValueRange> training_ranges;
  TrainingData training;  // what its source said about its training data
};

struct LoadOptions {
  // Telemetry features the service reads; a model needing any other is refused. Empty: any
  // feature names are accepted.
  std::vector<std::string> available_features;
  size_t lanes = 1;                          // scorers, one per worker thread; >= 1
  size_t max_file_bytes = size_t{64} << 20;  // bytes; larger files are refused unread
};

// Immutable and shared (std::shared_ptr<const LoadedModel>) between the slot and the workers.
// score() on distinct lanes is thread-safe; one lane must be used by one thread at a time.
class LoadedModel {
 public:
  // Reads and loads a model file. kNotFound/kIo for the file, kResourceExhausted when it is
  // larger than options.max_file_bytes, kCorrupt when verification fails, kInvalidArgument when
  // the model does not fit the service (features, levels); every message starts with the path.
  static Result<std::shared_ptr<const LoadedModel>> load(const std::filesystem::path& path,
                                                         const LoadOptions& options);
  // The same from bytes already read; `origin` names them in messages and in info().origin,
  // `training` is kept as info().training.
  static Result<std::shared_ptr<const LoadedModel>> from_bytes(std::string_view bytes,
                                                               std::string_view origin,
                                                               const LoadOptions& options,
                                                               TrainingData training = {});

  const ModelInfo& info() const { return info_; }
  size_t lanes() const { return lanes_.size(); }

  // P(fault) for one row of raw values in info().feature_names order, on scorer `lane`
  // (< lanes()). kInvalidArgument for a bad lane or row size. No allocation once the lane has
  // scored once.
  Result<double> score(size_t lane, std::span<const double> row) const;

 private:
  LoadedModel(ModelInfo info, std::vector<std::unique_ptr<Scorer>> lanes)
      : info_(std::move(info)), lanes_(std::move(lanes)) {}

  ModelInfo info_;
  // Each lane's scorer is mutable state owned by one worker; the pointers themselves never
  // change, so score() can stay const for the shared object.
  std::vector<std::unique_ptr<Scorer>> lanes_;
};

// The level `score` falls in: the last one whose `from` it reaches (the first for scores below
// every `from`). `levels` must be non-empty and ascending. Allocation-free; thread-safe.
const ml::AlertLevel& level_for(std::span<const ml::AlertLevel> levels, double score);

// Checks score bands: non-empty, named, the first from 0, each `from` in [0, 1] and above the
// previous. kInvalidArgument naming the bad level.
Status check_alert_levels(std::span<const ml::AlertLevel> levels);

}  // namespace aiotops::edge
