#pragma once
// The phase of a DAG template from its tasks' results, by Argo's rule (controller/dag.go,
// assessDAGPhase): the leaf tasks (those no task depends on) decide. A leaf that ran has its
// own phase; a Skipped or Omitted leaf takes the phase of the branch above it (the nearest
// tasks that ran), preferring Failed, then Error, over Succeeded. A Failed/Error leaf whose
// continueOn covers that phase does not fail the DAG. docs/pipeline.md has the examples.
// Thread-safe (reads only).

#include <optional>

#include "pipeline/depends.h"
#include "pipeline/model.h"

namespace aiotops::pipeline {

// Call when no task of `dag` is running; a task the lookup has no results for never started.
// Returns kSucceeded, kFailed or kErrored; nullopt when a leaf never started and no failure
// decides yet (the DAG is not finished: with failFast (the default) a failed leaf decides at
// once, without it every leaf must have a phase). Leaves are considered in name order, as Argo.
std::optional<TaskResult> dag_outcome(const Template& dag, const TaskResultsLookup& lookup);

}  // namespace aiotops::pipeline
