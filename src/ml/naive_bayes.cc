#include "ml/naive_bayes.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "ml/json_fields.h"
#include "ml/linear_function.h"

namespace aiotops::ml {
namespace {

constexpr Eigen::Index kBlockRows = 1024;

// Per-class weighted sums of (x - shift) and (x - shift)^2, plus unweighted totals for the
// overall variance that sets the smoothing (as GaussianNB, which ignores the weights there).
// The shift (the first row) keeps the one-pass variance free of cancellation.
struct Moments {
  std::array<double, 2> weight{};
  std::array<Vector, 2> sum, square_sum;
  Vector total_sum, total_square_sum;
};

Moments accumulate(const Matrix& x, std::span<const double> labels, std::span<const double> weights,
                   const Vector& shift) {
  const Eigen::Index d = x.cols();
  Moments m;
  for (int c = 0; c < 2; ++c) {
    m.sum[c].setZero(d);
    m.square_sum[c].setZero(d);
  }
  m.total_sum.setZero(d);
  m.total_square_sum.setZero(d);
  Eigen::Map<const Eigen::ArrayXd> label(labels.data(), x.rows());
  Eigen::Map<const Eigen::ArrayXd> weight(weights.data(), x.rows());
  Matrix centered(kBlockRows, d), squared(kBlockRows, d);
  std::array<Vector, 2> class_weight{Vector(kBlockRows), Vector(kBlockRows)};
  for (Eigen::Index start = 0; start < x.rows(); start += kBlockRows) {
    const Eigen::Index n = std::min(kBlockRows, x.rows() - start);
    auto xc = centered.topRows(n);
    auto xs = squared.topRows(n);
    xc = x.middleRows(start, n).rowwise() - shift.transpose();
    xs = xc.array().square();
    const auto is_positive = (label.segment(start, n) > 0.5).cast<double>();
    class_weight[1].head(n) = weight.segment(start, n) * is_positive;
    class_weight[0].head(n) = weight.segment(start, n) - class_weight[1].head(n).array();
    for (int c = 0; c < 2; ++c) {
      const auto w = class_weight[c].head(n);
      m.weight[c] += w.sum();
      m.sum[c].noalias() += xc.transpose() * w;
      m.square_sum[c].noalias() += xs.transpose() * w;
    }
    m.total_sum += xc.colwise().sum().transpose();
    m.total_square_sum += xs.colwise().sum().transpose();
  }
  return m;
}

}  // namespace

NaiveBayes::NaiveBayes(GaussianClasses classes) : classes_(std::move(classes)) {
  for (int c = 0; c < 2; ++c) {
    const Eigen::ArrayXd var = classes_.variance[c].array();
    log_norm_[c] = std::log(classes_.prior[c]) - 0.5 * (2 * std::numbers::pi * var).log().sum();
    half_precision_[c] = (0.5 / var).matrix();
  }
}

double NaiveBayes::predict_proba(std::span<const double> standardized_row) const {
  const Eigen::Map<const Vector> x(standardized_row.data(),
                                   static_cast<Eigen::Index>(standardized_row.size()));
  std::array<double, 2> joint{};
  for (int c = 0; c < 2; ++c) {
    joint[c] =
        log_norm_[c] - ((x - classes_.mean[c]).array().square() * half_precision_[c].array()).sum();
  }
  return sigmoid(joint[1] - joint[0]);
}

nlohmann::json NaiveBayes::parameters_to_json() const {
  auto rows = [](const std::array<Vector, 2>& v) {
    return nlohmann::json::array({std::vector<double>(v[0].begin(), v[0].end()),
                                  std::vector<double>(v[1].begin(), v[1].end())});
  };
  return {{"class_prior", classes_.prior},
          {"mean", rows(classes_.mean)},
          {"variance", rows(classes_.variance)}};
}

Result<std::unique_ptr<NaiveBayes>> train_naive_bayes(const Matrix& x,
                                                      std::span<const double> labels,
                                                      std::span<const double> sample_weights,
                                                      const NaiveBayesOptions& options) {
  const auto rows = static_cast<size_t>(x.rows());
  if (labels.size() != rows || sample_weights.size() != rows || rows == 0 || x.cols() == 0) {
    return fail(ErrorCode::kInvalidArgument,
                "naive Bayes: {} rows x {} features but {} labels and {} weights", rows, x.cols(),
                labels.size(), sample_weights.size());
  }
  if (!(options.var_smoothing >= 0)) {
    return fail(ErrorCode::kInvalidArgument, "naive Bayes: var_smoothing must be >= 0, got {}",
                options.var_smoothing);
  }
  for (size_t i = 0; i < rows; ++i) {
    if (!(sample_weights[i] >= 0) || !std::isfinite(sample_weights[i])) {
      return fail(ErrorCode::kInvalidArgument, "naive Bayes: weight of row {} is {}", i,
                  sample_weights[i]);
    }
  }
  const Vector shift = x.row(0).transpose();
  const Moments m = accumulate(x, labels, sample_weights, shift);
  const double n = static_cast<double>(rows);
  const Vector total_mean = m.total_sum / n;
  const double largest_variance =
      (m.total_square_sum / n - total_mean.cwiseAbs2()).cwiseMax(0.0).maxCoeff();
  const double epsilon = options.var_smoothing * largest_variance;
  GaussianClasses classes;
  const double total_weight = m.weight[0] + m.weight[1];
  for (int c = 0; c < 2; ++c) {
    if (!(m.weight[c] > 0)) {
      return fail(ErrorCode::kInvalidArgument, "naive Bayes: class {} has no weight", c);
    }
    const Vector centered_mean = m.sum[c] / m.weight[c];
    classes.prior[c] = m.weight[c] / total_weight;
    classes.mean[c] = shift + centered_mean;
    classes.variance[c] =
        (m.square_sum[c] / m.weight[c] - centered_mean.cwiseAbs2()).cwiseMax(0.0).array() + epsilon;
    if (!(classes.variance[c].minCoeff() > 0)) {
      return fail(ErrorCode::kInvalidArgument,
                  "naive Bayes: a feature has zero variance in class {} and no smoothing", c);
    }
  }
  return std::make_unique<NaiveBayes>(std::move(classes));
}

Result<std::unique_ptr<Classifier>> naive_bayes_from_json(const nlohmann::json& parameters) {
  auto prior = number_array_field(parameters, "parameters", "class_prior", 2);
  if (!prior) return fail(prior.error());
  if (!((*prior)[0] > 0 && (*prior)[1] > 0)) {
    return fail(ErrorCode::kCorrupt, "field 'parameters.class_prior' is not positive");
  }
  GaussianClasses classes;
  classes.prior = {(*prior)[0], (*prior)[1]};
  std::optional<size_t> features;
  for (const char* name : {"mean", "variance"}) {
    const std::string path = field_path("parameters", name);
    auto table = parameters.find(name);
    if (table == parameters.end() || !table->is_array() || table->size() != 2) {
      return fail(ErrorCode::kCorrupt, "field '{}' is not an array of 2 rows", path);
    }
    for (size_t c = 0; c < 2; ++c) {
      const std::string row_path = fmt::format("{}[{}]", path, c);
      auto row = number_array((*table)[c], row_path, features);
      if (!row) return fail(row.error());
      if (row->empty()) return fail(ErrorCode::kCorrupt, "field '{}' is empty", row_path);
      features = row->size();
      Vector v = Eigen::Map<const Vector>(row->data(), static_cast<Eigen::Index>(row->size()));
      if (std::string_view(name) == "mean") {
        classes.mean[c] = std::move(v);
      } else if (v.minCoeff() > 0) {
        classes.variance[c] = std::move(v);
      } else {
        return fail(ErrorCode::kCorrupt, "field '{}' holds a variance that is not positive",
                    row_path);
      }
    }
  }
  return std::make_unique<NaiveBayes>(std::move(classes));
}

}  // namespace aiotops::ml
