#pragma once
// Gaussian naive Bayes, as scikit-learn's GaussianNB: per class a prior and, per feature, a mean
// and a variance; var_smoothing * (largest feature variance over all rows) is added to every
// variance. Fitted in one pass over the rows. With sample weights the smoothing uses the
// weighted variance (GaussianNB uses the unweighted one there; with unit weights they agree).

#include <array>
#include <memory>
#include <span>

#include "common/error.h"
#include "ml/classifier.h"

namespace aiotops::ml {

struct NaiveBayesOptions {
  double var_smoothing = 1e-9;  // fraction of the largest feature variance added to each, >= 0
};

// Per-class parameters; index 0 is label 0, index 1 is label 1.
struct GaussianClasses {
  std::array<double, 2> prior{};
  std::array<Vector, 2> mean;
  std::array<Vector, 2> variance;  // smoothing included, > 0
};

// Immutable; thread-safe.
class NaiveBayes final : public Classifier {
 public:
  explicit NaiveBayes(GaussianClasses classes);

  ModelKind kind() const override { return ModelKind::kNaiveBayes; }
  double predict_proba(std::span<const double> standardized_row) const override;
  size_t num_features() const override { return static_cast<size_t>(classes_.mean[0].size()); }
  size_t parameter_count() const override { return 2 + 4 * num_features(); }
  // Per class and feature: (x - mean) * (x - mean) * inverse variance.
  size_t macs() const override { return 4 * num_features(); }
  // {"class_prior": [p0, p1], "mean": [[...], [...]], "variance": [[...], [...]]}
  nlohmann::json parameters_to_json() const override;

  const GaussianClasses& classes() const { return classes_; }

 private:
  GaussianClasses classes_;
  // log prior - sum(log(2 pi var)) / 2, per class; and 1 / (2 var).
  std::array<double, 2> log_norm_{};
  std::array<Vector, 2> half_precision_;
};

// Fits on standardized rows `x` with 0/1 `labels`; `sample_weights` weight each row in the
// class counts, means and variances (as GaussianNB's sample_weight). Fails with
// kInvalidArgument on mismatched sizes, negative weights, a class with zero total weight, or a
// feature with zero variance overall. Thread-safe.
Result<std::unique_ptr<NaiveBayes>> train_naive_bayes(const Matrix& x,
                                                      std::span<const double> labels,
                                                      std::span<const double> sample_weights,
                                                      const NaiveBayesOptions& options = {});

// Loads parameters_to_json() output; kCorrupt naming the field.
Result<std::unique_ptr<Classifier>> naive_bayes_from_json(const nlohmann::json& parameters);

}  // namespace aiotops::ml
