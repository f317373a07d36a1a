#pragma once
// Feature standardization: z = (x - mean) / scale, fitted on the training split only and stored
// with the model so that inference applies exactly the training transform.

#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "ml/classifier.h"

namespace aiotops::ml {

// Immutable after construction; all methods are thread-safe.
class Scaler {
 public:
  // Population mean and standard deviation (ddof 0, like scikit-learn's StandardScaler) of each
  // column of `x`. Fails with kInvalidArgument naming the feature when a column is constant or
  // holds a non-finite value, or when `feature_names` does not name every column.
  static Result<Scaler> fit(const Matrix& x, std::span<const std::string> feature_names);

  // Rebuilds a scaler stored by to_json(). Fails with kCorrupt naming the field ("scaler.mean",
  // "scaler.scale") when it is missing, not `features` finite numbers, or a scale is not > 0.
  static Result<Scaler> from_json(const nlohmann::json& json, size_t features);

  // {"mean": [...], "scale": [...]}
  nlohmann::json to_json() const;

  size_t num_features() const { return static_cast<size_t>(mean_.size()); }
  const Vector& mean() const { return mean_; }
  const Vector& scale() const { return scale_; }

  // Standardizes every row of `raw` (rows x num_features()); returns a new matrix.
  Matrix transform(const Matrix& raw) const;
  // Standardizes one row; `raw` and `out` have num_features() entries and may alias.
  void transform_row(std::span<const double> raw, std::span<double> out) const;

 private:
  Scaler(Vector mean, Vector scale) : mean_(std::move(mean)), scale_(std::move(scale)) {}

  Vector mean_;
  Vector scale_;
};

}  // namespace aiotops::ml
