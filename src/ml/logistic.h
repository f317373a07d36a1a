#pragma once
// L2-regularized logistic regression, solved exactly by Newton's method (IRLS).
// Objective, as scikit-learn's LogisticRegression:  C * sum_i s_i * logloss_i + ||w||^2 / 2,
// with the intercept unpenalized.

#include <memory>
#include <span>

#include "common/error.h"
#include "ml/classifier.h"
#include "ml/linear_function.h"
#include "ml/linear_newton.h"

namespace aiotops::ml {

struct LogisticOptions {
  double c = 1.0;        // inverse regularization strength (scikit-learn's C), > 0
  NewtonOptions newton;  // iteration limit and tolerance
};

// P(fault) = sigmoid(w . x + b). Immutable; thread-safe.
class LogisticRegression final : public Classifier {
 public:
  explicit LogisticRegression(LinearFunction f) : f_(std::move(f)) {}

  ModelKind kind() const override { return ModelKind::kLogistic; }
  double predict_proba(std::span<const double> standardized_row) const override;
  Vector predict_proba_batch(const Matrix& x) const override;
  size_t num_features() const override { return static_cast<size_t>(f_.weights.size()); }
  size_t parameter_count() const override { return num_features() + 1; }
  size_t macs() const override { return num_features(); }
  // {"weights": [...], "bias": b}
  nlohmann::json parameters_to_json() const override;

  const LinearFunction& function() const { return f_; }

 private:
  LinearFunction f_;
};

// Fits on standardized rows `x` with 0/1 `labels` and non-negative `sample_weights` (one per
// row). Fails with kInvalidArgument on mismatched sizes, C <= 0 or negative weights.
// Thread-safe (pure).
Result<std::unique_ptr<LogisticRegression>> train_logistic(const Matrix& x,
                                                           std::span<const double> labels,
                                                           std::span<const double> sample_weights,
                                                           const LogisticOptions& options = {});

// Loads parameters_to_json() output; kCorrupt naming the field.
Result<std::unique_ptr<Classifier>> logistic_from_json(const nlohmann::json& parameters);

}  // namespace aiotops::ml
