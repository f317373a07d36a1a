#pragma once
// The quantization report: how far a quantized model's scores are from the float model's on a
// held-out set (max and mean |p_q - p_float|, decisions that flip at the threshold), what it
// does to the metrics, what it saves in bytes — and the gate that refuses a model whose metrics
// dropped too far.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "ml/metrics.h"
#include "quant/quantize.h"

namespace aiotops::quant {

// Agreement of quantized scores with float scores on the same rows.
struct ScoreAgreement {
  size_t rows = 0;
  double max_abs_error = 0;   // max |p_q - p_float|
  double mean_abs_error = 0;  // mean |p_q - p_float|
  size_t flips = 0;           // rows where (p_q >= threshold) != (p_float >= threshold)
  double flip_rate = 0;       // flips / rows
};

// Compares `quantized` with `reference` (same length, > 0 rows) at `threshold`. Fails with
// kInvalidArgument when the sizes differ or there are no rows. Thread-safe.
Result<ScoreAgreement> compare_scores(std::span<const double> reference,
                                      std::span<const double> quantized, double threshold);

// One quantized variant of the model, as the device would run it.
struct VariantReport {
  QuantizeOptions options;
  ScoreAgreement agreement;                  // against the float model's scores
  std::optional<ml::BinaryMetrics> metrics;  // at the model's threshold, when labels are known
  size_t model_bytes = 0;                    // its .tflite file (float in, float out)
  size_t arena_bytes = 0;                    // arena the inference core needs for it
};

struct QuantReport {
  std::string eval_source;  // where the held-out rows came from (a path, or a note)
  size_t eval_rows = 0;
  double threshold = 0.5;                          // the model's decision threshold
  std::optional<ml::BinaryMetrics> float_metrics;  // of ml::Model::score, when labels are known
  // The float32 .tflite run by the inference core against ml::Model::score: max |difference|.
  double float_graph_max_abs_error = 0;
  size_t float_model_bytes = 0;  // the float32 .tflite file
  size_t float_arena_bytes = 0;
  VariantReport selected;     // the variant written to the QMODEL
  VariantReport alternative;  // the other weights mode (int8 <-> pow2), for comparison
};

// Quality and hardware limits of the selected variant; each unset limit is not checked.
struct GateLimits {
  std::optional<double> max_auc_drop;  // largest accepted float ROC-AUC - quantized ROC-AUC
  std::optional<double> max_f1_drop;   // largest accepted float F1 - quantized F1
  // The hardware budget (hardware_budget.h): the target class it is for ("" none, only named
  // in reasons), the largest .tflite file (flash) and tensor arena (RAM), in bytes.
  std::string target;
  std::optional<size_t> max_model_bytes;
  std::optional<size_t> max_arena_bytes;
};

struct GateResult {
  bool checked = false;  // some limit was set
  bool passed = true;
  std::vector<std::string> reasons;  // one line per limit exceeded
};

// Applies `limits` to the selected variant. Fails with kInvalidArgument when a metric limit is
// set but the report has no metrics (no labels) or the needed metric is undefined (one class
// only); byte limits need no labels. Thread-safe.
Result<GateResult> apply_gate(const QuantReport& report, const GateLimits& limits);

// Quantized minus float for roc_auc, pr_auc, f1, precision, recall, accuracy and log_loss (a
// negative delta of AUC or F1 is a drop); NaN (undefined) entries become null.
nlohmann::json metric_deltas(const ml::BinaryMetrics& float_metrics,
                             const ml::BinaryMetrics& quantized);

// The report's JSON form (docs/formats/qmodel.md, "report"), with the gate's outcome when given.
nlohmann::json to_json(const QuantReport& report, const GateLimits& limits, const GateResult& gate);

// A few lines for a terminal: errors, flips, metric deltas and bytes of each variant, the gate.
std::string format_report(const QuantReport& report, const GateResult& gate);

}  // namespace aiotops::quant
