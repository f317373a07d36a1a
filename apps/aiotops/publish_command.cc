// aiotops publish: registers a trained model and the files made from it in the registry — the
// native model file (NAME), the float .tflite (NAME-float), the int8 .tflite (NAME-int8, with a
// QMODEL) and the C header of the device model (NAME-c) — each with its lineage (dataset, parent,
// run id, metrics, gate results, targets, arena), then moves `staging` (and `production` with
// --promote) of every name to the new versions. Mapping and lineage: docs/pipeline-steps.md.

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/aiotops/command.h"
#include "apps/aiotops/registry_flags.h"
#include "apps/aiotops/release_publish.h"
#include "apps/aiotops/step_output.h"
#include "common/files.h"
#include "registry/http_json.h"

namespace aiotops::cli {
namespace {

using nlohmann::json;

struct PublishFlags {
  std::string model;
  std::string qmodel;
  std::string name;
  std::string dataset;  // NAME:VERSION or registry:NAME@VERSION
  std::string run_id;
  std::string train_report;
  std::string quantize_report;
  std::vector<std::string> targets;
  bool promote = false;
  RegistryClientFlags registry;
  bool json = false;
};

// What a gate-carrying report says: its "gate" object, or null without a file. A report whose
// gate refused is kFailedPrecondition-like: returned as a reason for exit 3 by the caller.
Result<json> read_gate(const std::string& path, std::string_view flag) {
  if (path.empty()) return json();
  auto text = read_file(path);
  if (!text) return fail(text.error().with_context(flag));
  auto report = registry::parse_json_object(*text, path);
  if (!report) return fail(report.error().with_context(flag));
  if (!report->contains("gate") || !(*report)["gate"].is_object()) {
    return fail(ErrorCode::kInvalidArgument, "{} {}: no \"gate\" object", flag, path);
  }
  return (*report)["gate"];
}

// Refuses a publish whose reports say a gate refused (exit 3), before anything is uploaded.
int refuse_if_gated(const json& gate, std::string_view step) {
  if (gate.is_null() || gate.value("passed", true)) return kExitOk;
  std::fprintf(stderr, "aiotops publish: the %.*s report's quality gate refused the model:\n",
               static_cast<int>(step.size()), step.data());
  for (const json& reason : gate.value("reasons", json::array())) {
    std::fprintf(stderr, "  %s\n", reason.is_string() ? reason.get<std::string>().c_str() : "?");
  }
  return kExitGateRefused;
}

int run_publish(const PublishFlags& flags) {
  auto train_gate = read_gate(flags.train_report, "--train-report");
  if (!train_gate) return report_error(train_gate.error());
  auto quantize_gate = read_gate(flags.quantize_report, "--quantize-report");
  if (!quantize_gate) return report_error(quantize_gate.error());
  if (int code = refuse_if_gated(*train_gate, "train"); code != kExitOk) return code;
  if (int code = refuse_if_gated(*quantize_gate, "quantize"); code != kExitOk) return code;
  auto dataset = dataset_lineage(flags.dataset, "--dataset");
  if (!dataset) return report_error(dataset.error());
  auto out = publish_release({.model = flags.model,
                              .qmodel = flags.qmodel,
                              .name = flags.name,
                              .dataset = *dataset,
                              .dataset_text = flags.dataset,
                              .run_id = flags.run_id,
                              .train_gate = *train_gate,
                              .quantize_gate = *quantize_gate,
                              .targets = flags.targets,
                              .promote = flags.promote},
                             flags.registry);
  if (!out) return report_error(out.error());
  if (int code = emit_step_result(*out, flags.json); code != kExitOk || flags.json) return code;
  std::string text;
  for (const json& item : (*out)["versions"]) {
    text += fmt::format("{:<28} version {:>4}  sha256:{}  ({} bytes)\n",
                        item["name"].get<std::string>(), item["version"].get<int64_t>(),
                        item["sha256"].get<std::string>(), item["size"].get<uint64_t>());
  }
  const json& parent = (*out)["parent_version"];
  text += fmt::format("aliases {} moved{}\n", (*out)["aliases"].get<std::string>(),
                      parent.is_null() ? std::string()
                                       : fmt::format(" (parent: {} version {})", flags.name,
                                                     parent.get<int64_t>()));
  std::fputs(text.c_str(), stdout);
  return kExitOk;
}

}  // namespace

void add_publish_command(CLI::App& root, Action& run) {
  auto flags = std::make_shared<PublishFlags>();
  CLI::App* cmd = root.add_subcommand(
      "publish",
      "Register a trained model in the registry as NAME (native model file), NAME-float "
      "(float .tflite), NAME-int8 (int8 .tflite, with --qmodel) and NAME-c (C header of the "
      "int8 model, else of the float one), each with lineage: dataset, parent (NAME's production "
      "version for NAME; the version it was made from for the others), run id, metrics, gate "
      "results, targets and arena bytes. Then moves the staging alias of every name to the new "
      "versions (and production with --promote). Refuses (exit 3) when a given report's gate "
      "refused. docs/pipeline-steps.md");
  cmd->add_option("--model", flags->model, "Model file written by aiotops train")->required();
  cmd->add_option("--qmodel", flags->qmodel,
                  "QMODEL written by aiotops quantize from that model: adds NAME-int8");
  cmd->add_option("--name", flags->name, "Registry model name")->required();
  cmd->add_option("--dataset", flags->dataset,
                  "Dataset version it was trained on: NAME:VERSION or registry:NAME@VERSION "
                  "(as aiotops extract prints it)");
  cmd->add_option("--run-id", flags->run_id, "Pipeline run that produced it")
      ->envname("AIOTOPS_RUN_ID");
  cmd->add_option("--train-report", flags->train_report,
                  "aiotops train --report file: its gate goes into the metrics; a refused gate "
                  "refuses the publish (exit 3)");
  cmd->add_option("--quantize-report", flags->quantize_report,
                  "aiotops quantize --report file: as --train-report");
  cmd->add_option("--target", flags->targets,
                  "Hardware classes the model is for (esp32, coral-tpu, jetson, rpi, x86), "
                  "comma-separated")
      ->delimiter(',');
  cmd->add_flag("--promote", flags->promote, "Also move the production alias");
  add_registry_client_flags(cmd, flags->registry);
  cmd->add_flag("--json", flags->json,
                "Print one JSON object: model, model_version, float_model, float_version, "
                "int8_model, int8_version, c_array_model, c_array_version, arena_bytes, "
                "parent_version, dataset, run_id, aliases, promoted, and versions (name, "
                "version, sha256, size of each)");
  cmd->callback([flags, &run] { run = [flags] { return run_publish(*flags); }; });
}

}  // namespace aiotops::cli
