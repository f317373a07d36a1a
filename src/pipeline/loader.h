#pragma once
// The front door of a run: read a workflow file, gather the WorkflowTemplates its templateRefs
// name, apply -p parameters and validate everything, so nothing runs unless all of it is sound.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "pipeline/model.h"
#include "pipeline/template_library.h"

namespace aiotops::pipeline {

struct LoadOptions {
  // --templates DIR: WorkflowTemplates for templateRef. Default: empty (none; WorkflowTemplates
  // in the workflow's own file are always available).
  std::filesystem::path templates_dir;
  // -p name=value, in command-line order (a later value wins). Default: none.
  std::vector<std::pair<std::string, std::string>> parameters;
};

// A validated workflow and its library. Templates found through `library` and `workflow` stay
// at the same addresses when this value is moved (not when copied).
struct LoadedWorkflow {
  Workflow workflow;  // spec.arguments hold the -p values
  TemplateLibrary library;
};

// Reads `file`, which must hold exactly one Workflow (and any WorkflowTemplates), loads
// options.templates_dir, sets each -p parameter (kInvalidArgument when the workflow does not
// declare it or its enum does not allow the value) and runs validate_workflow(). Fails with the
// first of these errors; validation errors list every problem, one per line.
Result<LoadedWorkflow> load_workflow(const std::filesystem::path& file, const LoadOptions& options);

}  // namespace aiotops::pipeline
