#include "quant/quantize_model.h"

#include <optional>
#include <vector>

#include "quant/device_run.h"

namespace aiotops::quant {
namespace {

// The float model's own scores, the reference every variant is compared with.
std::vector<double> model_scores(const ml::Model& model, std::span<const double> rows) {
  const size_t cols = model.metadata().feature_names.size();
  std::vector<double> scores(rows.size() / cols);
  for (size_t r = 0; r < scores.size(); ++r) scores[r] = model.score(rows.subspan(r * cols, cols));
  return scores;
}

Result<std::optional<ml::BinaryMetrics>> metrics_if_labelled(std::span<const double> scores,
                                                             const EvalSet& eval,
                                                             double threshold) {
  if (eval.labels.empty()) return std::optional<ml::BinaryMetrics>();
  auto metrics = ml::compute_metrics(scores, eval.labels, threshold);
  if (!metrics) return fail(metrics.error().with_context(eval.source));
  return std::optional<ml::BinaryMetrics>(*metrics);
}

Result<VariantReport> evaluate_variant(const tflite::Graph& graph, const QuantizeOptions& options,
                                       std::span<const double> reference, const EvalSet& eval,
                                       double threshold) {
  auto run = run_on_device_core(graph, eval.rows);
  if (!run) return fail(run.error());
  VariantReport variant;
  variant.options = options;
  variant.model_bytes = run->model_bytes;
  variant.arena_bytes = run->arena_bytes;
  auto agreement = compare_scores(reference, run->scores, threshold);
  if (!agreement) return fail(agreement.error());
  variant.agreement = *agreement;
  auto metrics = metrics_if_labelled(run->scores, eval, threshold);
  if (!metrics) return fail(metrics.error());
  variant.metrics = *metrics;
  return variant;
}

Status check_eval(const ml::Model& model, const EvalSet& eval, const GateLimits& gate) {
  const size_t cols = model.metadata().feature_names.size();
  if (eval.rows.empty() || eval.rows.size() % cols != 0) {
    return fail(ErrorCode::kInvalidArgument,
                "{}: {} values do not form rows of the model's {} features (at least one row)",
                eval.source, eval.rows.size(), cols);
  }
  if (!eval.labels.empty() && eval.labels.size() != eval.rows.size() / cols) {
    return fail(ErrorCode::kInvalidArgument, "{}: {} labels for {} rows", eval.source,
                eval.labels.size(), eval.rows.size() / cols);
  }
  if ((gate.max_auc_drop || gate.max_f1_drop) && eval.labels.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "{}: the quality gate needs labels to compare ROC-AUC and F1", eval.source);
  }
  return {};
}

}  // namespace

Result<QuantizedModel> quantize_model(const ml::Model& model,
                                      std::span<const double> calibration_rows, const EvalSet& eval,
                                      const QuantizeModelOptions& options) {
  if (auto status = check_eval(model, eval, options.gate); !status) return fail(status.error());
  // The float baseline is the float export (scaler folded into the first layer); quantization
  // starts from the same network with the scaler kept as a float32 standardization, because one
  // int8 scale cannot resolve raw features of different magnitudes (graph.h).
  auto float_graph = tflite::lower_to_graph(model, options.lower);
  if (!float_graph) return fail(float_graph.error());
  tflite::LowerOptions unfolded = options.lower;
  unfolded.fold_scaler = false;
  auto standardized_graph = tflite::lower_to_graph(model, unfolded);
  if (!standardized_graph) return fail(standardized_graph.error());
  auto calibration = calibrate(*standardized_graph, calibration_rows, options.calibration);
  if (!calibration) return fail(calibration.error());

  QuantizeOptions alternative = options.quantize;
  alternative.weights =
      options.quantize.weights == WeightMode::kInt8 ? WeightMode::kPow2 : WeightMode::kInt8;
  auto selected_graph = quantize_graph(*standardized_graph, *calibration, options.quantize);
  if (!selected_graph) return fail(selected_graph.error());
  auto alternative_graph = quantize_graph(*standardized_graph, *calibration, alternative);
  if (!alternative_graph) return fail(alternative_graph.error());

  QuantReport report;
  report.eval_source = eval.source;
  report.eval_rows = eval.rows.size() / float_graph->inputs;
  report.threshold = model.metadata().threshold.value;
  const std::vector<double> reference = model_scores(model, eval.rows);
  auto float_metrics = metrics_if_labelled(reference, eval, report.threshold);
  if (!float_metrics) return fail(float_metrics.error());
  report.float_metrics = *float_metrics;

  auto float_run = run_on_device_core(*float_graph, eval.rows);
  if (!float_run) return fail(float_run.error());
  report.float_model_bytes = float_run->model_bytes;
  report.float_arena_bytes = float_run->arena_bytes;
  auto float_agreement = compare_scores(reference, float_run->scores, report.threshold);
  if (!float_agreement) return fail(float_agreement.error());
  report.float_graph_max_abs_error = float_agreement->max_abs_error;
  if (!(report.float_graph_max_abs_error <= kFloatGraphTolerance)) {
    return fail(ErrorCode::kInternal,
                "the float32 .tflite on the inference core differs from the model by up to {} "
                "(tolerance {}): the lowered graph is wrong",
                report.float_graph_max_abs_error, kFloatGraphTolerance);
  }

  auto selected =
      evaluate_variant(*selected_graph, options.quantize, reference, eval, report.threshold);
  if (!selected) return fail(selected.error());
  report.selected = std::move(*selected);
  auto other = evaluate_variant(*alternative_graph, alternative, reference, eval, report.threshold);
  if (!other) return fail(other.error());
  report.alternative = std::move(*other);

  auto gate = apply_gate(report, options.gate);
  if (!gate) return fail(gate.error());
  return QuantizedModel{std::move(*selected_graph), std::move(*calibration), std::move(report),
                        std::move(*gate)};
}

}  // namespace aiotops::quant
