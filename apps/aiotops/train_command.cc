// aiotops train: fit a model (logistic regression, linear SVM, Gaussian naive Bayes or an MLP)
// on a labelled dataset and write the model file (docs/formats/model.md).

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/aiotops/command.h"
#include "apps/aiotops/dataset_input.h"
#include "apps/aiotops/metrics_text.h"
#include "apps/aiotops/step_output.h"
#include "apps/aiotops/train_gate.h"
#include "common/files.h"
#include "common/temp_dir.h"
#include "ml/trainer.h"
#include "sim/time_text.h"

namespace aiotops::cli {
namespace {

struct TrainFlags {
  std::string data;
  std::vector<std::string> features;
  std::string label;
  std::string model;
  std::string out;  // a file, or registry:NAME (a new version of model NAME)
  uint64_t seed = 0;
  double validation_fraction = 0;
  double test_fraction = 0;
  std::vector<std::string> holdout_devices;
  size_t cv = 0;
  double c = ml::TrainOptions().c;
  std::string class_weight = "none";
  std::string threshold_rule = "max-f1";
  double target_recall = ml::TrainOptions().target_recall;
  std::vector<size_t> hidden = ml::MlpOptions().hidden;
  size_t epochs = ml::MlpOptions().max_epochs;
  size_t batch_size = ml::MlpOptions().batch_size;
  double learning_rate = ml::MlpOptions().learning_rate;
  size_t patience = ml::MlpOptions().patience;
  std::string split_out;
  std::string report;
  TrainGateFlags gate;
  bool skip_bad_rows = false;
  bool quiet = false;
  bool json = false;
  std::string run_id;  // recorded with a registry --out
};

Result<ml::TrainOptions> train_options(const TrainFlags& flags) {
  ml::TrainOptions options;
  auto kind = ml::parse_model_kind(flags.model);
  if (!kind) return fail(kind.error().with_context("--model"));
  options.kind = *kind;
  auto weight = ml::parse_class_weight(flags.class_weight);
  if (!weight) return fail(weight.error().with_context("--class-weight"));
  options.class_weight = *weight;
  auto rule = ml::parse_threshold_rule(flags.threshold_rule);
  if (!rule) return fail(rule.error().with_context("--threshold-rule"));
  options.threshold_rule = *rule;
  options.target_recall = flags.target_recall;
  options.c = flags.c;
  options.seed = flags.seed;
  options.split = {.validation_fraction = flags.validation_fraction,
                   .test_fraction = flags.test_fraction,
                   .holdout_devices = flags.holdout_devices,
                   .cv_folds = flags.cv};
  options.mlp.hidden = flags.hidden;
  options.mlp.max_epochs = flags.epochs;
  options.mlp.batch_size = flags.batch_size;
  options.mlp.learning_rate = flags.learning_rate;
  options.mlp.patience = flags.patience;
  options.tool_version = AIOTOPS_VERSION;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  options.created =
      sim::format_utc(std::chrono::duration_cast<std::chrono::seconds>(now).count() * 1000);
  return options;
}

// Epoch lines on stderr, at most one a second (and the first), with a time-left estimate that
// assumes every remaining epoch runs (early stopping can only make it shorter).
ml::ProgressCallback progress_printer() {
  auto last = std::make_shared<double>(-1.0);
  return [last](const ml::Progress& p) {
    if (*last >= 0 && p.elapsed_seconds - *last < 1.0 && p.epoch < p.max_epochs) return;
    *last = p.elapsed_seconds;
    const double per_epoch = p.elapsed_seconds / static_cast<double>(std::max<size_t>(p.epoch, 1));
    const double left =
        per_epoch * static_cast<double>(p.max_epochs - std::min(p.epoch, p.max_epochs));
    std::string line =
        fmt::format("aiotops train: epoch {}/{}  loss {:.5f}", p.epoch, p.max_epochs, p.train_loss);
    if (std::isfinite(p.validation_loss)) {
      line += fmt::format("  validation loss {:.5f}", p.validation_loss);
    }
    line += fmt::format("  elapsed {:.1f}s  ETA <= {:.0f}s\n", p.elapsed_seconds, left);
    std::fputs(line.c_str(), stderr);
  };
}

Status write_split(const std::string& path, const ml::Split& split) {
  const nlohmann::json json = {
      {"train", split.train}, {"validation", split.validation}, {"test", split.test}};
  return write_file_atomic(path, json.dump() + "\n");
}

// With the gate's verdict: "gate" (train_gate.h) and "gate_passed"; "model" is null when refused.
nlohmann::json summary_json(const TrainFlags& flags, const ml::TrainReport& report,
                            size_t total_rows, const nlohmann::json& gate) {
  const ml::ModelMetadata& m = report.model.metadata();
  const ml::ResourceFigures resources = report.model.resources();
  const bool passed = gate.value("passed", true);
  return {{"model", passed ? nlohmann::json(flags.out) : nlohmann::json()},
          {"gate_passed", passed},
          {"gate", gate},
          {"kind", ml::to_string(report.model.classifier().kind())},
          {"features", m.feature_names},
          {"label", m.label_name},
          {"rows",
           {{"total", total_rows},
            {"train", m.training.train_rows},
            {"validation", m.training.validation_rows},
            {"test", m.training.test_rows}}},
          {"threshold",
           {{"value", m.threshold.value},
            {"rule", m.threshold.rule},
            {"chosen_on", m.threshold.chosen_on}}},
          {"metrics", m.metrics},
          {"fit_seconds", report.fit_seconds},
          {"parameters", resources.parameters},
          {"macs", resources.macs},
          {"model_bytes", resources.model_bytes},
          {"dataset_sha256", m.training.dataset_sha256}};
}

// Paths may hold bytes that are not UTF-8: replace them rather than throw.
std::string dump_json(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void print_summary(const TrainFlags& flags, const ml::TrainReport& report,
                   const nlohmann::json& gate) {
  const ml::ModelMetadata& m = report.model.metadata();
  const ml::ResourceFigures resources = report.model.resources();
  std::string text = fmt::format(
      "model       {} ({})\nrows        train {}, validation {}, test {}\n"
      "threshold   {:.4f} ({} on {})\nfit         {:.3f} s\n"
      "resources   {} parameters, {} MACs, {} bytes\n\n",
      flags.out, ml::to_string(report.model.classifier().kind()), m.training.train_rows,
      m.training.validation_rows, m.training.test_rows, m.threshold.value, m.threshold.rule,
      m.threshold.chosen_on, report.fit_seconds, resources.parameters, resources.macs,
      resources.model_bytes);
  std::vector<std::pair<std::string, nlohmann::json>> parts;
  for (const char* part : {"train", "validation", "test"}) {
    if (m.metrics.contains(part)) parts.emplace_back(part, m.metrics[part]);
  }
  if (m.metrics.contains("cross_validation")) {
    parts.emplace_back("cv mean", m.metrics["cross_validation"]["mean"]);
  }
  text += format_metrics_table(parts);
  if (gate["checked"] == true) {
    text += fmt::format("\ngate        {} {:.4f} vs baseline {:.4f} (max regression {}): {}\n",
                        gate["metric"].get<std::string>(), gate["candidate"].get<double>(),
                        gate["baseline"].get<double>(), gate["max_regression"].get<double>(),
                        gate["passed"] == true ? "passed" : "REFUSED, model not written");
  } else if (gate.contains("note")) {
    text += fmt::format("\ngate        not checked: {}\n", gate["note"].get<std::string>());
  }
  std::fputs(text.c_str(), stdout);
}

// Pushes the saved model as a new version of `name` with its lineage (format native, the
// dataset version it was trained on when it came from the registry, run id, metrics with the
// train gate), so the next step of a workflow finds it as registry:NAME@latest. The version.
Result<int64_t> push_model(const TrainFlags& flags, const std::string& name,
                           const std::filesystem::path& file, const ResolvedInput& data,
                           const ml::Model& model, const nlohmann::json& gate) {
  auto client = connect_registry(flags.gate.registry);
  if (!client) return fail(client.error().with_context("--out"));
  nlohmann::json metadata = {{"format", "native"}};
  if (!data.name.empty()) metadata["dataset"] = {{"name", data.name}, {"version", data.version}};
  if (!flags.run_id.empty()) metadata["pipeline_run_id"] = flags.run_id;
  metadata["metrics"] = model.metadata().metrics;
  metadata["metrics"]["gates"] = {{"train", gate}};
  auto record = (*client)->push(registry::ArtifactPath::kModels, name, file, metadata);
  if (!record) return fail(record.error().with_context(flags.out));
  return record->value("version", int64_t{0});
}

int run_train(const TrainFlags& flags) {
  auto options = train_options(flags);
  if (!options) return report_error(options.error());
  auto baseline = load_baseline(flags.gate, options->split);
  if (!baseline) return report_error(baseline.error());
  telemetry::ReadOptions read_options;
  read_options.features = flags.features;
  read_options.label = flags.label;
  read_options.skip_bad_rows = flags.skip_bad_rows;
  // A registry output is named before anything is trained; a registry dataset is downloaded
  // once, so the version trained on is the one recorded.
  auto out_name = parse_registry_name(flags.out);
  if (!out_name) return report_error(out_name.error().with_context("--out"));
  if (*out_name && (*out_name)->ref != "latest") {
    return report_error(Error(ErrorCode::kInvalidArgument,
                              fmt::format("--out {}: a new version has no @REF yet", flags.out)));
  }
  auto dir = TempDir::create("aiotops-train");
  if (!dir) return report_error(dir.error());
  auto data = resolve_input(flags.data, registry::ArtifactPath::kDatasets, flags.gate.registry,
                            dir->path());
  if (!data) return report_error(data.error());
  auto dataset = read_input("train", data->file.string(), read_options, flags.gate.registry);
  if (!dataset) return report_error(dataset.error());
  if (!flags.quiet) {
    std::fprintf(stderr, "aiotops train: %zu rows, %zu features, training %s\n", dataset->rows(),
                 dataset->cols(), flags.model.c_str());
  }
  auto report = ml::train_model(*dataset, *options,
                                flags.quiet ? ml::ProgressCallback() : progress_printer());
  if (!report) return report_error(report.error().with_context(flags.data));
  auto gate = judge_candidate(flags.gate, *baseline, *report, data->file.string(), flags.data,
                              read_options, *dataset);
  if (!gate) return report_error(gate.error());
  if (!flags.split_out.empty()) {
    if (auto status = write_split(flags.split_out, report->split); !status) {
      return report_error(status.error());
    }
  }
  const bool passed = (*gate)["passed"] == true;
  const std::filesystem::path model_file =
      *out_name ? dir->path() / "model.json" : std::filesystem::path(flags.out);
  if (passed) {
    if (auto status = ml::save_model(report->model, model_file); !status) {
      return report_error(status.error());
    }
  }
  nlohmann::json summary = summary_json(flags, *report, dataset->rows(), *gate);
  if (passed && *out_name) {
    auto version = push_model(flags, (*out_name)->name, model_file, *data, report->model, *gate);
    if (!version) return report_error(version.error());
    summary["model"] = fmt::format("registry:{}@{}", (*out_name)->name, *version);
    summary["model_version"] = *version;
  }
  if (!flags.report.empty()) {
    if (auto status = write_file_atomic(flags.report, dump_json(summary) + "\n"); !status) {
      return report_error(status.error());
    }
  }
  if (int code = emit_step_result(summary, flags.json); code != kExitOk) return code;
  if (!flags.json) print_summary(flags, *report, *gate);
  if (!passed) {
    for (const auto& reason : (*gate)["reasons"]) {
      std::fprintf(stderr, "aiotops train: quality gate: %s\n", reason.get<std::string>().c_str());
    }
    std::fprintf(stderr, "aiotops train: quality gate refused the candidate; %s not written\n",
                 flags.out.c_str());
    return kExitGateRefused;
  }
  return kExitOk;
}

}  // namespace

void add_train_command(CLI::App& root, Action& run) {
  auto flags = std::make_shared<TrainFlags>();
  CLI::App* cmd = root.add_subcommand(
      "train",
      "Train a fault classifier on a labelled dataset and write the model file "
      "(docs/formats/model.md). Features are standardized with statistics of the training rows "
      "only. Without a split flag every row trains.");
  cmd->add_option("--data", flags->data,
                  "Dataset: .csv, .jsonl/.json (JSON lines) or registry:NAME@REF")
      ->required();
  cmd->add_option("--features", flags->features,
                  "Feature columns, comma-separated, in the model's input order (default: every "
                  "numeric column except the label, deviceID, timeStamp and fault_type)")
      ->delimiter(',');
  cmd->add_option("--label", flags->label,
                  "Label column, values 0/1 (default: \"label\" if present)");
  cmd->add_option("--model", flags->model, "Model kind: logistic, svm, naive-bayes or mlp")
      ->required();
  cmd->add_option("--out", flags->out,
                  "Model file to write (atomically), or registry:NAME: a new version of model "
                  "NAME with its lineage (dataset version, run id, metrics, train gate)")
      ->required();
  cmd->add_option("--run-id", flags->run_id, "Pipeline run id recorded with a registry --out")
      ->envname("AIOTOPS_RUN_ID");
  cmd->add_option("--seed", flags->seed, "Seed of the split shuffles and the MLP initialisation")
      ->capture_default_str();
  cmd->add_option("--validation-fraction", flags->validation_fraction,
                  "Fraction of each class held out for validation (threshold choice, MLP early "
                  "stopping)")
      ->check(CLI::Range(0.0, 0.99));
  cmd->add_option("--test-fraction", flags->test_fraction,
                  "Fraction of each class held out for the test metrics")
      ->check(CLI::Range(0.0, 0.99));
  cmd->add_option("--holdout-devices", flags->holdout_devices,
                  "Devices whose rows form the test part, comma-separated (needs a deviceID "
                  "column; --validation-fraction then applies to the other rows)")
      ->delimiter(',');
  cmd->add_option("--cv", flags->cv,
                  "K-fold stratified cross-validation report (K >= 2), then train on every row")
      ->check(CLI::Range(size_t{2}, size_t{1000}));
  cmd->add_option("--C", flags->c,
                  "Inverse L2 regularization strength of logistic and svm (as scikit-learn's C)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--class-weight", flags->class_weight,
                  "balanced (weigh each class by n / (2 n_class)) or none")
      ->capture_default_str();
  cmd->add_option("--threshold-rule", flags->threshold_rule,
                  "How the decision threshold is chosen, on validation rows if any, else on "
                  "training rows: max-f1 or target-recall")
      ->capture_default_str();
  cmd->add_option("--target-recall", flags->target_recall,
                  "Recall the target-recall rule must reach, in (0, 1]")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--hidden", flags->hidden,
                  "MLP hidden layer sizes, comma-separated (the reference network: 50,40)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--epochs", flags->epochs, "MLP: most passes over the training rows")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  cmd->add_option("--batch-size", flags->batch_size, "MLP: rows per Adam mini-batch")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 24));
  cmd->add_option("--learning-rate", flags->learning_rate, "MLP: Adam step size")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--patience", flags->patience,
                  "MLP: stop after this many epochs without improvement of the validation loss "
                  "(training loss without validation rows)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  cmd->add_option("--split-out", flags->split_out,
                  "Also write the row indices (0-based data rows) of each part as JSON "
                  "{\"train\": [...], \"validation\": [...], \"test\": [...]}");
  cmd->add_option("--report", flags->report,
                  "Also write the --json object to this file (for aiotops publish "
                  "--train-report)");
  add_train_gate_flags(cmd, flags->gate);
  cmd->add_flag("--skip-bad-rows", flags->skip_bad_rows,
                "Skip rows with a wrong field count or a bad value and report them on stderr, "
                "instead of failing on the first");
  cmd->add_flag("--quiet", flags->quiet, "No progress lines on stderr");
  cmd->add_flag("--json", flags->json,
                "Print one JSON object on stdout: model path (null when the gate refused), "
                "gate_passed, gate, kind, rows, threshold, metrics per part, fit_seconds (the fit "
                "alone), parameters, macs, model_bytes");
  cmd->callback([flags, &run] { run = [flags] { return run_train(*flags); }; });
}

}  // namespace aiotops::cli
