#pragma once
// f(x) = w . x + b and the logistic sigmoid: the shared core of the linear classifiers.

#include <span>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "ml/classifier.h"

namespace aiotops::ml {

// 1 / (1 + e^-z), without overflow for any finite z.
double sigmoid(double z);
// The sigmoid of every entry.
Vector sigmoid(const Vector& z);

// Immutable; thread-safe.
struct LinearFunction {
  Vector weights;
  double bias = 0;

  double operator()(std::span<const double> row) const;
  // f of every row of `x` (rows x weights.size()).
  Vector batch(const Matrix& x) const;
  // Adds "weights" and "bias" to `parameters`.
  void to_json(nlohmann::json& parameters) const;
  // Reads "weights" (non-empty) and "bias" from `parameters`; kCorrupt naming the field.
  static Result<LinearFunction> from_json(const nlohmann::json& parameters);
};

}  // namespace aiotops::ml
