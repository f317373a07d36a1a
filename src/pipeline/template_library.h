#pragma once
// WorkflowTemplates that `templateRef` names, and the resolution of a task's or step's template:
// `template: x` is looked up in the document that holds the calling template (a Workflow, or a
// WorkflowTemplate when the call sits inside one), `templateRef: {name, template}` in the
// library. Built once before a run, then read-only: safe to share between threads.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "common/error.h"
#include "pipeline/model.h"

namespace aiotops::pipeline {

// A template and the document it belongs to (its scope for further `template:` names).
struct ResolvedTemplate {
  const Workflow* document = nullptr;
  const Template* tmpl = nullptr;
};

class TemplateLibrary {
 public:
  // Reads every *.yaml and *.yml file directly in `dir` (sorted by name) and keeps their
  // WorkflowTemplate documents (Workflow documents there are ignored). Fails with the reader's
  // error, kNotFound when `dir` is missing, or kAlreadyExists when two documents share a name
  // (naming both files).
  static Result<TemplateLibrary> load_directory(const std::filesystem::path& dir);

  // Adds one WorkflowTemplate (kInvalidArgument for a Workflow, kAlreadyExists as above).
  Status add(Workflow document);

  // nullptr when no WorkflowTemplate has that metadata.name.
  const Workflow* find(std::string_view name) const;
  bool empty() const { return documents_.empty(); }

 private:
  // std::map: pointers to documents stay valid as more are added.
  std::map<std::string, Workflow, std::less<>> documents_;
};

// The template `call` runs. `scope` is the document holding the calling template; `library` may
// be nullptr when no templateRef is allowed; `noun` ("task" or "step") starts the message.
// Fails with kInvalidArgument "file:line: task 'x': ..." naming the unknown template or
// WorkflowTemplate, or when the call sets both or neither of template and templateRef.
Result<ResolvedTemplate> resolve_call(const TaskCall& call, const Workflow& scope,
                                      const TemplateLibrary* library,
                                      std::string_view noun = "task");

}  // namespace aiotops::pipeline
