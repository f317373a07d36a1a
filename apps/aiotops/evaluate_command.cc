// aiotops evaluate: score a labelled dataset with a model file and report the metrics (and,
// with --episodes, how early each fault episode was flagged).

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/aiotops/command.h"
#include "apps/aiotops/dataset_input.h"
#include "apps/aiotops/metrics_text.h"
#include "ml/episodes.h"
#include "ml/metrics.h"
#include "ml/model_file.h"
#include "sim/time_text.h"

namespace aiotops::cli {
namespace {

struct EvaluateFlags {
  std::string model;
  std::string data;
  std::optional<double> threshold;
  bool episodes = false;
  bool skip_bad_rows = false;
  bool json = false;
};

std::string optional_ms(const std::optional<int64_t>& ms, bool as_time) {
  if (!ms) return "-";
  if (as_time) return sim::format_utc(*ms);
  return fmt::format("{:.1f}s", static_cast<double>(*ms) / 1000.0);
}

std::string episodes_text(const ml::EpisodeReport& report) {
  std::string text = fmt::format("\n{:<12} {:<18} {:<24} {:<24} {:>10} {:>10}\n", "device", "fault",
                                 "onset", "flagged", "delay", "lead");
  for (const ml::FaultEpisode& e : report.episodes) {
    text += fmt::format("{:<12} {:<18} {:<24} {:<24} {:>10} {:>10}\n", e.device_id,
                        e.fault_type.empty() ? "-" : e.fault_type, sim::format_utc(e.onset_ms),
                        e.missed ? "missed" : optional_ms(e.flagged_ms, true),
                        optional_ms(e.delay_ms, false), optional_ms(e.lead_ms, false));
  }
  text +=
      fmt::format("false alarms {} of {} healthy rows\n", report.false_alarms, report.healthy_rows);
  return text;
}

int run_evaluate(const EvaluateFlags& flags) {
  auto model = ml::load_model(flags.model);
  if (!model) return report_error(model.error());
  const ml::ModelMetadata& m = model->metadata();
  telemetry::ReadOptions read_options;
  read_options.features = m.feature_names;
  read_options.label = m.label_name;
  read_options.skip_bad_rows = flags.skip_bad_rows;
  auto dataset = read_input("evaluate", flags.data, read_options);
  if (!dataset) return report_error(dataset.error());
  if (!dataset->has_labels()) {
    return report_error(Error(ErrorCode::kInvalidArgument,
                              fmt::format("{}: no label column '{}'", flags.data, m.label_name)));
  }
  const ml::Matrix raw = Eigen::Map<const ml::Matrix>(dataset->features.data(),
                                                      static_cast<Eigen::Index>(dataset->rows()),
                                                      static_cast<Eigen::Index>(dataset->cols()));
  const ml::Vector scores = model->score_batch(raw);
  const std::span<const double> score_span(scores.data(), static_cast<size_t>(scores.size()));
  const double threshold = flags.threshold.value_or(m.threshold.value);
  auto metrics = ml::compute_metrics(score_span, dataset->labels, threshold);
  if (!metrics) return report_error(metrics.error().with_context(flags.data));
  std::optional<ml::EpisodeReport> episodes;
  if (flags.episodes) {
    auto report = ml::fault_episodes(*dataset, score_span, threshold);
    if (!report) return report_error(report.error().with_context(flags.data));
    episodes = std::move(*report);
  }

  if (flags.json) {
    nlohmann::json json = ml::to_json(*metrics);
    json["model"] = flags.model;
    json["kind"] = ml::to_string(model->classifier().kind());
    json["data"] = flags.data;
    json["threshold_source"] = flags.threshold ? "flag" : "model";
    if (episodes) json["episodes"] = ml::to_json(*episodes);
    std::fputs((json.dump() + "\n").c_str(), stdout);
    return kExitOk;
  }
  std::string text = fmt::format("model       {} ({})\ndata        {}\nthreshold   {:.4f} ({})\n\n",
                                 flags.model, ml::to_string(model->classifier().kind()), flags.data,
                                 threshold, flags.threshold ? "--threshold" : m.threshold.rule);
  text += format_metrics_table({{"evaluation", ml::to_json(*metrics)}});
  if (episodes) text += episodes_text(*episodes);
  std::fputs(text.c_str(), stdout);
  return kExitOk;
}

}  // namespace

void add_evaluate_command(CLI::App& root, Action& run) {
  auto flags = std::make_shared<EvaluateFlags>();
  CLI::App* cmd = root.add_subcommand(
      "evaluate",
      "Score a labelled dataset with a model file and report ROC-AUC, PR-AUC, F1, precision, "
      "recall, accuracy, log loss and the confusion matrix at the model's threshold. The "
      "feature and label columns are found by the names stored in the model.");
  cmd->add_option("--model", flags->model, "Model file written by aiotops train")->required();
  cmd->add_option("--data", flags->data, "Dataset: .csv, or .jsonl/.json (JSON lines)")->required();
  cmd->add_option("--threshold", flags->threshold,
                  "Decision threshold in [0, 1] (default: the one stored in the model)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--episodes", flags->episodes,
                "Also report each fault episode (per device, in time order): onset, when the "
                "score first crossed the threshold, delay and lead over the label, and false "
                "alarms (needs deviceID and timeStamp columns)");
  cmd->add_flag("--skip-bad-rows", flags->skip_bad_rows,
                "Skip rows with a wrong field count or a bad value and report them on stderr");
  cmd->add_flag("--json", flags->json,
                "Print one JSON object on stdout (roc_auc, pr_auc, f1, precision, recall, "
                "accuracy, log_loss, threshold, rows, positives, confusion, and episodes)");
  cmd->callback([flags, &run] { run = [flags] { return run_evaluate(*flags); }; });
}

}  // namespace aiotops::cli
