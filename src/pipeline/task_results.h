#pragma once
// The bridge from recorded node phases (run_store.h) to what `depends` and dag_outcome() see,
// and the phase of a withItems/withParam fan-out, by Argo's rules (controller/dag.go). Pure
// functions; thread-safe.

#include <optional>
#include <span>

#include "pipeline/depends.h"
#include "pipeline/run_store.h"

namespace aiotops::pipeline {

// A fan-out's own phase from its nodes' phases, in item order: the last Failed or Error node's
// phase if any, else Succeeded (also when every node was Skipped, as Argo), and Skipped when
// there are no items. Only meaningful once every node is finished.
NodePhase fan_out_phase(std::span<const NodePhase> nodes);

// What a dependent's `depends` sees of a task: nullopt unless `phase` is finished. For a
// fan-out, `phase` is fan_out_phase(nodes) and `nodes` gives AnySucceeded (some node
// Succeeded) and AllFailed (at least one node, every one Failed); other tasks pass no nodes.
std::optional<TaskResults> task_results(NodePhase phase, std::span<const NodePhase> nodes = {});

// dag_outcome()'s answer as a node phase (kSucceeded, kFailed or kError).
NodePhase to_node_phase(TaskResult outcome);

}  // namespace aiotops::pipeline
