// aiotops infer: score every row of a dataset with a model file, one line per row in row order.
// A native model file (JSON) is scored by ml::Model; a .tflite file by the inference core, the
// same code and bits as on the devices.

#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/aiotops/command.h"
#include "apps/aiotops/dataset_input.h"
#include "common/files.h"
#include "micro/host/host_model.h"
#include "ml/model_file.h"

namespace aiotops::cli {
namespace {

struct InferFlags {
  std::string model;
  std::string data;
  std::vector<std::string> features;
  bool skip_bad_rows = false;
  bool json = false;
};

// What scoring needs from either kind of model.
struct Scorer {
  std::vector<std::string> feature_names;  // dataset columns, in the model's input order
  std::vector<ml::AlertLevel> levels;      // ascending `from`
  bool float_scores = false;               // scores are float32 (print them as such)
  std::function<Result<double>(std::span<const double>)> score;
};

// The dataset columns: --features when given (one per model input), else the model's names.
Result<std::vector<std::string>> feature_columns(const InferFlags& flags,
                                                 const std::vector<std::string>& from_model,
                                                 size_t inputs) {
  if (!flags.features.empty()) {
    if (flags.features.size() != inputs) {
      return fail(ErrorCode::kInvalidArgument, "--features names {} columns; {} takes {} inputs",
                  flags.features.size(), flags.model, inputs);
    }
    return flags.features;
  }
  if (from_model.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "{} names no features: give --features with its {} input columns in order",
                flags.model, inputs);
  }
  return from_model;
}

Result<Scorer> native_scorer(const InferFlags& flags) {
  auto model = ml::load_model(flags.model);
  if (!model) return fail(model.error());
  auto shared = std::make_shared<ml::Model>(std::move(*model));
  const ml::ModelMetadata& m = shared->metadata();
  auto columns = feature_columns(flags, m.feature_names, m.feature_names.size());
  if (!columns) return fail(columns.error());
  return Scorer{
      std::move(*columns), m.alert_levels, false,
      [shared](std::span<const double> row) -> Result<double> { return shared->score(row); }};
}

Result<Scorer> tflite_scorer(const InferFlags& flags, std::string_view bytes) {
  auto model = micro::HostModel::from_bytes(bytes, flags.model);
  if (!model) return fail(model.error());
  auto shared = std::make_shared<micro::HostModel>(std::move(*model));
  const auto& metadata = shared->metadata();
  auto columns = feature_columns(
      flags, metadata ? metadata->feature_names : std::vector<std::string>{}, shared->input_size());
  if (!columns) return fail(columns.error());
  std::vector<ml::AlertLevel> levels;
  if (metadata && !metadata->alert_level_names.empty() &&
      metadata->alert_level_names.size() == metadata->alert_level_from.size()) {
    for (size_t i = 0; i < metadata->alert_level_names.size(); ++i) {
      levels.push_back({metadata->alert_level_names[i], metadata->alert_level_from[i]});
    }
  } else {
    levels = ml::default_alert_levels();
  }
  auto features = std::make_shared<std::vector<float>>(shared->input_size());
  return Scorer{std::move(*columns), std::move(levels), true,
                [shared, features](std::span<const double> row) -> Result<double> {
                  for (size_t i = 0; i < row.size(); ++i)
                    (*features)[i] = static_cast<float>(row[i]);
                  auto score = shared->score(*features);
                  if (!score) return fail(score.error());
                  return static_cast<double>(*score);
                }};
}

// The level a score falls in: the last whose `from` it reaches (the first for scores below all).
size_t level_of(double score, const std::vector<ml::AlertLevel>& levels) {
  size_t chosen = 0;
  for (size_t i = 0; i < levels.size(); ++i) {
    if (score >= levels[i].from) chosen = i;
  }
  return chosen;
}

std::string format_row(size_t row, double score, const Scorer& scorer,
                       const std::vector<std::string>& json_level_names, bool json) {
  if (!std::isfinite(score)) {
    return json ? fmt::format("{{\"row\":{},\"score\":null,\"level\":null}}\n", row)
                : fmt::format("{:>8}  {:>10}  -\n", row, "nan");
  }
  const size_t level = level_of(score, scorer.levels);
  const std::string value =
      scorer.float_scores ? fmt::format("{}", static_cast<float>(score)) : fmt::format("{}", score);
  if (json) {
    return fmt::format("{{\"row\":{},\"score\":{},\"level\":{}}}\n", row, value,
                       json_level_names[level]);
  }
  return fmt::format("{:>8}  {:>10.6f}  {}\n", row, score, scorer.levels[level].name);
}

int run_infer(const InferFlags& flags) {
  auto bytes = read_file(flags.model);
  if (!bytes) return report_error(bytes.error());
  auto scorer = micro::is_tflite(*bytes) ? tflite_scorer(flags, *bytes) : native_scorer(flags);
  if (!scorer) return report_error(scorer.error());
  bytes->clear();

  telemetry::ReadOptions read_options;
  read_options.features = scorer->feature_names;
  read_options.skip_bad_rows = flags.skip_bad_rows;
  auto dataset = read_input("infer", flags.data, read_options);
  if (!dataset) return report_error(dataset.error());

  std::vector<std::string> json_level_names;
  for (const ml::AlertLevel& level : scorer->levels) {
    json_level_names.push_back(nlohmann::json(level.name).dump());
  }
  std::string out = flags.json ? "" : fmt::format("{:>8}  {:>10}  {}\n", "row", "score", "level");
  for (size_t r = 0; r < dataset->rows(); ++r) {
    auto score = scorer->score(dataset->row(r));
    if (!score) return report_error(score.error().with_context(fmt::format("row {}", r)));
    out += format_row(r, *score, *scorer, json_level_names, flags.json);
    if (out.size() > (1 << 16)) {
      std::fputs(out.c_str(), stdout);
      out.clear();
    }
  }
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace

void add_infer_command(CLI::App& root, Action& run) {
  auto flags = std::make_shared<InferFlags>();
  CLI::App* cmd = root.add_subcommand(
      "infer",
      "Score every row of a dataset with a model file: a native model (JSON, from aiotops train) "
      "or a .tflite file (run by the inference core, exactly as on the devices). One line per "
      "row, in row order: the row's index (from 0, among the rows read), P(fault) and the model's "
      "alert level.");
  cmd->add_option("--model", flags->model, "Model file: native JSON or .tflite")->required();
  cmd->add_option("--data,--input", flags->data, "Dataset: .csv, or .jsonl/.json (JSON lines)")
      ->required();
  cmd->add_option("--features", flags->features,
                  "Dataset columns feeding the model's inputs, in order (default: the feature "
                  "names stored in the model; needed for .tflite files without metadata)")
      ->delimiter(',');
  cmd->add_flag("--skip-bad-rows", flags->skip_bad_rows,
                "Skip rows with a wrong field count or a bad value and report them on stderr");
  cmd->add_flag("--json", flags->json,
                "One JSON object per row: {\"row\":i,\"score\":p,\"level\":\"...\"}");
  cmd->callback([flags, &run] { run = [flags] { return run_infer(*flags); }; });
}

}  // namespace aiotops::cli
