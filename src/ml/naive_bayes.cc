#include "ml/naive_bayes.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <type_traits>
#include <vector>

#include "ml/json_fields.h"
#include "ml/linear_function.h"
#include "ml/parallel.h"

namespace aiotops::ml {
namespace {

// Weighted sums of (x - shift) and (x - shift)^2 over all rows and over the label-1 rows (label
// 0 is the difference). The shift (the first row) keeps the one-pass variance free of
// cancellation.
struct Sums {
  double weight = 0;
  double positive_weight = 0;
  double lowest_weight = std::numeric_limits<double>::infinity();
  Vector all, all_square, positive, positive_square;

  explicit Sums(Eigen::Index d)
      : all(Vector::Zero(d)),
        all_square(Vector::Zero(d)),
        positive(Vector::Zero(d)),
        positive_square(Vector::Zero(d)) {}

  void add(const Sums& other) {
    weight += other.weight;
    positive_weight += other.positive_weight;
    lowest_weight = std::min(lowest_weight, other.lowest_weight);
    all += other.all;
    all_square += other.all_square;
    positive += other.positive;
    positive_square += other.positive_square;
  }
};

// Sums over rows [begin, end). kWidth > 0 fixes the column count at compile time (the running
// sums then live in registers); 0 reads it from `x`. `lowest_weight` lets the caller reject
// negative weights without another pass (a NaN or infinite weight makes the sum non-finite).
template <int kWidth>
void accumulate(const Matrix& x, std::span<const double> labels, std::span<const double> weights,
                const Vector& shift, size_t begin, size_t end, Sums& out) {
  const Eigen::Index d = kWidth > 0 ? kWidth : x.cols();
  using Running = std::conditional_t<(kWidth > 0), std::array<double, 4 * kWidth>, Vector>;
  Running running{};
  if constexpr (kWidth == 0) running.setZero(4 * d);
  double* all = running.data();
  double* all_sq = all + d;
  double* positive = all_sq + d;
  double* positive_sq = positive + d;
  double weight = 0, positive_weight = 0;
  double lowest_weight = std::numeric_limits<double>::infinity();
  const double* origin = shift.data();
  for (size_t r = begin; r < end; ++r) {
    const double* row = x.row(static_cast<Eigen::Index>(r)).data();
    const double w = weights[r];
    const double pw = labels[r] > 0.5 ? w : 0.0;
    weight += w;
    positive_weight += pw;
    lowest_weight = std::min(lowest_weight, w);
    for (Eigen::Index a = 0; a < d; ++a) {
      const double v = row[a] - origin[a];
      all[a] += w * v;
      all_sq[a] += w * v * v;
      positive[a] += pw * v;
      positive_sq[a] += pw * v * v;
    }
  }
  out.weight = weight;
  out.positive_weight = positive_weight;
  out.lowest_weight = lowest_weight;
  out.all = Eigen::Map<const Vector>(all, d);
  out.all_square = Eigen::Map<const Vector>(all_sq, d);
  out.positive = Eigen::Map<const Vector>(positive, d);
  out.positive_square = Eigen::Map<const Vector>(positive_sq, d);
}

// The sums over every row: chunk-parallel, added in chunk order (deterministic).
Sums accumulate_all(const Matrix& x, std::span<const double> labels,
                    std::span<const double> weights, const Vector& shift) {
  const auto rows = static_cast<size_t>(x.rows());
  std::vector<Sums> chunks(chunk_count(rows), Sums(x.cols()));
  for_each_chunk(rows, [&](size_t, size_t chunk, size_t begin, size_t end) {
    auto run = [&]<int kWidth>() {
      accumulate<kWidth>(x, labels, weights, shift, begin, end, chunks[chunk]);
    };
    switch (x.cols()) {
      case 1:
        return run.template operator()<1>();
      case 2:
        return run.template operator()<2>();
      case 3:
        return run.template operator()<3>();
      case 4:
        return run.template operator()<4>();
      case 5:
        return run.template operator()<5>();
      case 6:
        return run.template operator()<6>();
      default:
        return run.template operator()<0>();
    }
  });
  Sums total(x.cols());
  for (const Sums& chunk : chunks) total.add(chunk);
  return total;
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
  const Vector shift = x.row(0).transpose();
  const Sums sums = accumulate_all(x, labels, sample_weights, shift);
  if (!(sums.lowest_weight >= 0) || !std::isfinite(sums.weight)) {
    const auto bad = std::find_if(sample_weights.begin(), sample_weights.end(),
                                  [](double w) { return !(w >= 0) || !std::isfinite(w); });
    return fail(ErrorCode::kInvalidArgument, "naive Bayes: weight of row {} is {}",
                bad - sample_weights.begin(), *bad);
  }
  const Vector mean = sums.all / sums.weight;
  const double largest_variance =
      (sums.all_square / sums.weight - mean.cwiseAbs2()).cwiseMax(0.0).maxCoeff();
  const double epsilon = options.var_smoothing * largest_variance;
  const std::array<double, 2> class_weight{sums.weight - sums.positive_weight,
                                           sums.positive_weight};
  const std::array<Vector, 2> class_sum{sums.all - sums.positive, sums.positive};
  const std::array<Vector, 2> class_square_sum{sums.all_square - sums.positive_square,
                                               sums.positive_square};
  GaussianClasses classes;
  for (int c = 0; c < 2; ++c) {
    if (!(class_weight[c] > 0)) {
      return fail(ErrorCode::kInvalidArgument, "naive Bayes: class {} has no weight", c);
    }
    const Vector centered_mean = class_sum[c] / class_weight[c];
    classes.prior[c] = class_weight[c] / sums.weight;
    classes.mean[c] = shift + centered_mean;
    classes.variance[c] =
        (class_square_sum[c] / class_weight[c] - centered_mean.cwiseAbs2()).cwiseMax(0.0).array() +
        epsilon;
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
