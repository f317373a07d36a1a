#pragma once
// Linear support vector machine with probability outputs. The margin is fitted as
// scikit-learn's LinearSVC (L2-regularized squared hinge):  C * sum_i s_i * max(0, 1 - y_i f_i)^2
// + ||w||^2 / 2 with f = w . x + b, by Newton's method; unlike LinearSVC the intercept is not
// penalized. Platt scaling then maps the decision value to P(fault) = sigmoid(a f + c), fitted
// on the training decision values with Platt's smoothed targets.

#include <memory>
#include <span>

#include "common/error.h"
#include "ml/classifier.h"
#include "ml/linear_function.h"
#include "ml/linear_newton.h"

namespace aiotops::ml {

struct LinearSvmOptions {
  double c = 1.0;        // inverse regularization strength (LinearSVC's C), > 0
  NewtonOptions newton;  // iteration limit and tolerance of both fits
};

// Platt's calibration of a decision value f: P = sigmoid(a * f + c).
struct PlattScaling {
  double a = 1;
  double c = 0;
};

// Immutable; thread-safe.
class LinearSvm final : public Classifier {
 public:
  LinearSvm(LinearFunction f, PlattScaling platt) : f_(std::move(f)), platt_(platt) {}

  ModelKind kind() const override { return ModelKind::kLinearSvm; }
  double predict_proba(std::span<const double> standardized_row) const override;
  Vector predict_proba_batch(const Matrix& x) const override;
  size_t num_features() const override { return static_cast<size_t>(f_.weights.size()); }
  size_t parameter_count() const override { return num_features() + 3; }
  size_t macs() const override { return num_features() + 1; }
  // {"weights": [...], "bias": b, "platt_a": a, "platt_c": c}
  nlohmann::json parameters_to_json() const override;

  const LinearFunction& function() const { return f_; }
  const PlattScaling& platt() const { return platt_; }

 private:
  LinearFunction f_;
  PlattScaling platt_;
};

// Fits on standardized rows `x` with 0/1 `labels` and non-negative `sample_weights`.
// Fails with kInvalidArgument on mismatched sizes, C <= 0 or negative weights. Thread-safe.
Result<std::unique_ptr<LinearSvm>> train_linear_svm(const Matrix& x, std::span<const double> labels,
                                                    std::span<const double> sample_weights,
                                                    const LinearSvmOptions& options = {});

// Platt scaling of decision values `f` against 0/1 `labels`, weighted by `sample_weights`:
// targets (positives + 1) / (positives + 2) and 1 / (negatives + 2), unregularized logistic fit.
Result<PlattScaling> fit_platt(const Vector& f, std::span<const double> labels,
                               std::span<const double> sample_weights,
                               const NewtonOptions& options = {});

// Loads parameters_to_json() output; kCorrupt naming the field.
Result<std::unique_ptr<Classifier>> linear_svm_from_json(const nlohmann::json& parameters);

}  // namespace aiotops::ml
