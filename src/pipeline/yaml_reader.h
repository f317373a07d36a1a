#pragma once
// Reads Argo documents (apiVersion argoproj.io/v1alpha1, kinds Workflow, WorkflowTemplate and
// CronWorkflow, whose workflowSpec becomes the Workflow with `cron` set) into model.h's model. A
// file may hold several documents separated by "---". Structure only: names, references and
// expressions are checked by validate.h.

#include <filesystem>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "pipeline/model.h"

namespace aiotops::pipeline {

// Parses every non-empty document of `text`; `file_name` is used in locations and messages.
// Fails with kInvalidArgument "file:line: field path: what" on YAML syntax errors, another
// apiVersion or kind, wrong value types, unknown fields and fields aiotops cannot run locally
// (e.g. withSequence, resource templates). Thread-safe (no shared state).
Result<std::vector<Workflow>> parse_workflow_documents(std::string_view text,
                                                       std::string_view file_name);

// Reads and parses a file: kNotFound/kIo when it cannot be read, else as above.
Result<std::vector<Workflow>> read_workflow_file(const std::filesystem::path& path);

}  // namespace aiotops::pipeline
