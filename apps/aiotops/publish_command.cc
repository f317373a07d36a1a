// aiotops publish: registers a trained model and the files made from it in the registry — the
// native model file (NAME), the float .tflite (NAME-float), the int8 .tflite (NAME-int8, with a
// QMODEL) and the C header of the device model (NAME-c) — each with its lineage (dataset, parent,
// run id, metrics, gate results, targets, arena), then moves `staging` (and `production` with
// --promote) of every name to the new versions. Mapping and lineage: docs/pipeline-steps.md.

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/aiotops/command.h"
#include "apps/aiotops/registry_flags.h"
#include "apps/aiotops/step_output.h"
#include "common/files.h"
#include "common/sha256.h"
#include "common/temp_dir.h"
#include "ml/model_file.h"
#include "quant/device_export.h"
#include "quant/device_run.h"
#include "quant/qmodel.h"
#include "registry/http_json.h"
#include "registry/publish.h"

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

// The dataset lineage: {"name", "version"} from "NAME:VERSION" or "registry:NAME@VERSION".
Result<json> dataset_ref(const std::string& text) {
  if (text.empty()) return json();
  std::string name;
  std::string version;
  if (auto parsed = parse_registry_name(text); parsed && *parsed) {
    name = (*parsed)->name;
    version = (*parsed)->ref;
  } else if (const size_t colon = text.rfind(':'); colon != std::string::npos && colon > 0) {
    name = text.substr(0, colon);
    version = text.substr(colon + 1);
  }
  const bool digits = !version.empty() && version.size() < 19 &&
                      version.find_first_not_of("0123456789") == std::string::npos;
  if (name.empty() || !digits || std::stoll(version) <= 0) {
    return fail(ErrorCode::kInvalidArgument,
                "--dataset '{}': expected NAME:VERSION or registry:NAME@VERSION", text);
  }
  return json{{"name", name}, {"version", std::stoll(version)}};
}

// One device file made for the registry: the file, its .tflite size and the arena it needs.
struct DeviceFile {
  std::filesystem::path file;
  size_t arena_bytes = 0;
};

// Writes `graph` as `format` into `dir`/`stem`, named and versioned for the registry, and
// measures the arena the inference core needs for it.
Result<DeviceFile> make_device_file(const std::filesystem::path& source, quant::ExportFormat format,
                                    const std::string& name, int64_t version,
                                    const std::filesystem::path& dir, std::string_view extension) {
  const quant::ExportOptions options{.format = format,
                                     .int8_io = false,
                                     .model_name = name,
                                     .model_version = std::to_string(version),
                                     .symbol = quant::ExportOptions().symbol};
  auto graph = quant::load_device_graph(source, options);
  if (!graph) return fail(graph.error());
  auto exported = quant::export_graph(*graph, options);
  if (!exported) return fail(exported.error().with_context(source.string()));
  auto run = quant::run_on_device_core(*graph, {});
  if (!run) return fail(run.error().with_context(source.string()));
  const std::filesystem::path file = dir / fmt::format("{}{}", name, extension);
  if (auto status = write_file_atomic(file, exported->contents); !status) {
    return fail(status.error());
  }
  return DeviceFile{file, run->arena_bytes};
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
  auto dataset = dataset_ref(flags.dataset);
  if (!dataset) return report_error(dataset.error());

  auto model_bytes = read_file(flags.model);
  if (!model_bytes) return report_error(model_bytes.error());
  auto model = ml::load_model(flags.model);
  if (!model) return report_error(model.error());
  std::optional<quant::QModel> qmodel;
  if (!flags.qmodel.empty()) {
    auto read = quant::read_qmodel(flags.qmodel);
    if (!read) return report_error(read.error());
    if (read->source.value("file_sha256", "") != sha256_hex(*model_bytes)) {
      return report_error(Error(ErrorCode::kInvalidArgument,
                                fmt::format("--qmodel {} was not quantized from --model {} (its "
                                            "source file_sha256 differs)",
                                            flags.qmodel, flags.model)));
    }
    qmodel = std::move(*read);
  }

  auto client = connect_registry(flags.registry);
  if (!client) return report_error(client.error());
  registry::RegistryClient& registry = **client;
  auto production = registry::alias_version(registry, flags.name, "production");
  if (!production) return report_error(production.error());
  auto dir = TempDir::create("aiotops-publish");
  if (!dir) return report_error(dir.error());

  // Lineage and provenance every version carries.
  json common = json::object();
  if (!dataset->is_null()) common["dataset"] = *dataset;
  if (!flags.run_id.empty()) common["pipeline_run_id"] = flags.run_id;
  if (!flags.targets.empty()) common["target_classes"] = flags.targets;
  json gates = json::object();
  if (!train_gate->is_null()) gates["train"] = *train_gate;
  if (!quantize_gate->is_null()) gates["quantize"] = *quantize_gate;
  json model_metrics = model->metadata().metrics;
  model_metrics["gates"] = gates;

  std::vector<registry::PublishItem> items;
  json native = common;
  native["format"] = "native";
  native["metrics"] = model_metrics;
  items.push_back({.name = flags.name,
                   .file = flags.model,
                   .metadata = std::move(native),
                   .parent_item = std::nullopt,
                   .parent = production->has_value()
                                 ? std::optional<registry::VersionRef>({flags.name, **production})
                                 : std::nullopt});
  // Device files: named and versioned inside as they will be in the registry.
  struct Planned {
    std::string name;
    std::filesystem::path source;
    quant::ExportFormat format;
    std::string registry_format;
    std::string extension;
    size_t parent_item;
  };
  std::vector<Planned> planned{{flags.name + "-float", flags.model, quant::ExportFormat::kTflite,
                                "tflite-float", ".tflite", 0}};
  if (qmodel) {
    planned.push_back({flags.name + "-int8", flags.qmodel, quant::ExportFormat::kTflite,
                       "tflite-int8", ".tflite", 0});
  }
  // The C header holds the device model: the int8 one when there is one.
  planned.push_back({flags.name + "-c", planned.back().source, quant::ExportFormat::kCArray,
                     "c-array", ".h", planned.size()});
  for (const Planned& p : planned) {
    auto version = registry::next_version(registry, p.name);
    if (!version) return report_error(version.error());
    auto file = make_device_file(p.source, p.format, p.name, *version, dir->path(), p.extension);
    if (!file) return report_error(file.error());
    json metadata = common;
    metadata["format"] = p.registry_format;
    metadata["version"] = *version;
    metadata["arena_bytes"] = file->arena_bytes;
    metadata["metrics"] = p.registry_format == "tflite-float" || !qmodel
                              ? model_metrics
                              : json{{"test", model->metadata().metrics.value("test", json())},
                                     {"quantization", qmodel->report.value("selected", json())},
                                     {"gates", gates}};
    items.push_back({.name = p.name,
                     .file = file->file,
                     .metadata = std::move(metadata),
                     .parent_item = p.parent_item,
                     .parent = std::nullopt});
  }

  std::vector<std::string> aliases{"staging"};
  if (flags.promote) aliases.push_back("production");
  auto published = registry::publish(registry, items, aliases);
  if (!published) return report_error(published.error());

  auto version_of = [&](const std::string& name) -> json {
    for (const registry::PublishedItem& item : *published) {
      if (item.name == name) return item.version;
    }
    return json();
  };
  const json& device = items.back().metadata;
  json out{{"model", flags.name},
           {"model_version", version_of(flags.name)},
           {"float_model", flags.name + "-float"},
           {"float_version", version_of(flags.name + "-float")},
           {"int8_model", qmodel ? json(flags.name + "-int8") : json()},
           {"int8_version", version_of(flags.name + "-int8")},
           {"c_array_model", flags.name + "-c"},
           {"c_array_version", version_of(flags.name + "-c")},
           {"arena_bytes", device["arena_bytes"]},
           {"parent_version", production->has_value() ? json(**production) : json()},
           {"dataset", dataset->is_null() ? json() : json(flags.dataset)},
           {"run_id", flags.run_id},
           {"aliases", fmt::format("{}", fmt::join(aliases, ","))},
           {"promoted", flags.promote}};
  json versions = json::array();
  for (const registry::PublishedItem& item : *published) {
    versions.push_back({{"name", item.name},
                        {"version", item.version},
                        {"sha256", item.sha256},
                        {"size", item.size}});
  }
  out["versions"] = std::move(versions);
  if (int code = emit_step_result(out, flags.json); code != kExitOk || flags.json) return code;
  std::string text;
  for (const registry::PublishedItem& item : *published) {
    text += fmt::format("{:<28} version {:>4}  sha256:{}  ({} bytes)\n", item.name, item.version,
                        item.sha256, item.size);
  }
  text += fmt::format("aliases {} moved{}\n", fmt::join(aliases, " and "),
                      production->has_value()
                          ? fmt::format(" (parent: {} version {})", flags.name, **production)
                          : std::string());
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
