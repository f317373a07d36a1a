#include "pipeline/export.h"

#include <cctype>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "pipeline/builtin_images.h"
#include "pipeline/export_yaml.h"

namespace aiotops::pipeline {
namespace {

using Json = nlohmann::ordered_json;

bool is_task_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
}

void add_placement(Json& tmpl, const Placement& placement) {
  if (!placement.node_selector.empty()) {
    Json& selector = tmpl["nodeSelector"];
    if (!selector.is_object()) selector = Json::object();
    // What the file says about a key wins over the step's default.
    for (const auto& [key, value] : placement.node_selector) {
      if (!selector.contains(key)) selector[key] = value;
    }
  }
  if (placement.tolerations.empty()) return;
  Json& tolerations = tmpl["tolerations"];
  if (!tolerations.is_array()) tolerations = Json::array();
  for (const Toleration& toleration : placement.tolerations) {
    Json entry = Json::object();
    const std::pair<const char*, const std::string*> fields[] = {{"key", &toleration.key},
                                                                 {"operator", &toleration.op},
                                                                 {"value", &toleration.value},
                                                                 {"effect", &toleration.effect}};
    for (const auto& [key, value] : fields) {
      if (!value->empty()) entry[key] = *value;
    }
    if (std::ranges::find(tolerations, entry) == tolerations.end()) tolerations.push_back(entry);
  }
}

Status export_template(Json& tmpl, const Template& model, const ExportOptions& options) {
  for (const char* body : {"container", "script"}) {
    if (tmpl.contains(body) && tmpl[body].is_object() && !tmpl[body].contains("name")) {
      tmpl[body]["name"] = "main";
    }
  }
  if (model.kind == TemplateKind::kDag && tmpl["dag"].contains("tasks")) {
    for (Json& task : tmpl["dag"]["tasks"]) {
      if (task.contains("depends") && task["depends"].is_string()) {
        task["depends"] = argo_depends(task["depends"].get<std::string>());
      }
    }
  }
  if (model.kind != TemplateKind::kContainer && model.kind != TemplateKind::kScript) return {};
  const auto step = builtin_step_for_image(model.container.image);
  if (!step) return {};
  if (model.kind == TemplateKind::kScript) {
    return fail(ErrorCode::kInvalidArgument,
                "{}: template '{}': image '{}' is the built-in step '{}', which must be a "
                "container template, not a script",
                to_string(model.location), model.name, model.container.image, *step);
  }
  Json& container = tmpl["container"];
  container["image"] = options.image;
  container["command"] = Json::array({"aiotops", std::string(*step)});
  // Where the step writes its output parameters (builtin_images.h), as on this host.
  if (!container.contains("env") || !container["env"].is_array()) container["env"] = Json::array();
  container["env"].push_back(
      Json{{"name", "AIOTOPS_OUTPUTS_DIR"}, {"value", std::string(kBuiltinOutputsDir)}});
  if (const auto found = options.placements.find(*step); found != options.placements.end()) {
    add_placement(tmpl, found->second);
  }
  return {};
}

Json cron_workflow(Json document, const Workflow& model, const std::string& schedule) {
  Json metadata = Json::object();
  metadata["name"] = model.display_name();
  for (auto& [key, value] : document["metadata"].items()) {
    if (key != "name" && key != "generateName") metadata[key] = std::move(value);
  }
  Json spec = Json::object();
  spec["schedules"] = Json::array({schedule});
  spec["workflowSpec"] = std::move(document["spec"]);
  Json cron = Json::object();
  cron["apiVersion"] = document["apiVersion"];
  cron["kind"] = "CronWorkflow";
  cron["metadata"] = std::move(metadata);
  cron["spec"] = std::move(spec);
  return cron;
}

Result<std::string> export_document(const Workflow& model, const ExportOptions& options) {
  Json document;
  try {
    document = yaml_to_json(YAML::Load(model.source_yaml));
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::kInternal, "{}: the kept source does not read back: {}",
                to_string(model.location), e.msg);
  }
  document.erase("status");
  Json& spec = model.cron ? document["spec"]["workflowSpec"] : document["spec"];
  Json& templates = spec["templates"];
  if (!templates.is_array() || templates.size() != model.templates.size()) {
    return fail(ErrorCode::kInternal, "{}: the kept source does not match the model",
                to_string(model.location));
  }
  for (std::size_t i = 0; i < model.templates.size(); ++i) {
    if (auto status = export_template(templates[i], model.templates[i], options); !status) {
      return fail(status.error());
    }
  }
  if (!options.cron_schedule.empty() && model.kind == DocumentKind::kWorkflow && !model.cron) {
    document = cron_workflow(std::move(document), model, options.cron_schedule);
  }
  return json_to_yaml(document);
}

}  // namespace

std::string argo_depends(std::string_view depends) {
  constexpr std::string_view kCompleted = ".Completed";
  std::string out;
  std::size_t copied = 0;
  for (std::size_t at = depends.find(kCompleted); at != std::string_view::npos;
       at = depends.find(kCompleted, at + 1)) {
    const std::size_t end = at + kCompleted.size();
    if (end < depends.size() && is_task_name_char(depends[end])) continue;  // .CompletedX
    std::size_t start = at;
    while (start > copied && is_task_name_char(depends[start - 1])) --start;
    if (start == at) continue;  // no task name before the dot
    const std::string_view task = depends.substr(start, at - start);
    out.append(depends.substr(copied, start - copied));
    out.append(fmt::format("({0}.Succeeded || {0}.Failed || {0}.Errored)", task));
    copied = end;
  }
  out.append(depends.substr(copied));
  return out;
}

Result<std::string> export_documents(const std::vector<Workflow>& documents,
                                     const ExportOptions& options) {
  std::string out;
  for (const Workflow& document : documents) {
    auto text = export_document(document, options);
    if (!text) return fail(text.error());
    if (!out.empty()) out += "---\n";
    out += *text;
  }
  return out;
}

}  // namespace aiotops::pipeline
