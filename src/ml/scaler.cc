#include "ml/scaler.h"

#include <cmath>

#include "ml/json_fields.h"

namespace aiotops::ml {

Result<Scaler> Scaler::fit(const Matrix& x, std::span<const std::string> feature_names) {
  const auto cols = static_cast<size_t>(x.cols());
  if (feature_names.size() != cols) {
    return fail(ErrorCode::kInvalidArgument, "scaler: {} feature names for {} columns",
                feature_names.size(), cols);
  }
  if (x.rows() == 0) return fail(ErrorCode::kInvalidArgument, "scaler: no training rows");
  Vector mean(x.cols());
  Vector scale(x.cols());
  for (Eigen::Index c = 0; c < x.cols(); ++c) {
    const auto column = x.col(c);
    const std::string& name = feature_names[static_cast<size_t>(c)];
    if (!column.allFinite()) {
      Eigen::Index row = 0;
      while (std::isfinite(column(row))) ++row;
      return fail(ErrorCode::kInvalidArgument,
                  "feature '{}' is missing or not finite in training row {}", name, row + 1);
    }
    if (column.minCoeff() == column.maxCoeff()) {
      return fail(ErrorCode::kInvalidArgument, "feature '{}' is constant in the training data",
                  name);
    }
    mean(c) = column.mean();
    scale(c) = std::sqrt((column.array() - mean(c)).square().mean());
    // A spread lost in rounding against the mean is as useless as none.
    if (!(scale(c) > 1e-12 * std::abs(mean(c)))) {
      return fail(ErrorCode::kInvalidArgument, "feature '{}' is constant in the training data",
                  name);
    }
  }
  return Scaler(std::move(mean), std::move(scale));
}

Result<Scaler> Scaler::from_json(const nlohmann::json& json, size_t features) {
  auto mean = number_array_field(json, "scaler", "mean", features);
  if (!mean) return fail(mean.error());
  auto scale = number_array_field(json, "scaler", "scale", features);
  if (!scale) return fail(scale.error());
  for (size_t i = 0; i < features; ++i) {
    if (!((*scale)[i] > 0)) {
      return fail(ErrorCode::kCorrupt, "field 'scaler.scale[{}]' is not positive", i);
    }
  }
  return Scaler(Eigen::Map<const Vector>(mean->data(), static_cast<Eigen::Index>(features)),
                Eigen::Map<const Vector>(scale->data(), static_cast<Eigen::Index>(features)));
}

nlohmann::json Scaler::to_json() const {
  return {{"mean", std::vector<double>(mean_.begin(), mean_.end())},
          {"scale", std::vector<double>(scale_.begin(), scale_.end())}};
}

Matrix Scaler::transform(const Matrix& raw) const {
  return (raw.rowwise() - mean_.transpose()).array().rowwise() / scale_.transpose().array();
}

void Scaler::transform_row(std::span<const double> raw, std::span<double> out) const {
  for (size_t c = 0; c < raw.size(); ++c) {
    out[c] = (raw[c] - mean_(static_cast<Eigen::Index>(c))) / scale_(static_cast<Eigen::Index>(c));
  }
}

}  // namespace aiotops::ml
