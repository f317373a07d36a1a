#include "pipeline/dag_outcome.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace aiotops::pipeline {
namespace {

// What a task that ran passes down its branch; nullopt for Skipped/Omitted (they pass on what
// reached them).
std::optional<TaskResult> ran(const TaskResults& results) {
  if (results.succeeded) return TaskResult::kSucceeded;
  if (results.failed) return TaskResult::kFailed;
  if (results.errored) return TaskResult::kErrored;
  return std::nullopt;
}

class Branches {
 public:
  Branches(const Template& dag, const TaskResultsLookup& lookup) : lookup_(lookup) {
    for (const DagTask& task : dag.dag_tasks) {
      auto expression = DependsExpression::for_task(task, dag);
      if (expression) parents_[task.name] = expression->tasks();  // validate() reports errors
    }
  }

  bool is_leaf(const std::string& task) const {
    return std::ranges::none_of(parents_, [&](const auto& entry) {
      return std::ranges::find(entry.second, task) != entry.second.end();
    });
  }

  std::vector<std::string> parents(const std::string& task) const {
    auto it = parents_.find(task);
    return it == parents_.end() ? std::vector<std::string>() : it->second;
  }

  // Phases that reach `task` from above: {Succeeded} for a root, else what its parents pass.
  std::set<TaskResult> incoming(const std::string& task) {
    auto memo = incoming_.find(task);
    if (memo != incoming_.end()) return memo->second;
    std::set<TaskResult> phases;
    const std::vector<std::string> above = parents(task);
    if (above.empty()) phases.insert(TaskResult::kSucceeded);
    for (const std::string& parent : above) {
      std::optional<TaskResults> results = lookup_(parent);
      if (!results) continue;  // never started: nothing reaches down from it
      if (auto phase = ran(*results)) {
        phases.insert(*phase);
      } else {
        phases.merge(incoming(parent));
      }
    }
    incoming_[task] = phases;
    return phases;
  }

 private:
  const TaskResultsLookup& lookup_;
  std::map<std::string, std::vector<std::string>> parents_;
  std::map<std::string, std::set<TaskResult>> incoming_;
};

bool continues_on(const DagTask& task, TaskResult phase) {
  return (phase == TaskResult::kFailed && task.continue_on.failed) ||
         (phase == TaskResult::kErrored && task.continue_on.error);
}

}  // namespace

std::optional<TaskResult> dag_outcome(const Template& dag, const TaskResultsLookup& lookup) {
  Branches branches(dag, lookup);
  std::vector<const DagTask*> leaves;
  for (const DagTask& task : dag.dag_tasks) {
    if (branches.is_leaf(task.name)) leaves.push_back(&task);
  }
  std::ranges::sort(leaves, {}, &DagTask::name);
  const bool fail_fast = dag.fail_fast.value_or(true);
  std::optional<TaskResult> outcome = TaskResult::kSucceeded;
  for (const DagTask* leaf : leaves) {
    std::optional<TaskResults> results = lookup(leaf->name);
    if (!results) {
      outcome = std::nullopt;
      if (!fail_fast) break;
      continue;
    }
    std::optional<TaskResult> phase = ran(*results);
    if (!phase) {
      const std::set<TaskResult> above = branches.incoming(leaf->name);
      phase = above.contains(TaskResult::kFailed)    ? TaskResult::kFailed
              : above.contains(TaskResult::kErrored) ? TaskResult::kErrored
                                                     : TaskResult::kSucceeded;
    }
    if (*phase == TaskResult::kSucceeded || continues_on(*leaf, *phase)) continue;
    outcome = phase;
    if (fail_fast) break;
  }
  return outcome;
}

}  // namespace aiotops::pipeline
