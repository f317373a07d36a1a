#include "quant/report.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace aiotops::quant {
namespace {

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json();
}

nlohmann::json agreement_to_json(const ScoreAgreement& a) {
  return {{"rows", a.rows},
          {"max_abs_error", a.max_abs_error},
          {"mean_abs_error", a.mean_abs_error},
          {"flips", a.flips},
          {"flip_rate", a.flip_rate}};
}

nlohmann::json variant_to_json(const VariantReport& v, const QuantReport& report) {
  nlohmann::json json{{"quantization", to_json(v.options)},
                      {"agreement", agreement_to_json(v.agreement)},
                      {"model_bytes", v.model_bytes},
                      {"arena_bytes", v.arena_bytes}};
  if (v.metrics) {
    json["metrics"] = ml::to_json(*v.metrics);
    if (report.float_metrics)
      json["metric_deltas"] = metric_deltas(*report.float_metrics, *v.metrics);
  }
  return json;
}

// Float minus quantized of one metric; NaN when either is undefined.
double drop(double float_value, double quantized_value) { return float_value - quantized_value; }

std::string variant_text(std::string_view title, const VariantReport& v,
                         const QuantReport& report) {
  std::string text = fmt::format(
      "{} ({} weights, {})\n"
      "  |p - p_float|      max {:.6f}  mean {:.6f}\n"
      "  decisions flipped  {} of {} ({:.4f}%) at threshold {:.4f}\n",
      title, to_string(v.options.weights), v.options.per_channel ? "per-channel" : "per-tensor",
      v.agreement.max_abs_error, v.agreement.mean_abs_error, v.agreement.flips, v.agreement.rows,
      100.0 * v.agreement.flip_rate, report.threshold);
  if (v.metrics && report.float_metrics) {
    const ml::BinaryMetrics& f = *report.float_metrics;
    text += fmt::format("  ROC-AUC            {:.4f} (float {:.4f}, delta {:+.4f})\n",
                        v.metrics->roc_auc, f.roc_auc, v.metrics->roc_auc - f.roc_auc);
    text += fmt::format("  F1                 {:.4f} (float {:.4f}, delta {:+.4f})\n",
                        v.metrics->f1, f.f1, v.metrics->f1 - f.f1);
  }
  text += fmt::format("  .tflite bytes      {} (float32 {})\n  arena bytes        {}\n",
                      v.model_bytes, report.float_model_bytes, v.arena_bytes);
  return text;
}

// The budget's reasons: the selected variant's bytes against each byte limit.
void apply_budget(const QuantReport& report, const GateLimits& limits, GateResult& gate) {
  const std::string budget = limits.target.empty() ? std::string("the budget")
                                                   : fmt::format("the {} budget", limits.target);
  if (limits.max_model_bytes && report.selected.model_bytes > *limits.max_model_bytes) {
    gate.reasons.push_back(fmt::format("the .tflite file is {} bytes, over {} of {} bytes (flash)",
                                       report.selected.model_bytes, budget,
                                       *limits.max_model_bytes));
  }
  if (limits.max_arena_bytes && report.selected.arena_bytes > *limits.max_arena_bytes) {
    gate.reasons.push_back(fmt::format("the tensor arena needs {} bytes, over {} of {} bytes",
                                       report.selected.arena_bytes, budget,
                                       *limits.max_arena_bytes));
  }
}

}  // namespace

Result<ScoreAgreement> compare_scores(std::span<const double> reference,
                                      std::span<const double> quantized, double threshold) {
  if (reference.size() != quantized.size() || reference.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "compare scores: {} float scores and {} quantized scores (need the same, > 0)",
                reference.size(), quantized.size());
  }
  ScoreAgreement a;
  a.rows = reference.size();
  double sum = 0;
  for (size_t i = 0; i < a.rows; ++i) {
    const double error = std::abs(quantized[i] - reference[i]);
    a.max_abs_error = std::max(a.max_abs_error, error);
    sum += error;
    if ((quantized[i] >= threshold) != (reference[i] >= threshold)) ++a.flips;
  }
  a.mean_abs_error = sum / static_cast<double>(a.rows);
  a.flip_rate = static_cast<double>(a.flips) / static_cast<double>(a.rows);
  return a;
}

nlohmann::json metric_deltas(const ml::BinaryMetrics& f, const ml::BinaryMetrics& q) {
  return {{"roc_auc", number_or_null(q.roc_auc - f.roc_auc)},
          {"pr_auc", number_or_null(q.pr_auc - f.pr_auc)},
          {"f1", q.f1 - f.f1},
          {"precision", q.precision - f.precision},
          {"recall", q.recall - f.recall},
          {"accuracy", q.accuracy - f.accuracy},
          {"log_loss", q.log_loss - f.log_loss}};
}

Result<GateResult> apply_gate(const QuantReport& report, const GateLimits& limits) {
  GateResult gate;
  const bool metric_limits = limits.max_auc_drop.has_value() || limits.max_f1_drop.has_value();
  gate.checked =
      metric_limits || limits.max_model_bytes.has_value() || limits.max_arena_bytes.has_value();
  if (!gate.checked) return gate;
  if (metric_limits && (!report.float_metrics || !report.selected.metrics)) {
    return fail(ErrorCode::kInvalidArgument,
                "quality gate: {} has no labels, so ROC-AUC and F1 cannot be compared",
                report.eval_source);
  }
  if (limits.max_auc_drop) {
    const double auc_drop = drop(report.float_metrics->roc_auc, report.selected.metrics->roc_auc);
    if (!std::isfinite(auc_drop)) {
      return fail(ErrorCode::kInvalidArgument,
                  "quality gate: ROC-AUC is undefined on {} (one class only)", report.eval_source);
    }
    if (auc_drop > *limits.max_auc_drop) {
      gate.reasons.push_back(fmt::format("ROC-AUC dropped by {:.6f} ({:.6f} -> {:.6f}), limit {}",
                                         auc_drop, report.float_metrics->roc_auc,
                                         report.selected.metrics->roc_auc, *limits.max_auc_drop));
    }
  }
  if (limits.max_f1_drop) {
    const double f1_drop = drop(report.float_metrics->f1, report.selected.metrics->f1);
    if (f1_drop > *limits.max_f1_drop) {
      gate.reasons.push_back(fmt::format("F1 dropped by {:.6f} ({:.6f} -> {:.6f}), limit {}",
                                         f1_drop, report.float_metrics->f1,
                                         report.selected.metrics->f1, *limits.max_f1_drop));
    }
  }
  apply_budget(report, limits, gate);
  gate.passed = gate.reasons.empty();
  return gate;
}

nlohmann::json to_json(const QuantReport& report, const GateLimits& limits,
                       const GateResult& gate) {
  nlohmann::json float_json{{"model_bytes", report.float_model_bytes},
                            {"arena_bytes", report.float_arena_bytes},
                            {"graph_max_abs_error", report.float_graph_max_abs_error}};
  if (report.float_metrics) float_json["metrics"] = ml::to_json(*report.float_metrics);
  nlohmann::json json{
      {"eval", {{"source", report.eval_source}, {"rows", report.eval_rows}}},
      {"threshold", report.threshold},
      {"float", std::move(float_json)},
      {"selected", variant_to_json(report.selected, report)},
      {"alternative", variant_to_json(report.alternative, report)},
      {"gate",
       {{"checked", gate.checked},
        {"passed", gate.passed},
        {"max_auc_drop",
         limits.max_auc_drop ? nlohmann::json(*limits.max_auc_drop) : nlohmann::json()},
        {"max_f1_drop",
         limits.max_f1_drop ? nlohmann::json(*limits.max_f1_drop) : nlohmann::json()},
        {"target", limits.target.empty() ? nlohmann::json() : nlohmann::json(limits.target)},
        {"max_model_bytes",
         limits.max_model_bytes ? nlohmann::json(*limits.max_model_bytes) : nlohmann::json()},
        {"max_arena_bytes",
         limits.max_arena_bytes ? nlohmann::json(*limits.max_arena_bytes) : nlohmann::json()},
        {"reasons", gate.reasons}}},
  };
  return json;
}

std::string format_report(const QuantReport& report, const GateResult& gate) {
  std::string text =
      fmt::format("held-out rows      {} ({})\n", report.eval_rows, report.eval_source);
  text += fmt::format("float32 .tflite    {} bytes, arena {} bytes, max |p - model| {:.2e}\n",
                      report.float_model_bytes, report.float_arena_bytes,
                      report.float_graph_max_abs_error);
  if (report.float_metrics) {
    text += fmt::format("float ROC-AUC      {:.4f}  F1 {:.4f}\n", report.float_metrics->roc_auc,
                        report.float_metrics->f1);
  }
  text += variant_text("selected", report.selected, report);
  text += variant_text("alternative", report.alternative, report);
  if (gate.checked) {
    text += gate.passed
                ? std::string("gate               passed\n")
                : fmt::format("gate               REFUSED: {}\n", fmt::join(gate.reasons, "; "));
  }
  return text;
}

}  // namespace aiotops::quant
