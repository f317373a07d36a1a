#include "pipeline/template_library.h"

#include <algorithm>
#include <vector>

#include "pipeline/yaml_reader.h"

namespace aiotops::pipeline {

Result<TemplateLibrary> TemplateLibrary::load_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail(ErrorCode::kNotFound, "templates directory {} does not exist", dir.string());
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto extension = entry.path().extension();
    if (entry.is_regular_file() && (extension == ".yaml" || extension == ".yml")) {
      files.push_back(entry.path());
    }
  }
  if (ec) return fail(ErrorCode::kIo, "list {}: {}", dir.string(), ec.message());
  std::ranges::sort(files);
  TemplateLibrary library;
  for (const auto& file : files) {
    auto documents = read_workflow_file(file);
    if (!documents) return fail(documents.error());
    for (Workflow& document : *documents) {
      if (document.kind != DocumentKind::kWorkflowTemplate) continue;
      Status added = library.add(std::move(document));
      if (!added) return fail(added.error());
    }
  }
  return library;
}

Status TemplateLibrary::add(Workflow document) {
  if (document.kind != DocumentKind::kWorkflowTemplate) {
    return fail(ErrorCode::kInvalidArgument, "{}: a Workflow cannot be a templateRef target",
                to_string(document.location));
  }
  if (document.name.empty()) {
    return fail(ErrorCode::kInvalidArgument, "{}: a WorkflowTemplate needs metadata.name",
                to_string(document.location));
  }
  if (const Workflow* existing = find(document.name)) {
    return fail(ErrorCode::kAlreadyExists, "{}: WorkflowTemplate '{}' is also defined at {}",
                to_string(document.location), document.name, to_string(existing->location));
  }
  std::string name = document.name;
  documents_.emplace(std::move(name), std::move(document));
  return {};
}

const Workflow* TemplateLibrary::find(std::string_view name) const {
  auto it = documents_.find(name);
  return it == documents_.end() ? nullptr : &it->second;
}

Result<ResolvedTemplate> resolve_call(const TaskCall& call, const Workflow& scope,
                                      const TemplateLibrary* library, std::string_view noun) {
  const std::string where = fmt::format("{}: {} '{}'", to_string(call.location), noun, call.name);
  if (call.template_ref && !call.template_name.empty()) {
    return fail(ErrorCode::kInvalidArgument, "{}: sets both template and templateRef", where);
  }
  if (!call.template_ref) {
    if (call.template_name.empty()) {
      return fail(ErrorCode::kInvalidArgument, "{}: needs template or templateRef", where);
    }
    const Template* tmpl = scope.find_template(call.template_name);
    if (tmpl == nullptr) {
      return fail(ErrorCode::kInvalidArgument, "{}: unknown template '{}'", where,
                  call.template_name);
    }
    return ResolvedTemplate{&scope, tmpl};
  }
  const TemplateRef& ref = *call.template_ref;
  const Workflow* document = library == nullptr ? nullptr : library->find(ref.name);
  if (document == nullptr) {
    return fail(ErrorCode::kInvalidArgument,
                "{}: templateRef names unknown WorkflowTemplate '{}' (pass --templates DIR)", where,
                ref.name);
  }
  const Template* tmpl = document->find_template(ref.template_name);
  if (tmpl == nullptr) {
    return fail(ErrorCode::kInvalidArgument, "{}: WorkflowTemplate '{}' has no template '{}'",
                where, ref.name, ref.template_name);
  }
  return ResolvedTemplate{document, tmpl};
}

}  // namespace aiotops::pipeline
