#include "pipeline/loader.h"

#include <algorithm>

#include <fmt/format.h>

#include "pipeline/validate.h"
#include "pipeline/yaml_reader.h"

namespace aiotops::pipeline {
namespace {

Status check_enum(const Parameter& parameter, const std::string& value) {
  if (parameter.enum_values.empty() ||
      std::ranges::find(parameter.enum_values, value) != parameter.enum_values.end()) {
    return {};
  }
  return fail(ErrorCode::kInvalidArgument, "{}: workflow parameter '{}': '{}' is not one of {}",
              to_string(parameter.location), parameter.name, value,
              fmt::join(parameter.enum_values, ", "));
}

Status apply_parameters(Workflow& workflow, const LoadOptions& options) {
  for (const auto& [name, value] : options.parameters) {
    auto& declared = workflow.arguments.parameters;
    auto it = std::ranges::find(declared, name, &Parameter::name);
    if (it == declared.end()) {
      return fail(ErrorCode::kInvalidArgument, "-p {}: {} declares no parameter '{}'", name,
                  to_string(workflow.location), name);
    }
    it->value = value;
  }
  for (const Parameter& parameter : workflow.arguments.parameters) {
    if (!parameter.value) continue;
    Status allowed = check_enum(parameter, *parameter.value);
    if (!allowed) return allowed;
  }
  return {};
}

}  // namespace

Result<LoadedWorkflow> load_workflow(const std::filesystem::path& file,
                                     const LoadOptions& options) {
  auto documents = read_workflow_file(file);
  if (!documents) return fail(documents.error());
  LoadedWorkflow loaded;
  if (!options.templates_dir.empty()) {
    auto library = TemplateLibrary::load_directory(options.templates_dir);
    if (!library) return fail(library.error());
    loaded.library = std::move(*library);
  }
  int workflows = 0;
  for (Workflow& document : *documents) {
    if (document.kind == DocumentKind::kWorkflow) {
      ++workflows;
      loaded.workflow = std::move(document);
      continue;
    }
    Status added = loaded.library.add(std::move(document));
    if (!added) return fail(added.error());
  }
  if (workflows != 1) {
    return fail(ErrorCode::kInvalidArgument, "{}: expected one Workflow document, found {}",
                file.string(), workflows);
  }
  Status applied = apply_parameters(loaded.workflow, options);
  if (!applied) return fail(applied.error());
  // -p values are in the arguments now, so nothing counts as supplied from outside.
  Status valid =
      validate_workflow(loaded.workflow, {.supplied_parameters = {}, .library = &loaded.library});
  if (!valid) return fail(valid.error());
  return loaded;
}

}  // namespace aiotops::pipeline
