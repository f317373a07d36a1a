#include "ml/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "ml/linear_svm.h"
#include "ml/logistic.h"
#include "ml/naive_bayes.h"
#include "ml/scaler.h"
#include "telemetry/content_hash.h"

namespace aiotops::ml {
namespace {

using telemetry::Dataset;

Matrix gather_rows(const Dataset& dataset, std::span<const size_t> rows) {
  Matrix x(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(dataset.cols()));
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto row = dataset.row(rows[i]);
    std::copy(row.begin(), row.end(), x.row(static_cast<Eigen::Index>(i)).data());
  }
  return x;
}

std::vector<double> gather_labels(const Dataset& dataset, std::span<const size_t> rows) {
  std::vector<double> labels;
  labels.reserve(rows.size());
  for (size_t r : rows) labels.push_back(dataset.labels[r]);
  return labels;
}

// Per feature, the smallest and largest value among `rows` (not empty).
std::vector<FeatureRange> feature_ranges(const Dataset& dataset, std::span<const size_t> rows) {
  std::vector<FeatureRange> ranges;
  for (size_t c = 0; c < dataset.cols(); ++c) {
    ranges.push_back({dataset.at(rows[0], c), dataset.at(rows[0], c)});
  }
  for (size_t r : rows) {
    for (size_t c = 0; c < dataset.cols(); ++c) {
      ranges[c].min = std::min(ranges[c].min, dataset.at(r, c));
      ranges[c].max = std::max(ranges[c].max, dataset.at(r, c));
    }
  }
  return ranges;
}

std::vector<size_t> all_rows(size_t count) {
  std::vector<size_t> rows(count);
  std::iota(rows.begin(), rows.end(), size_t{0});
  return rows;
}

size_t count_positives(std::span<const double> labels) {
  size_t positives = 0;
  for (double label : labels) positives += label == 1.0 ? 1 : 0;
  return positives;
}

std::vector<double> sample_weights(std::span<const double> labels, ClassWeight class_weight) {
  std::vector<double> weights(labels.size(), 1.0);
  if (class_weight == ClassWeight::kNone) return weights;
  const double n = static_cast<double>(labels.size());
  const double positives = static_cast<double>(count_positives(labels));
  for (size_t i = 0; i < labels.size(); ++i) {
    weights[i] = n / (2.0 * (labels[i] == 1.0 ? positives : n - positives));
  }
  return weights;
}

Status check_options(const Dataset& dataset, const TrainOptions& options) {
  const SplitOptions& s = options.split;
  const bool stratified = s.validation_fraction > 0 || s.test_fraction > 0;
  if (s.cv_folds > 0 && (stratified || !s.holdout_devices.empty())) {
    return fail(ErrorCode::kInvalidArgument,
                "cross-validation trains the final model on every row: it cannot be combined "
                "with a validation or test fraction or held-out devices");
  }
  if (s.cv_folds == 1) {
    return fail(ErrorCode::kInvalidArgument, "cross-validation needs at least 2 folds");
  }
  if (!s.holdout_devices.empty() && s.test_fraction > 0) {
    return fail(ErrorCode::kInvalidArgument,
                "held-out devices form the test part: drop the test fraction");
  }
  if (!s.holdout_devices.empty() && dataset.device_ids.empty()) {
    return fail(ErrorCode::kInvalidArgument, "holding out devices needs a {} column in the data",
                telemetry::kDeviceIdColumn);
  }
  return {};
}

Result<Split> make_split(const Dataset& dataset, const TrainOptions& options) {
  const SplitOptions& s = options.split;
  if (!s.holdout_devices.empty()) {
    auto by_device = split_by_device(dataset.device_ids, {.validation_devices = {},
                                                          .test_devices = s.holdout_devices,
                                                          .validation_fraction = 0,
                                                          .test_fraction = 0,
                                                          .seed = options.seed});
    if (!by_device) return fail(by_device.error());
    if (s.validation_fraction == 0) return by_device;
    // Validation rows come, stratified, from the devices that are not held out.
    const std::vector<double> labels = gather_labels(dataset, by_device->train);
    auto inner = stratified_split(labels, s.validation_fraction, 0, options.seed);
    if (!inner) return fail(inner.error().with_context("rows left after holding out devices"));
    Split split{.train = {}, .validation = {}, .test = std::move(by_device->test)};
    for (size_t i : inner->train) split.train.push_back(by_device->train[i]);
    for (size_t i : inner->validation) split.validation.push_back(by_device->train[i]);
    return split;
  }
  if (s.validation_fraction > 0 || s.test_fraction > 0) {
    return stratified_split(dataset.labels, s.validation_fraction, s.test_fraction, options.seed);
  }
  return Split{.train = all_rows(dataset.rows()), .validation = {}, .test = {}};
}

// A scaler and classifier fitted on some rows.
struct Fitted {
  Scaler scaler;
  std::unique_ptr<Classifier> classifier;
  double fit_seconds = 0;

  Vector scores(const Dataset& dataset, std::span<const size_t> rows) const {
    return classifier->predict_proba_batch(scaler.transform(gather_rows(dataset, rows)));
  }
};

template <typename T>
Result<std::unique_ptr<Classifier>> as_classifier(Result<std::unique_ptr<T>> trained) {
  if (!trained) return fail(trained.error());
  return std::unique_ptr<Classifier>(std::move(*trained));
}

Result<std::unique_ptr<Classifier>> fit_classifier(const TrainOptions& options, const Matrix& x,
                                                   std::span<const double> y,
                                                   std::span<const double> weights,
                                                   const Matrix* x_validation,
                                                   std::span<const double> y_validation,
                                                   const ProgressCallback& progress) {
  switch (options.kind) {
    case ModelKind::kLogistic:
      return as_classifier(train_logistic(x, y, weights, {.c = options.c, .newton = {}}));
    case ModelKind::kLinearSvm:
      return as_classifier(train_linear_svm(x, y, weights, {.c = options.c, .newton = {}}));
    case ModelKind::kNaiveBayes:
      return as_classifier(train_naive_bayes(x, y, weights));
    case ModelKind::kMlp: {
      MlpOptions mlp = options.mlp;
      mlp.seed = options.seed;
      return train_mlp(x, y, weights, mlp, x_validation, y_validation, progress);
    }
  }
  return fail(ErrorCode::kInternal, "unknown model kind");
}

// Fits the scaler on `train` rows only, then the classifier (early-stopping on `validation`
// rows when the kind uses them).
Result<Fitted> fit_on(const Dataset& dataset, std::span<const size_t> train,
                      std::span<const size_t> validation, const TrainOptions& options,
                      const ProgressCallback& progress) {
  const Matrix raw = gather_rows(dataset, train);
  auto scaler = Scaler::fit(raw, dataset.feature_names);
  if (!scaler) return fail(scaler.error());
  const Matrix x = scaler->transform(raw);
  const std::vector<double> y = gather_labels(dataset, train);
  if (count_positives(y) == 0 || count_positives(y) == y.size()) {
    return fail(ErrorCode::kInvalidArgument,
                "the training part ({} rows) holds only label {}: it needs both classes", y.size(),
                y.front());
  }
  const std::vector<double> weights = sample_weights(y, options.class_weight);
  Matrix x_validation;
  std::vector<double> y_validation;
  if (!validation.empty()) {
    x_validation = scaler->transform(gather_rows(dataset, validation));
    y_validation = gather_labels(dataset, validation);
  }
  const auto start = std::chrono::steady_clock::now();
  auto classifier = fit_classifier(
      options, x, y, weights, validation.empty() ? nullptr : &x_validation, y_validation, progress);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  if (!classifier) return fail(classifier.error());
  return Fitted{std::move(*scaler), std::move(*classifier), elapsed.count()};
}

Result<nlohmann::json> metrics_json(std::span<const double> scores, std::span<const double> labels,
                                    double threshold) {
  auto metrics = compute_metrics(scores, labels, threshold);
  if (!metrics) return fail(metrics.error());
  return to_json(*metrics);
}

std::span<const double> as_span(const Vector& v) {
  return {v.data(), static_cast<size_t>(v.size())};
}

// Cross-validation: per fold, fit on the other folds (threshold by the rule on them) and measure
// on the fold. Returns {"folds", "per_fold": [...], "mean": {...}, "std": {...}}.
Result<nlohmann::json> cross_validate(const Dataset& dataset, const TrainOptions& options,
                                      const ProgressCallback& progress) {
  auto folds = stratified_k_fold(dataset.labels, options.split.cv_folds, options.seed);
  if (!folds) return fail(folds.error());
  nlohmann::json per_fold = nlohmann::json::array();
  for (size_t k = 0; k < folds->size(); ++k) {
    const Split& fold = (*folds)[k];
    auto fitted = fit_on(dataset, fold.train, {}, options, progress);
    if (!fitted) return fail(fitted.error().with_context(fmt::format("fold {}", k + 1)));
    const Vector train_scores = fitted->scores(dataset, fold.train);
    auto threshold = select_threshold(as_span(train_scores), gather_labels(dataset, fold.train),
                                      options.threshold_rule, options.target_recall);
    if (!threshold) return fail(threshold.error().with_context(fmt::format("fold {}", k + 1)));
    const Vector scores = fitted->scores(dataset, fold.test);
    auto metrics =
        metrics_json(as_span(scores), gather_labels(dataset, fold.test), threshold->threshold);
    if (!metrics) return fail(metrics.error().with_context(fmt::format("fold {}", k + 1)));
    per_fold.push_back(std::move(*metrics));
  }
  nlohmann::json mean = nlohmann::json::object(), deviation = nlohmann::json::object();
  for (const char* key :
       {"roc_auc", "pr_auc", "f1", "precision", "recall", "accuracy", "log_loss"}) {
    double sum = 0, square_sum = 0;
    for (const auto& metrics : per_fold) {
      const double value = metrics[key].is_number() ? metrics[key].get<double>() : NAN;
      sum += value;
      square_sum += value * value;
    }
    const double n = static_cast<double>(per_fold.size());
    const double m = sum / n;
    mean[key] = std::isfinite(m) ? nlohmann::json(m) : nlohmann::json();
    const double sd = std::sqrt(std::max(0.0, square_sum / n - m * m));
    deviation[key] = std::isfinite(sd) ? nlohmann::json(sd) : nlohmann::json();
  }
  return nlohmann::json{
      {"folds", per_fold.size()}, {"per_fold", per_fold}, {"mean", mean}, {"std", deviation}};
}

nlohmann::json options_json(const TrainOptions& options) {
  nlohmann::json json = {
      {"model", to_string(options.kind)},
      {"class_weight", to_string(options.class_weight)},
      {"validation_fraction", options.split.validation_fraction},
      {"test_fraction", options.split.test_fraction},
      {"holdout_devices", options.split.holdout_devices},
      {"cv_folds", options.split.cv_folds},
      {"threshold_rule", to_string(options.threshold_rule)},
  };
  if (options.threshold_rule == ThresholdRule::kTargetRecall) {
    json["target_recall"] = options.target_recall;
  }
  if (options.kind == ModelKind::kLogistic || options.kind == ModelKind::kLinearSvm) {
    json["C"] = options.c;
  }
  if (options.kind == ModelKind::kMlp) {
    const MlpOptions& m = options.mlp;
    json["mlp"] = {{"hidden", m.hidden},
                   {"max_epochs", m.max_epochs},
                   {"batch_size", m.batch_size},
                   {"learning_rate", m.learning_rate},
                   {"l2", m.l2},
                   {"patience", m.patience}};
  }
  return json;
}

}  // namespace

std::string_view to_string(ClassWeight weight) {
  return weight == ClassWeight::kBalanced ? "balanced" : "none";
}

Result<ClassWeight> parse_class_weight(std::string_view name) {
  if (name == "none") return ClassWeight::kNone;
  if (name == "balanced") return ClassWeight::kBalanced;
  return fail(ErrorCode::kInvalidArgument, "unknown class weight '{}' (expected balanced or none)",
              name);
}

std::string_view to_string(ThresholdRule rule) {
  return rule == ThresholdRule::kTargetRecall ? "target-recall" : "max-f1";
}

Result<ThresholdRule> parse_threshold_rule(std::string_view name) {
  if (name == "max-f1") return ThresholdRule::kMaxF1;
  if (name == "target-recall") return ThresholdRule::kTargetRecall;
  return fail(ErrorCode::kInvalidArgument,
              "unknown threshold rule '{}' (expected max-f1 or target-recall)", name);
}

Status check_training_data(const Dataset& dataset) {
  if (!dataset.has_labels()) {
    return fail(ErrorCode::kInvalidArgument, "the data has no label column");
  }
  const std::string& label = dataset.label_name;
  if (dataset.rows() < kMinTrainingRows) {
    return fail(ErrorCode::kInvalidArgument, "too few rows: {} given, training needs at least {}",
                dataset.rows(), kMinTrainingRows);
  }
  for (size_t r = 0; r < dataset.labels.size(); ++r) {
    const double value = dataset.labels[r];
    if (value != 0.0 && value != 1.0) {
      return fail(ErrorCode::kInvalidArgument,
                  "label '{}' is {} in data row {}: labels must be 0 or 1", label, value, r + 1);
    }
  }
  const size_t positives = count_positives(dataset.labels);
  if (positives == 0 || positives == dataset.rows()) {
    return fail(ErrorCode::kInvalidArgument,
                "label '{}' is {} in all {} rows: training needs both classes (0 and 1)", label,
                positives == 0 ? 0 : 1, dataset.rows());
  }
  return {};
}

Result<TrainReport> train_model(const Dataset& dataset, const TrainOptions& options,
                                const ProgressCallback& progress) {
  if (auto status = check_training_data(dataset); !status) return fail(status.error());
  if (auto status = check_options(dataset, options); !status) return fail(status.error());
  auto split = make_split(dataset, options);
  if (!split) return fail(split.error());

  nlohmann::json metrics = nlohmann::json::object();
  if (options.split.cv_folds > 0) {
    auto report = cross_validate(dataset, options, progress);
    if (!report) return fail(report.error().with_context("cross-validation"));
    metrics["cross_validation"] = std::move(*report);
  }

  auto fitted = fit_on(dataset, split->train, split->validation, options, progress);
  if (!fitted) return fail(fitted.error());

  // The threshold is chosen on validation when there is one, else on train.
  const bool on_validation = !split->validation.empty();
  const std::vector<size_t>& choice_rows = on_validation ? split->validation : split->train;
  const Vector choice_scores = fitted->scores(dataset, choice_rows);
  auto threshold = select_threshold(as_span(choice_scores), gather_labels(dataset, choice_rows),
                                    options.threshold_rule, options.target_recall);
  if (!threshold) return fail(threshold.error().with_context("choosing the threshold"));

  const std::pair<const char*, const std::vector<size_t>*> parts[] = {
      {"train", &split->train}, {"validation", &split->validation}, {"test", &split->test}};
  for (const auto& [name, rows] : parts) {
    if (rows->empty()) continue;
    const Vector scores = fitted->scores(dataset, *rows);
    auto part = metrics_json(as_span(scores), gather_labels(dataset, *rows), threshold->threshold);
    if (!part) return fail(part.error().with_context(name));
    metrics[name] = std::move(*part);
  }

  const std::vector<double> train_labels = gather_labels(dataset, split->train);
  const size_t positives = count_positives(train_labels);
  ModelMetadata metadata{
      .feature_names = dataset.feature_names,
      .label_name = dataset.label_name,
      .threshold = {.value = threshold->threshold,
                    .rule = std::string(to_string(options.threshold_rule)),
                    .target_recall = options.threshold_rule == ThresholdRule::kTargetRecall
                                         ? std::optional<double>(options.target_recall)
                                         : std::nullopt,
                    .chosen_on = on_validation ? "validation" : "train"},
      .alert_levels = default_alert_levels(),
      .metrics = std::move(metrics),
      .training = {.dataset_sha256 = telemetry::dataset_content_hash(dataset),
                   .train_rows = split->train.size(),
                   .validation_rows = split->validation.size(),
                   .test_rows = split->test.size(),
                   .train_positives = positives,
                   .train_negatives = train_labels.size() - positives,
                   .seed = options.seed,
                   .options = options_json(options),
                   .feature_ranges = feature_ranges(dataset, split->train)},
      .tool_version = options.tool_version,
      .created = options.created,
  };
  const double fit_seconds = fitted->fit_seconds;
  auto model =
      Model::create(std::move(fitted->scaler), std::move(fitted->classifier), std::move(metadata));
  if (!model) return fail(model.error());
  return TrainReport{std::move(*model), fit_seconds, std::move(*split)};
}

}  // namespace aiotops::ml
