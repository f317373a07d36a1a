#include "pipeline/model.h"

#include <algorithm>

#include <fmt/format.h>

namespace aiotops::pipeline {
namespace {

template <typename T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
  auto it = std::ranges::find_if(items, [&](const T& item) { return item.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

std::string to_string(const SourceLocation& location) {
  if (location.line <= 0) return location.file;
  return fmt::format("{}:{}", location.file, location.line);
}

const Parameter* ParametersAndArtifacts::find_parameter(std::string_view name) const {
  return find_named(parameters, name);
}

const Artifact* ParametersAndArtifacts::find_artifact(std::string_view name) const {
  return find_named(artifacts, name);
}

std::string_view to_string(ConcurrencyPolicy policy) {
  switch (policy) {
    case ConcurrencyPolicy::kAllow:
      return "Allow";
    case ConcurrencyPolicy::kForbid:
      return "Forbid";
    case ConcurrencyPolicy::kReplace:
      return "Replace";
  }
  return "Allow";
}

std::string_view to_string(RetryPolicy policy) {
  switch (policy) {
    case RetryPolicy::kOnFailure:
      return "OnFailure";
    case RetryPolicy::kOnError:
      return "OnError";
    case RetryPolicy::kOnTransientError:
      return "OnTransientError";
    case RetryPolicy::kAlways:
      return "Always";
  }
  return "?";
}

std::string_view to_string(TemplateKind kind) {
  switch (kind) {
    case TemplateKind::kContainer:
      return "container";
    case TemplateKind::kScript:
      return "script";
    case TemplateKind::kDag:
      return "dag";
    case TemplateKind::kSteps:
      return "steps";
  }
  return "?";
}

std::string_view to_string(DocumentKind kind) {
  return kind == DocumentKind::kWorkflow ? "Workflow" : "WorkflowTemplate";
}

const DagTask* Template::find_task(std::string_view task_name) const {
  return find_named(dag_tasks, task_name);
}

const Template* Workflow::find_template(std::string_view template_name) const {
  return find_named(templates, template_name);
}

std::string Workflow::display_name() const {
  if (!name.empty()) return name;
  std::string_view prefix = generate_name;
  while (!prefix.empty() && prefix.back() == '-') prefix.remove_suffix(1);
  return prefix.empty() ? std::string("workflow") : std::string(prefix);
}

}  // namespace aiotops::pipeline
