#pragma once
// Synthetic binary classification data for the ml unit tests (header-only, test use only).

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "ml/classifier.h"

namespace aiotops::ml::testing {

struct LabeledData {
  Matrix x;
  std::vector<double> labels;
  std::vector<double> weights;  // all 1
};

// Rows with standard normal features and labels drawn from P(1) = sigmoid(x . w + bias);
// with `separable`, the label is instead [x . w + bias > 0] and rows within `margin` of the
// boundary are redrawn, so a linear separator exists.
inline LabeledData make_linear_data(size_t rows, const std::vector<double>& w, double bias,
                                    bool separable, uint64_t seed, double margin = 0.5) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  const auto d = static_cast<Eigen::Index>(w.size());
  LabeledData data{Matrix(static_cast<Eigen::Index>(rows), d), std::vector<double>(rows),
                   std::vector<double>(rows, 1.0)};
  for (size_t r = 0; r < rows; ++r) {
    double z = bias;
    do {
      z = bias;
      for (Eigen::Index c = 0; c < d; ++c) {
        data.x(static_cast<Eigen::Index>(r), c) = normal(rng);
        z += w[static_cast<size_t>(c)] * data.x(static_cast<Eigen::Index>(r), c);
      }
    } while (separable && std::abs(z) < margin);
    const double p = 1.0 / (1.0 + std::exp(-z));
    data.labels[r] = separable ? (z > 0 ? 1.0 : 0.0) : (uniform(rng) < p ? 1.0 : 0.0);
  }
  return data;
}

}  // namespace aiotops::ml::testing
