#pragma once
// The training quality gate: a candidate model is compared with a baseline (usually the model in
// production) on the same held-out rows, each scored by its own features at its own threshold,
// and refused when it is worse on the chosen metric by more than a margin.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "ml/metrics.h"
#include "ml/model_file.h"
#include "telemetry/dataset.h"

namespace aiotops::ml {

enum class GateMetric { kRocAuc, kPrAuc, kF1 };
std::string_view to_string(GateMetric metric);  // "roc_auc", "pr_auc", "f1"
// Inverse of to_string; kInvalidArgument names the accepted values.
Result<GateMetric> parse_gate_metric(std::string_view name);
// The metric's value in `metrics` (NaN when undefined: an AUC on one class).
double metric_value(const BinaryMetrics& metrics, GateMetric metric);

struct RegressionGateOptions {
  GateMetric metric = GateMetric::kRocAuc;
  double max_regression = 0.01;  // largest accepted baseline - candidate, in metric units, >= 0
};

struct RegressionGateResult {
  bool passed = true;
  std::vector<std::string> reasons;  // one line per refusal; empty when passed
  double candidate = 0;              // the metric of each model on the held-out rows
  double baseline = 0;
  size_t rows = 0;  // held-out rows both were scored on
};

// Judges `candidate` against `baseline` (metrics of the same rows). Refused (passed false, with
// a reason naming both values and the margin) when baseline - candidate > max_regression. Fails
// with kInvalidArgument when the metric is undefined for either (one class in the held-out rows),
// the row counts differ or max_regression is negative or not finite. Thread-safe.
Result<RegressionGateResult> judge_regression(const BinaryMetrics& candidate,
                                              const BinaryMetrics& baseline,
                                              const RegressionGateOptions& options);

// `model`'s metrics on `data` at the model's own threshold. `data` must be labelled and hold the
// model's feature columns in its order (kInvalidArgument naming the first column that differs);
// metric errors as compute_metrics. Thread-safe.
Result<BinaryMetrics> evaluate_model(const Model& model, const telemetry::Dataset& data);

// {"checked": true, "passed", "metric", "max_regression", "candidate", "baseline",
//  "regression" (baseline - candidate), "rows", "reasons"}. Never fails.
nlohmann::json to_json(const RegressionGateOptions& options, const RegressionGateResult& result);

}  // namespace aiotops::ml
