#include "pipeline/task_results.h"

#include <algorithm>

namespace aiotops::pipeline {

NodePhase fan_out_phase(std::span<const NodePhase> nodes) {
  if (nodes.empty()) return NodePhase::kSkipped;
  NodePhase phase = NodePhase::kSucceeded;
  for (NodePhase node : nodes) {
    if (node == NodePhase::kFailed || node == NodePhase::kError) phase = node;
  }
  return phase;
}

std::optional<TaskResults> task_results(NodePhase phase, std::span<const NodePhase> nodes) {
  if (!is_finished(phase)) return std::nullopt;
  TaskResults results;
  results.succeeded = phase == NodePhase::kSucceeded;
  results.failed = phase == NodePhase::kFailed;
  results.errored = phase == NodePhase::kError;
  results.skipped = phase == NodePhase::kSkipped;
  results.omitted = phase == NodePhase::kOmitted;
  results.any_succeeded = std::ranges::find(nodes, NodePhase::kSucceeded) != nodes.end();
  results.all_failed = !nodes.empty() && std::ranges::all_of(nodes, [](NodePhase node) {
    return node == NodePhase::kFailed;
  });
  return results;
}

NodePhase to_node_phase(TaskResult outcome) {
  switch (outcome) {
    case TaskResult::kFailed:
      return NodePhase::kFailed;
    case TaskResult::kErrored:
      return NodePhase::kError;
    default:
      return NodePhase::kSucceeded;
  }
}

}  // namespace aiotops::pipeline
