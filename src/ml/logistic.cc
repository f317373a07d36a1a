#include "ml/logistic.h"

#include <cmath>

namespace aiotops::ml {

double LogisticRegression::predict_proba(std::span<const double> standardized_row) const {
  return sigmoid(f_(standardized_row));
}

Vector LogisticRegression::predict_proba_batch(const Matrix& x) const {
  return sigmoid(f_.batch(x));
}

nlohmann::json LogisticRegression::parameters_to_json() const {
  nlohmann::json parameters = nlohmann::json::object();
  f_.to_json(parameters);
  return parameters;
}

Result<std::unique_ptr<LogisticRegression>> train_logistic(const Matrix& x,
                                                           std::span<const double> labels,
                                                           std::span<const double> sample_weights,
                                                           const LogisticOptions& options) {
  if (!(options.c > 0) || !std::isfinite(options.c)) {
    return fail(ErrorCode::kInvalidArgument, "logistic regression: C must be > 0, got {}",
                options.c);
  }
  auto fit = fit_linear_newton(x, labels, sample_weights, LinearLoss::kLogistic, 1.0 / options.c,
                               options.newton);
  if (!fit) return fail(fit.error().with_context("logistic regression"));
  return std::make_unique<LogisticRegression>(
      LinearFunction{.weights = std::move(fit->weights), .bias = fit->bias});
}

Result<std::unique_ptr<Classifier>> logistic_from_json(const nlohmann::json& parameters) {
  auto f = LinearFunction::from_json(parameters);
  if (!f) return fail(f.error());
  return std::make_unique<LogisticRegression>(std::move(*f));
}

}  // namespace aiotops::ml
