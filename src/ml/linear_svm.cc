#include "ml/linear_svm.h"

#include <cmath>
#include <vector>

#include "ml/json_fields.h"

namespace aiotops::ml {

double LinearSvm::predict_proba(std::span<const double> standardized_row) const {
  return sigmoid(platt_.a * f_(standardized_row) + platt_.c);
}

Vector LinearSvm::predict_proba_batch(const Matrix& x) const {
  return sigmoid(((platt_.a * f_.batch(x)).array() + platt_.c).matrix());
}

nlohmann::json LinearSvm::parameters_to_json() const {
  nlohmann::json parameters = nlohmann::json::object();
  f_.to_json(parameters);
  parameters["platt_a"] = platt_.a;
  parameters["platt_c"] = platt_.c;
  return parameters;
}

Result<PlattScaling> fit_platt(const Vector& f, std::span<const double> labels,
                               std::span<const double> sample_weights,
                               const NewtonOptions& options) {
  double positives = 0;
  for (double label : labels) positives += label;
  const double negatives = static_cast<double>(labels.size()) - positives;
  const double high = (positives + 1) / (positives + 2);
  const double low = 1 / (negatives + 2);
  std::vector<double> targets(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) targets[i] = labels[i] > 0.5 ? high : low;
  const Matrix column = f;
  auto fit =
      fit_linear_newton(column, targets, sample_weights, LinearLoss::kLogistic, 0.0, options);
  if (!fit) return fail(fit.error().with_context("Platt scaling"));
  return PlattScaling{.a = fit->weights(0), .c = fit->bias};
}

Result<std::unique_ptr<LinearSvm>> train_linear_svm(const Matrix& x, std::span<const double> labels,
                                                    std::span<const double> sample_weights,
                                                    const LinearSvmOptions& options) {
  if (!(options.c > 0) || !std::isfinite(options.c)) {
    return fail(ErrorCode::kInvalidArgument, "linear SVM: C must be > 0, got {}", options.c);
  }
  auto fit = fit_linear_newton(x, labels, sample_weights, LinearLoss::kSquaredHinge,
                               1.0 / options.c, options.newton);
  if (!fit) return fail(fit.error().with_context("linear SVM"));
  LinearFunction f{.weights = std::move(fit->weights), .bias = fit->bias};
  auto platt = fit_platt(f.batch(x), labels, sample_weights, options.newton);
  if (!platt) return fail(platt.error().with_context("linear SVM"));
  return std::make_unique<LinearSvm>(std::move(f), *platt);
}

Result<std::unique_ptr<Classifier>> linear_svm_from_json(const nlohmann::json& parameters) {
  auto f = LinearFunction::from_json(parameters);
  if (!f) return fail(f.error());
  auto a = number_field(parameters, "parameters", "platt_a");
  if (!a) return fail(a.error());
  auto c = number_field(parameters, "parameters", "platt_c");
  if (!c) return fail(c.error());
  return std::make_unique<LinearSvm>(std::move(*f), PlattScaling{.a = *a, .c = *c});
}

}  // namespace aiotops::ml
