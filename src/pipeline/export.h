#pragma once
// `aiotops pipeline export`: a pipeline file's documents as Argo YAML for a cluster. The kept
// source of each document (Workflow::source_yaml, with every Kubernetes-only field) is written
// back with these changes:
// - a container template whose image is a built-in step (builtin_images.h) runs the aiotops
//   image as `aiotops <step>` with its own args and env, and gets the step's Placement
//   (nodeSelector keys and tolerations the template does not already have);
// - aiotops-only syntax becomes plain Argo: `X.Completed` in depends is spelt out as
//   `(X.Succeeded || X.Failed || X.Errored)`;
// - a container or script without a name is named "main" (the name Argo gives it; the Kubernetes
//   Container type requires one); a read-back `status` is dropped;
// - with a cron schedule, a Workflow becomes a CronWorkflow (metadata.name from the name or the
//   generateName, spec.schedules, spec.workflowSpec). WorkflowTemplates stay as they are.
// Thread-safe (no shared state).

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "pipeline/export_placement.h"
#include "pipeline/model.h"

namespace aiotops::pipeline {

struct ExportOptions {
  // The image built-in steps run in. Default: the latest published aiotops image.
  std::string image = "ghcr.io/aiotops/aiotops:latest";
  // A cron expression ("0 3 * * *"); empty = export a Workflow, not a CronWorkflow.
  std::string cron_schedule;
  // nodeSelector/tolerations per built-in step. Default: training on GPU nodes.
  Placements placements = default_placements();
};

// The documents as one YAML text, "---" between documents, in input order. Fails with
// kInvalidArgument naming the file and line of a script template whose image is a built-in
// step (built-in steps are container templates), or of a depends the parser rejects.
Result<std::string> export_documents(const std::vector<Workflow>& documents,
                                     const ExportOptions& options);

// `depends` in Argo's syntax: every `X.Completed` spelt out; the rest of the text unchanged.
std::string argo_depends(std::string_view depends);

}  // namespace aiotops::pipeline
