#pragma once
// Argo's enhanced `depends` expressions for DAG tasks: parse once, evaluate over the results of
// the tasks they name. Grammar: `||` (lowest), `&&`, `!`, parentheses, and operands `task` or
// `task.Result` with Result one of Succeeded, Failed, Errored, Skipped, Omitted, Daemoned,
// AnySucceeded, AllFailed, and Completed (an aiotops extension: Succeeded || Failed || Errored).
//
// Semantics (Argo's workflow/common/ancestry.go and controller/dag.go, docs/pipeline.md):
// - a bare `task` means `(task.Succeeded || task.Skipped || task.Daemoned)`, plus
//   `|| task.Errored` / `|| task.Failed` when that task sets continueOn.error / .failed;
// - `dependencies: [a, b]` means `a && b`;
// - AnySucceeded / AllFailed look at the nodes of a withItems/withParam fan-out (AllFailed needs
//   at least one node, all Failed); on a task without fan-out both are false;
// - a dependent is decided only when every task its expression names is fulfilled (finished,
//   skipped or omitted); then false means the dependent is Omitted (and a bare reference to it
//   is false, so omission travels down the chain), true means it runs unless its `when` is
//   false, which makes it Skipped (a bare reference to a skipped task is true, so its
//   dependents still run).
// Daemon templates are not supported, so `.Daemoned` is always false here.
// Values are immutable after parse and safe to share between threads.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "pipeline/model.h"

namespace aiotops::pipeline {

enum class TaskResult {
  kSucceeded,
  kFailed,
  kErrored,
  kSkipped,
  kOmitted,
  kDaemoned,
  kAnySucceeded,
  kAllFailed,
  kCompleted,
};
std::string_view to_string(TaskResult result);

// What an expression can see of one fulfilled task (Argo's TaskResults).
struct TaskResults {
  bool succeeded = false;
  bool failed = false;
  bool errored = false;
  bool skipped = false;
  bool omitted = false;
  bool any_succeeded = false;  // fan-out: at least one node Succeeded
  bool all_failed = false;     // fan-out: at least one node, and every node Failed
};

// The results of `task`, or nullopt while it is not fulfilled (pending, running, not created).
using TaskResultsLookup = std::function<std::optional<TaskResults>(std::string_view task)>;

// continueOn of a task named in the expression (for the bare-name expansion); nullptr = none.
using ContinueOnLookup = std::function<const ContinueOn*(std::string_view task)>;

class DependsExpression {
 public:
  // Parses `text`. Fails with kInvalidArgument "depends 'text': column N: what" on a syntax
  // error or an unknown result name. An empty text is the expression that is always true and
  // names no task (a root task).
  static Result<DependsExpression> parse(std::string_view text,
                                         const ContinueOnLookup& continue_on);

  // The expression of a DAG task: its `depends`, else its `dependencies` joined with `&&`;
  // continueOn of the named tasks is looked up in `dag`. Fails when both are set, or as parse().
  static Result<DependsExpression> for_task(const DagTask& task, const Template& dag);

  // Task names the expression refers to, each once, in order of first appearance.
  const std::vector<std::string>& tasks() const { return tasks_; }

  // nullopt while any named task is unfulfilled; else whether the dependent should run.
  std::optional<bool> evaluate(const TaskResultsLookup& lookup) const;

  // The expanded expression with explicit results, e.g. "(a.Succeeded || a.Skipped || ...)".
  std::string to_string() const;

 private:
  enum class Op { kTrue, kOr, kAnd, kNot, kResult };
  struct Node {
    Op op = Op::kTrue;
    int left = -1;
    int right = -1;
    int task = -1;  // index into tasks_
    TaskResult result = TaskResult::kSucceeded;
  };
  friend class DependsParser;

  bool evaluate_node(int index, const std::vector<TaskResults>& results) const;
  std::string node_to_string(int index, Op parent) const;

  std::vector<Node> nodes_;  // nodes_.back() is the root
  std::vector<std::string> tasks_;
};

}  // namespace aiotops::pipeline
