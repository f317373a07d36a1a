#include "apps/aiotops/release_publish.h"

#include <optional>

#include <fmt/format.h>

#include "common/files.h"
#include "common/sha256.h"
#include "common/temp_dir.h"
#include "ml/model_file.h"
#include "quant/device_export.h"
#include "quant/device_run.h"
#include "quant/qmodel.h"
#include "registry/publish.h"

namespace aiotops::cli {
namespace {

using nlohmann::json;

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

}  // namespace

Result<json> dataset_lineage(const std::string& text, std::string_view flag) {
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
                "{} '{}': expected NAME:VERSION or registry:NAME@VERSION", flag, text);
  }
  return json{{"name", name}, {"version", std::stoll(version)}};
}

Result<json> publish_release(const Release& release, const RegistryClientFlags& registry_flags) {
  auto model_bytes = read_file(release.model);
  if (!model_bytes) return fail(model_bytes.error());
  auto model = ml::load_model(release.model);
  if (!model) return fail(model.error());
  std::optional<quant::QModel> qmodel;
  if (!release.qmodel.empty()) {
    auto read = quant::read_qmodel(release.qmodel);
    if (!read) return fail(read.error());
    if (read->source.value("file_sha256", "") != sha256_hex(*model_bytes)) {
      return fail(ErrorCode::kInvalidArgument,
                  "--qmodel {} was not quantized from --model {} (its source file_sha256 differs)",
                  release.qmodel.string(), release.model.string());
    }
    qmodel = std::move(*read);
  }

  auto client = connect_registry(registry_flags);
  if (!client) return fail(client.error());
  registry::RegistryClient& registry = **client;
  auto production = registry::alias_version(registry, release.name, "production");
  if (!production) return fail(production.error());
  auto dir = TempDir::create("aiotops-publish");
  if (!dir) return fail(dir.error());

  // Lineage and provenance every version carries.
  json common = json::object();
  if (!release.dataset.is_null()) common["dataset"] = release.dataset;
  if (!release.run_id.empty()) common["pipeline_run_id"] = release.run_id;
  if (!release.targets.empty()) common["target_classes"] = release.targets;
  json gates = json::object();
  if (!release.train_gate.is_null()) gates["train"] = release.train_gate;
  if (!release.quantize_gate.is_null()) gates["quantize"] = release.quantize_gate;
  json model_metrics = model->metadata().metrics;
  model_metrics["gates"] = gates;

  std::vector<registry::PublishItem> items;
  json native = common;
  native["format"] = "native";
  native["metrics"] = model_metrics;
  items.push_back({.name = release.name,
                   .file = release.model,
                   .metadata = std::move(native),
                   .parent_item = std::nullopt,
                   .parent = production->has_value()
                                 ? std::optional<registry::VersionRef>({release.name, **production})
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
  std::vector<Planned> planned{{release.name + "-float", release.model,
                                quant::ExportFormat::kTflite, "tflite-float", ".tflite", 0}};
  if (qmodel) {
    planned.push_back({release.name + "-int8", release.qmodel, quant::ExportFormat::kTflite,
                       "tflite-int8", ".tflite", 0});
  }
  // The C header holds the device model: the int8 one when there is one.
  planned.push_back({release.name + "-c", planned.back().source, quant::ExportFormat::kCArray,
                     "c-array", ".h", planned.size()});
  for (const Planned& p : planned) {
    auto version = registry::next_version(registry, p.name);
    if (!version) return fail(version.error());
    auto file = make_device_file(p.source, p.format, p.name, *version, dir->path(), p.extension);
    if (!file) return fail(file.error());
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
  if (release.promote) aliases.push_back("production");
  auto published = registry::publish(registry, items, aliases);
  if (!published) return fail(published.error());

  auto version_of = [&](const std::string& name) -> json {
    for (const registry::PublishedItem& item : *published) {
      if (item.name == name) return item.version;
    }
    return json();
  };
  const json& device = items.back().metadata;
  json out{{"model", release.name},
           {"model_version", version_of(release.name)},
           {"float_model", release.name + "-float"},
           {"float_version", version_of(release.name + "-float")},
           {"int8_model", qmodel ? json(release.name + "-int8") : json()},
           {"int8_version", version_of(release.name + "-int8")},
           {"c_array_model", release.name + "-c"},
           {"c_array_version", version_of(release.name + "-c")},
           {"arena_bytes", device["arena_bytes"]},
           {"parent_version", production->has_value() ? json(**production) : json()},
           {"dataset", release.dataset.is_null() ? json() : json(release.dataset_text)},
           {"run_id", release.run_id},
           {"aliases", fmt::format("{}", fmt::join(aliases, ","))},
           {"promoted", release.promote}};
  json versions = json::array();
  for (const registry::PublishedItem& item : *published) {
    versions.push_back({{"name", item.name},
                        {"version", item.version},
                        {"sha256", item.sha256},
                        {"size", item.size}});
  }
  out["versions"] = std::move(versions);
  return out;
}

}  // namespace aiotops::cli
