#pragma once
// Training end to end: checks the data, splits it, fits the scaler on the training part only,
// fits the chosen classifier (with optional class weights), picks the threshold, measures every
// part, and returns a Model ready to save. `aiotops train` is a thin shell around train_model.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "ml/classifier.h"
#include "ml/metrics.h"
#include "ml/mlp.h"
#include "ml/model_file.h"
#include "ml/split.h"
#include "telemetry/dataset.h"

namespace aiotops::ml {

// Fewest labelled rows train_model accepts.
inline constexpr size_t kMinTrainingRows = 10;

enum class ClassWeight {
  kNone,      // every row weighs 1
  kBalanced,  // rows of class c weigh n / (2 * n_c), as scikit-learn's class_weight="balanced"
};
std::string_view to_string(ClassWeight weight);  // "none", "balanced"
Result<ClassWeight> parse_class_weight(std::string_view name);
std::string_view to_string(ThresholdRule rule);  // "max-f1", "target-recall"
Result<ThresholdRule> parse_threshold_rule(std::string_view name);

// How the rows are divided. With no field set, the model is fitted on every row.
struct SplitOptions {
  double validation_fraction = 0;  // of each class (stratified), in [0, 1)
  double test_fraction = 0;        // of each class (stratified), in [0, 1)
  // Every row of these devices forms the test part (then validation_fraction applies to the
  // remaining rows); excludes test_fraction.
  std::vector<std::string> holdout_devices;
  // >= 2: stratified k-fold cross-validation report first, then the model is fitted on every
  // row; excludes the other fields.
  size_t cv_folds = 0;
};

struct TrainOptions {
  ModelKind kind = ModelKind::kLogistic;
  double c = 1.0;  // inverse L2 strength of logistic regression and the linear SVM, > 0
  ClassWeight class_weight = ClassWeight::kNone;
  MlpOptions mlp;  // used when kind is kMlp; its seed is replaced by `seed`
  SplitOptions split;
  ThresholdRule threshold_rule = ThresholdRule::kMaxF1;  // applied on validation, else train
  double target_recall = 0.9;                            // for kTargetRecall, in (0, 1]
  uint64_t seed = 0;                                     // split shuffles and MLP initialisation
  std::string tool_version;                              // recorded in the model file
  std::string created;  // UTC ISO 8601 time recorded in the model file
};

struct TrainReport {
  Model model;
  double fit_seconds = 0;  // wall time of the final classifier fit only
  Split split;             // row indices of the input dataset in each part
};

// Checks what training needs: a label column, at least kMinTrainingRows rows, labels exactly 0
// or 1 (else names the data row, 1-based, and the value), both classes present. Fails with
// kInvalidArgument. Thread-safe.
Status check_training_data(const telemetry::Dataset& dataset);

// Trains a model on `dataset` (its feature columns, in order, are the model's inputs).
// Fails with kInvalidArgument on bad data or options (messages name the feature, row, device
// or option), kNotFound for a held-out device without rows. `progress` (may be empty) receives
// the MLP's epochs. Thread-safe (no shared state).
Result<TrainReport> train_model(const telemetry::Dataset& dataset, const TrainOptions& options,
                                const ProgressCallback& progress = {});

}  // namespace aiotops::ml
