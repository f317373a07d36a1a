#include "ml/linear_function.h"

#include <cmath>

#include "ml/json_fields.h"

namespace aiotops::ml {

double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

Vector sigmoid(const Vector& z) {
  const Eigen::ArrayXd e = (-z.array().abs()).exp();
  const Eigen::ArrayXd inverse = 1.0 / (1.0 + e);
  return (z.array() >= 0.0).select(inverse, e * inverse).matrix();
}

double LinearFunction::operator()(std::span<const double> row) const {
  return Eigen::Map<const Vector>(row.data(), static_cast<Eigen::Index>(row.size())).dot(weights) +
         bias;
}

Vector LinearFunction::batch(const Matrix& x) const { return (x * weights).array() + bias; }

void LinearFunction::to_json(nlohmann::json& parameters) const {
  parameters["weights"] = std::vector<double>(weights.begin(), weights.end());
  parameters["bias"] = bias;
}

Result<LinearFunction> LinearFunction::from_json(const nlohmann::json& parameters) {
  auto weights = number_array_field(parameters, "parameters", "weights");
  if (!weights) return fail(weights.error());
  if (weights->empty()) return fail(ErrorCode::kCorrupt, "field 'parameters.weights' is empty");
  auto bias = number_field(parameters, "parameters", "bias");
  if (!bias) return fail(bias.error());
  LinearFunction f;
  f.weights = Eigen::Map<const Vector>(weights->data(), static_cast<Eigen::Index>(weights->size()));
  f.bias = *bias;
  return f;
}

}  // namespace aiotops::ml
