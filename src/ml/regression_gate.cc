#include "ml/regression_gate.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace aiotops::ml {

std::string_view to_string(GateMetric metric) {
  switch (metric) {
    case GateMetric::kRocAuc:
      return "roc_auc";
    case GateMetric::kPrAuc:
      return "pr_auc";
    case GateMetric::kF1:
      return "f1";
  }
  return "roc_auc";
}

Result<GateMetric> parse_gate_metric(std::string_view name) {
  for (GateMetric metric : {GateMetric::kRocAuc, GateMetric::kPrAuc, GateMetric::kF1}) {
    if (name == to_string(metric)) return metric;
  }
  return fail(ErrorCode::kInvalidArgument,
              "unknown gate metric '{}' (expected roc_auc, pr_auc or f1)", name);
}

double metric_value(const BinaryMetrics& metrics, GateMetric metric) {
  switch (metric) {
    case GateMetric::kRocAuc:
      return metrics.roc_auc;
    case GateMetric::kPrAuc:
      return metrics.pr_auc;
    case GateMetric::kF1:
      return metrics.f1;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

Result<RegressionGateResult> judge_regression(const BinaryMetrics& candidate,
                                              const BinaryMetrics& baseline,
                                              const RegressionGateOptions& options) {
  if (!std::isfinite(options.max_regression) || options.max_regression < 0) {
    return fail(ErrorCode::kInvalidArgument, "max regression {} must be a number >= 0",
                options.max_regression);
  }
  if (candidate.rows != baseline.rows) {
    return fail(ErrorCode::kInvalidArgument,
                "quality gate: the candidate was scored on {} rows and the baseline on {}",
                candidate.rows, baseline.rows);
  }
  const std::string_view name = to_string(options.metric);
  RegressionGateResult result;
  result.rows = candidate.rows;
  result.candidate = metric_value(candidate, options.metric);
  result.baseline = metric_value(baseline, options.metric);
  if (!std::isfinite(result.candidate) || !std::isfinite(result.baseline)) {
    return fail(ErrorCode::kInvalidArgument,
                "quality gate: {} is undefined on the {} held-out rows ({} positive): both "
                "classes are needed",
                name, candidate.rows, candidate.positives);
  }
  const double regression = result.baseline - result.candidate;
  if (regression > options.max_regression) {
    result.reasons.push_back(fmt::format(
        "{} of the candidate {:.6f} is {:.6f} below the baseline's {:.6f} (max regression {})",
        name, result.candidate, regression, result.baseline, options.max_regression));
  }
  result.passed = result.reasons.empty();
  return result;
}

Result<BinaryMetrics> evaluate_model(const Model& model, const telemetry::Dataset& data) {
  const ModelMetadata& m = model.metadata();
  if (data.feature_names != m.feature_names) {
    for (size_t c = 0; c < m.feature_names.size(); ++c) {
      const std::string given = c < data.cols() ? data.feature_names[c] : "(none)";
      if (given != m.feature_names[c]) {
        return fail(ErrorCode::kInvalidArgument,
                    "the model's feature {} is '{}' but the data's column {} is '{}'", c + 1,
                    m.feature_names[c], c + 1, given);
      }
    }
    return fail(ErrorCode::kInvalidArgument, "the data has {} feature columns, the model {}",
                data.cols(), m.feature_names.size());
  }
  if (!data.has_labels()) {
    return fail(ErrorCode::kInvalidArgument, "the data has no label column");
  }
  const Matrix raw =
      Eigen::Map<const Matrix>(data.features.data(), static_cast<Eigen::Index>(data.rows()),
                               static_cast<Eigen::Index>(data.cols()));
  const Vector scores = model.score_batch(raw);
  return compute_metrics(std::span<const double>(scores.data(), static_cast<size_t>(scores.size())),
                         data.labels, m.threshold.value);
}

nlohmann::json to_json(const RegressionGateOptions& options, const RegressionGateResult& result) {
  return {{"checked", true},
          {"passed", result.passed},
          {"metric", to_string(options.metric)},
          {"max_regression", options.max_regression},
          {"candidate", result.candidate},
          {"baseline", result.baseline},
          {"regression", result.baseline - result.candidate},
          {"rows", result.rows},
          {"reasons", result.reasons}};
}

}  // namespace aiotops::ml
