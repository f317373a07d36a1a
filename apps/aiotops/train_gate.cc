#include "apps/aiotops/train_gate.h"

#include <fmt/format.h>

#include "apps/aiotops/dataset_input.h"
#include "common/temp_dir.h"

namespace aiotops::cli {
namespace {

// The held-out rows of `model`'s columns: --gate-data, or the test rows of the training data.
Result<telemetry::Dataset> held_out_rows(const TrainGateFlags& flags, const ml::Model& model,
                                         const std::string& data_path,
                                         const telemetry::ReadOptions& read,
                                         const ml::TrainReport& report, size_t training_rows) {
  telemetry::ReadOptions options = read;
  options.features = model.metadata().feature_names;
  const std::string& path = flags.gate_data.empty() ? data_path : flags.gate_data;
  auto data = read_input("train", path, options);
  if (!data) return data;
  if (!flags.gate_data.empty()) return data;
  if (data->rows() != training_rows) {
    // Only bad rows skipped in one column set and not the other can cause this.
    return fail(ErrorCode::kInvalidArgument,
                "{}: {} rows read with these features but {} for training (bad rows were "
                "skipped differently); use --gate-data",
                path, data->rows(), training_rows);
  }
  return telemetry::select_rows(*data, report.split.test);
}

}  // namespace

void add_train_gate_flags(CLI::App* cmd, TrainGateFlags& flags) {
  cmd->add_option("--baseline", flags.baseline,
                  "Gate: the model to beat, a model file or registry:NAME@REF (e.g. "
                  "registry:motor@production; a registry model that does not exist yet skips "
                  "the gate). Both are scored on the held-out rows; a candidate worse by more "
                  "than --max-regression is refused (exit 3, no model written)");
  cmd->add_option("--gate-metric", flags.metric, "Gate: roc_auc, pr_auc or f1")
      ->check(CLI::IsMember({"roc_auc", "pr_auc", "f1"}))
      ->capture_default_str();
  cmd->add_option("--max-regression", flags.max_regression,
                  "Gate: largest accepted baseline minus candidate on --gate-metric")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--gate-data", flags.gate_data,
                  "Gate: a separate labelled held-out dataset (default: the test part, which "
                  "then needs --test-fraction or --holdout-devices)");
  add_registry_client_flags(cmd, flags.registry);
}

Result<Baseline> load_baseline(const TrainGateFlags& flags, const ml::SplitOptions& split) {
  Baseline baseline;
  baseline.source = flags.baseline;
  if (flags.baseline.empty()) return baseline;
  if (flags.gate_data.empty() && split.test_fraction <= 0 && split.holdout_devices.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "--baseline needs held-out rows: --test-fraction, --holdout-devices or "
                "--gate-data");
  }
  if (auto metric = ml::parse_gate_metric(flags.metric); !metric) {
    return fail(metric.error().with_context("--gate-metric"));
  }
  auto registry_name = parse_registry_name(flags.baseline);
  if (!registry_name) return fail(registry_name.error().with_context("--baseline"));
  auto dir = TempDir::create("aiotops-train");
  if (!dir) return fail(dir.error());
  auto input =
      resolve_input(flags.baseline, registry::ArtifactPath::kModels, flags.registry, dir->path());
  if (!input && *registry_name && input.error().code() == ErrorCode::kNotFound) {
    baseline.note = fmt::format("no baseline: {}", input.error().message());
    return baseline;
  }
  if (!input) return fail(input.error().with_context("--baseline"));
  auto model = ml::load_model(input->file);
  if (!model) {
    return fail(model.error().with_context(
        fmt::format("--baseline {} (a native model file is needed)", flags.baseline)));
  }
  baseline.model = std::move(*model);
  baseline.version = input->version;
  return baseline;
}

Result<nlohmann::json> judge_candidate(const TrainGateFlags& flags, const Baseline& baseline,
                                       const ml::TrainReport& report, const std::string& data_path,
                                       std::string_view data_name,
                                       const telemetry::ReadOptions& read,
                                       const telemetry::Dataset& dataset) {
  if (!baseline.model) {
    nlohmann::json unchecked = {{"checked", false}, {"passed", true}};
    if (!baseline.note.empty()) unchecked["note"] = baseline.note;
    return unchecked;
  }
  telemetry::ReadOptions labelled = read;
  labelled.label = dataset.label_name;
  auto candidate_rows =
      held_out_rows(flags, report.model, data_path, labelled, report, dataset.rows());
  if (!candidate_rows) return fail(candidate_rows.error().with_context("the candidate"));
  auto baseline_rows =
      held_out_rows(flags, *baseline.model, data_path, labelled, report, dataset.rows());
  if (!baseline_rows) {
    return fail(baseline_rows.error().with_context(
        fmt::format("baseline model {} (features {})", baseline.source,
                    fmt::join(baseline.model->metadata().feature_names, ", "))));
  }
  auto candidate = ml::evaluate_model(report.model, *candidate_rows);
  if (!candidate) return fail(candidate.error().with_context("the candidate"));
  auto scored = ml::evaluate_model(*baseline.model, *baseline_rows);
  if (!scored) return fail(scored.error().with_context("baseline model " + baseline.source));
  const ml::RegressionGateOptions options{.metric = *ml::parse_gate_metric(flags.metric),
                                          .max_regression = flags.max_regression};
  auto verdict = ml::judge_regression(*candidate, *scored, options);
  if (!verdict) return fail(verdict.error());
  nlohmann::json json = ml::to_json(options, *verdict);
  json["baseline_model"] = baseline.source;
  json["baseline_version"] = baseline.version;
  json["data"] =
      flags.gate_data.empty() ? fmt::format("the test part of {}", data_name) : flags.gate_data;
  return json;
}

}  // namespace aiotops::cli
