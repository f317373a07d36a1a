#pragma once
// Static checks of a Workflow before anything runs, so malformed input never half-runs. Finds
// every problem, not just the first: missing or unknown entrypoint and onExit templates,
// unknown templates and templateRefs, duplicate task and step names, `depends` syntax errors,
// unknown task names in dependencies/depends, dependency cycles, both dependencies and depends
// on one task, input parameters a call does not supply, workflow parameters without a value,
// and every {{variable}} that could not be filled at run time (an undeclared
// inputs.parameters.x, workflow.parameters.x, a tasks.X/steps.X the node does not come after,
// an output the referenced template does not declare, {{item}} outside withItems/withParam).
// Thread-safe (reads only).

#include <string>
#include <vector>

#include "common/error.h"
#include "pipeline/model.h"
#include "pipeline/template_library.h"

namespace aiotops::pipeline {

struct ValidateOptions {
  // Workflow parameters given on the command line (-p name=value): they have a value even when
  // the file gives none. Default: none.
  std::vector<std::string> supplied_parameters;
  // Where templateRef names are resolved; nullptr = any templateRef is an error. Not owned.
  const TemplateLibrary* library = nullptr;
};

// Every problem, each "file:line: what", in file order; empty when the workflow may run.
std::vector<std::string> find_problems(const Workflow& workflow, const ValidateOptions& options);

// find_problems() as a Status: kInvalidArgument with the problems one per line.
Status validate_workflow(const Workflow& workflow, const ValidateOptions& options);

}  // namespace aiotops::pipeline
