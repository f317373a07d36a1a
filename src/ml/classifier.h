#pragma once
// The contract every trained model kind implements. A Classifier sees standardized features
// (the Scaler in the model file maps raw readings to them) and returns P(fault).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace aiotops::ml {

// Row-major so one row is one reading, contiguous.
using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXd;

enum class ModelKind { kLogistic, kLinearSvm, kNaiveBayes, kMlp };
std::string_view to_string(ModelKind kind);  // "logistic", "svm", "naive-bayes", "mlp"
Result<ModelKind> parse_model_kind(std::string_view name);

// Called by long training runs after each epoch/iteration; implementations print it.
struct Progress {
  size_t epoch = 0;
  size_t max_epochs = 0;
  double train_loss = 0;
  double validation_loss = 0;  // NaN when there is no validation set
  double elapsed_seconds = 0;
};
using ProgressCallback = std::function<void(const Progress&)>;

// Thread-safety: a trained Classifier is immutable; predict_* may be called concurrently.
class Classifier {
 public:
  virtual ~Classifier() = default;
  virtual ModelKind kind() const = 0;
  // P(label = 1) for one standardized row of num_features() values.
  virtual double predict_proba(std::span<const double> standardized_row) const = 0;
  // P(label = 1) for every row of `x` (rows x num_features()).
  virtual Vector predict_proba_batch(const Matrix& x) const;
  virtual size_t num_features() const = 0;
  // Resource figures: trainable parameters and multiply-accumulates per inference.
  virtual size_t parameter_count() const = 0;
  virtual size_t macs() const = 0;
  // The kind-specific parameters as stored in the model file (docs/formats/model.md).
  virtual nlohmann::json parameters_to_json() const = 0;
};

// Rebuilds a classifier from parameters_to_json() output. Fails with kCorrupt naming the field
// that is missing, mistyped or inconsistent in size. Dispatches to the per-kind loader that each
// kind's header declares as `Result<std::unique_ptr<Classifier>> <kind>_from_json(const
// nlohmann::json&)`: logistic_from_json (logistic.h), linear_svm_from_json (linear_svm.h),
// naive_bayes_from_json (naive_bayes.h), mlp_from_json (mlp.h).
Result<std::unique_ptr<Classifier>> classifier_from_json(ModelKind kind,
                                                         const nlohmann::json& parameters);

}  // namespace aiotops::ml
