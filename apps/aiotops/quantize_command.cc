// aiotops quantize: full-integer post-training quantization of a trained model, with the
// quantization error measured on held-out rows through the inference core, and an optional
// quality gate (exit 3). Writes the QMODEL file (docs/formats/qmodel.md).

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/aiotops/command.h"
#include "apps/aiotops/dataset_input.h"
#include "apps/aiotops/registry_flags.h"
#include "apps/aiotops/release_publish.h"
#include "apps/aiotops/step_output.h"
#include "common/files.h"
#include "common/sha256.h"
#include "common/temp_dir.h"
#include "ml/model_file.h"
#include "quant/hardware_budget.h"
#include "quant/qmodel.h"
#include "quant/quantize_model.h"
#include "telemetry/content_hash.h"

namespace aiotops::cli {
namespace {

struct QuantizeFlags {
  std::string model;  // a file, or registry:NAME@REF
  std::string calibration;
  std::string out;
  std::string report;
  std::string eval;
  bool per_channel = false;
  std::string calibration_method = "minmax";
  double percentile = quant::CalibrationOptions().percentile;
  std::string weights = "int8";
  std::optional<double> max_auc_drop;
  std::optional<double> max_f1_drop;
  std::string target;
  std::optional<size_t> max_model_bytes;
  std::optional<size_t> max_arena_bytes;
  std::string model_name;
  std::string model_version = tflite::LowerOptions().model_version;
  bool skip_bad_rows = false;
  bool json = false;
  // --publish NAME: the release `aiotops publish` makes, from this model and QMODEL.
  std::string publish;
  bool promote = false;
  std::string dataset;  // NAME:VERSION; default: the registry model's recorded dataset
  std::string run_id;
  RegistryClientFlags registry;
};

// Paths may hold bytes that are not UTF-8: replace them rather than throw.
std::string dump_json(const nlohmann::json& json, int indent) {
  return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<quant::QuantizeModelOptions> quantize_options(const QuantizeFlags& flags) {
  quant::QuantizeModelOptions options;
  auto method = quant::parse_calibration_method(flags.calibration_method);
  if (!method) return fail(method.error().with_context("--calibration-method"));
  options.calibration.method = *method;
  options.calibration.percentile = flags.percentile;
  if (auto status = quant::validate(options.calibration); !status) {
    return fail(status.error().with_context("--percentile"));
  }
  auto weights = quant::parse_weight_mode(flags.weights);
  if (!weights) return fail(weights.error().with_context("--weights"));
  options.quantize.weights = *weights;
  options.quantize.per_channel = flags.per_channel;
  options.gate.max_auc_drop = flags.max_auc_drop;
  options.gate.max_f1_drop = flags.max_f1_drop;
  // The target's budget, each limit overridden by its flag.
  if (!flags.target.empty()) {
    auto budget = quant::hardware_budget(flags.target);
    if (!budget) return fail(budget.error().with_context("--target"));
    options.gate.target = flags.target;
    options.gate.max_model_bytes = budget->max_model_bytes;
    options.gate.max_arena_bytes = budget->max_arena_bytes;
  }
  if (flags.max_model_bytes) options.gate.max_model_bytes = flags.max_model_bytes;
  if (flags.max_arena_bytes) options.gate.max_arena_bytes = flags.max_arena_bytes;
  options.lower.model_name = flags.model_name;
  options.lower.model_version = flags.model_version;
  return options;
}

// Publishes the model and the QMODEL as `aiotops publish --promote` would (release_publish.h),
// with the quantize gate, and the dataset and train gate recorded on a registry model when
// --dataset is not given. The publish result.
Result<nlohmann::json> publish_quantized(const QuantizeFlags& flags, const ResolvedInput& model,
                                         const nlohmann::json& quantize_gate) {
  Release release{.model = model.file,
                  .qmodel = flags.out,
                  .name = flags.publish,
                  .dataset = nlohmann::json(),
                  .dataset_text = flags.dataset,
                  .run_id = flags.run_id,
                  .train_gate = nlohmann::json(),
                  .quantize_gate = quantize_gate,
                  .targets = {},
                  .promote = flags.promote};
  if (!flags.target.empty()) release.targets.push_back(flags.target);
  auto dataset = dataset_lineage(flags.dataset, "--dataset");
  if (!dataset) return fail(dataset.error());
  release.dataset = std::move(*dataset);
  if (!model.name.empty()) {
    auto client = connect_registry(flags.registry);
    if (!client) return fail(client.error());
    auto record = (*client)->get_json(registry::artifact_path(
        registry::ArtifactPath::kModels, model.name, std::to_string(model.version)));
    if (!record) return fail(record.error().with_context(flags.model));
    const nlohmann::json recorded = record->value("dataset", nlohmann::json());
    if (release.dataset.is_null() && recorded.is_object()) {
      release.dataset = recorded;
      release.dataset_text =
          fmt::format("{}:{}", recorded.value("name", ""), recorded.value("version", int64_t{0}));
    }
    const nlohmann::json gates =
        record->value("metrics", nlohmann::json::object()).value("gates", nlohmann::json::object());
    release.train_gate = gates.value("train", nlohmann::json());
  }
  return publish_release(release, flags.registry);
}

int run_quantize(const QuantizeFlags& flags) {
  auto options = quantize_options(flags);
  if (!options) return report_error(options.error());
  auto dir = TempDir::create("aiotops-quantize");
  if (!dir) return report_error(dir.error());
  auto model_input =
      resolve_input(flags.model, registry::ArtifactPath::kModels, flags.registry, dir->path());
  if (!model_input) return report_error(model_input.error());
  auto model_bytes = read_file(model_input->file);
  if (!model_bytes) return report_error(model_bytes.error());
  auto model = ml::load_model(model_input->file);
  if (!model) return report_error(model.error());
  const ml::ModelMetadata& m = model->metadata();

  telemetry::ReadOptions read_options;
  read_options.features = m.feature_names;
  read_options.skip_bad_rows = flags.skip_bad_rows;
  const bool eval_is_calibration = flags.eval.empty();
  // The held-out rows need the label; calibration rows do not, unless they are also held out.
  if (eval_is_calibration) read_options.label = m.label_name;
  auto calibration = read_input("quantize", flags.calibration, read_options, flags.registry);
  if (!calibration) return report_error(calibration.error());
  read_options.label = m.label_name;
  auto held_out = eval_is_calibration
                      ? Result<telemetry::Dataset>(telemetry::Dataset())
                      : read_input("quantize", flags.eval, read_options, flags.registry);
  if (!held_out) return report_error(held_out.error());
  const telemetry::Dataset& eval = eval_is_calibration ? *calibration : *held_out;

  const quant::EvalSet eval_set{
      .rows = eval.features,
      .labels = eval.labels,
      .source = eval_is_calibration
                    ? fmt::format("{} (the calibration data; no --eval given)", flags.calibration)
                    : flags.eval};
  auto result = quant::quantize_model(*model, calibration->features, eval_set, *options);
  if (!result) return report_error(result.error());

  const nlohmann::json report = quant::to_json(result->report, options->gate, result->gate);
  nlohmann::json calibration_json = quant::to_json(result->calibration);
  calibration_json["data"] = flags.calibration;
  calibration_json["data_sha256"] = telemetry::dataset_content_hash(*calibration);
  const quant::QModel qmodel{.graph = result->graph,
                             .options = options->quantize,
                             .source = quant::source_identity(*model, sha256_hex(*model_bytes)),
                             .calibration = std::move(calibration_json),
                             .report = report};
  if (!flags.report.empty()) {
    if (auto status = write_file_atomic(flags.report, dump_json(report, 2) + "\n"); !status) {
      return report_error(status.error());
    }
  }
  if (result->gate.passed) {
    if (auto status = quant::save_qmodel(qmodel, flags.out); !status) {
      return report_error(status.error());
    }
  }
  nlohmann::json out = report;
  out["qmodel"] = result->gate.passed ? nlohmann::json(flags.out) : nlohmann::json();
  if (result->gate.passed && !flags.publish.empty()) {
    auto published = publish_quantized(flags, *model_input, report.value("gate", nlohmann::json()));
    if (!published) return report_error(published.error().with_context("--publish"));
    // The release's scalars at the top, as workflow outputs (int8_version, aliases, ...).
    for (const auto& [key, value] : published->items()) {
      if (!value.is_structured()) out[key] = value;
    }
    out["published"] = std::move(*published);
  }
  if (int code = emit_step_result(out, flags.json); code != kExitOk) return code;
  if (!flags.json) {
    std::string text = fmt::format("model              {} ({})\n", flags.model,
                                   ml::to_string(model->classifier().kind()));
    text += quant::format_report(result->report, result->gate);
    if (result->gate.passed) text += fmt::format("wrote              {}\n", flags.out);
    std::fputs(text.c_str(), stdout);
  }
  if (!result->gate.passed) {
    std::fprintf(stderr,
                 "aiotops quantize: quality gate refused the quantized model; %s not "
                 "written\n",
                 flags.out.c_str());
    return kExitGateRefused;
  }
  return kExitOk;
}

}  // namespace

void add_quantize_command(CLI::App& root, Action& run) {
  auto flags = std::make_shared<QuantizeFlags>();
  CLI::App* cmd = root.add_subcommand(
      "quantize",
      "Quantize a trained model (logistic, svm or mlp) to full-integer int8 (TFLite's scheme), "
      "calibrated on representative rows, and measure what it costs: the int8 and the "
      "powers-of-two variants run on the inference core against the float model on held-out "
      "rows (max and mean |p_int8 - p_float|, flipped decisions, metric deltas, bytes, arena). "
      "Writes the QMODEL file (docs/formats/qmodel.md) for `aiotops export`.");
  cmd->add_option("--model", flags->model,
                  "Model file written by aiotops train, or registry:NAME@REF")
      ->required();
  cmd->add_option("--calibration", flags->calibration,
                  "Representative dataset (.csv, JSON lines or registry:NAME@REF) with the model's "
                  "feature columns")
      ->required();
  cmd->add_option("--out", flags->out,
                  "QMODEL file to write (atomically; not written when the gate refuses)")
      ->required();
  cmd->add_option("--report", flags->report, "Also write the quantization report as JSON here");
  cmd->add_option("--eval", flags->eval,
                  "Held-out labelled dataset for the report (default: the calibration data, "
                  "which then needs the model's label column; the report says so)");
  cmd->add_flag("--per-channel", flags->per_channel,
                "One weight scale per output channel instead of one per tensor");
  cmd->add_option("--calibration-method", flags->calibration_method,
                  "minmax (smallest and largest value) or percentile (clip outliers)")
      ->capture_default_str();
  cmd->add_option("--percentile", flags->percentile,
                  "With --calibration-method percentile: the upper percentile in (50, 100]; the "
                  "lower is 100 minus it")
      ->capture_default_str();
  cmd->add_option("--weights", flags->weights,
                  "int8 (symmetric) or pow2 (every weight 0 or a signed power of two, so a "
                  "multiply can be a shift; still a standard int8 .tflite). The other mode is "
                  "always measured too, as the report's alternative")
      ->capture_default_str();
  cmd->add_option("--max-auc-drop", flags->max_auc_drop,
                  "Gate: refuse (exit 3, no QMODEL) when float ROC-AUC minus quantized ROC-AUC "
                  "exceeds this")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--max-f1-drop", flags->max_f1_drop,
                  "Gate: refuse (exit 3, no QMODEL) when float F1 minus quantized F1 exceeds this")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--target", flags->target,
                  "Gate: the hardware class the int8 model must fit (esp32, coral-tpu, jetson, "
                  "rpi, x86): refuse (exit 3, no QMODEL) when its .tflite file or tensor arena "
                  "exceeds the class's budget (docs/pipeline-steps.md; esp32: 262144 and 20000 "
                  "bytes)");
  cmd->add_option("--max-model-bytes", flags->max_model_bytes,
                  "Gate: refuse (exit 3, no QMODEL) when the int8 .tflite file (flash) is larger "
                  "than this many bytes; overrides --target's budget");
  cmd->add_option("--max-arena-bytes", flags->max_arena_bytes,
                  "Gate: refuse (exit 3, no QMODEL) when the inference core's tensor arena for the "
                  "int8 model needs more than this many bytes; overrides --target's budget");
  cmd->add_option("--model-name", flags->model_name,
                  "Model name in the graph metadata (default: the model kind)");
  cmd->add_option("--model-version", flags->model_version, "Model version in the graph metadata")
      ->capture_default_str();
  cmd->add_flag("--skip-bad-rows", flags->skip_bad_rows,
                "Skip rows with a wrong field count or a bad value and report them on stderr");
  cmd->add_option("--publish", flags->publish,
                  "When the gates pass, publish the model and the QMODEL as registry model NAME "
                  "(NAME, NAME-float, NAME-int8, NAME-c), as aiotops publish does");
  cmd->add_flag("--promote", flags->promote, "With --publish: also move the production alias");
  cmd->add_option("--dataset", flags->dataset,
                  "With --publish: the training dataset, NAME:VERSION or registry:NAME@VERSION "
                  "(default: the one a registry --model records)");
  cmd->add_option("--run-id", flags->run_id, "With --publish: the pipeline run that produced it")
      ->envname("AIOTOPS_RUN_ID");
  add_registry_client_flags(cmd, flags->registry);
  cmd->add_flag("--json", flags->json,
                "Print the report as one JSON object on stdout, with \"qmodel\" (the file "
                "written, or null when the gate refused) and, with --publish, the release's "
                "fields (int8_model, int8_version, aliases, ...) and \"published\"");
  cmd->callback([flags, &run] { run = [flags] { return run_quantize(*flags); }; });
}

}  // namespace aiotops::cli
