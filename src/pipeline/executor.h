#pragma once
// Runs a loaded workflow (loader.h) on this host: DAG and steps templates, container and script
// templates as host processes (--host-exec) or aiotops built-in steps (image_map.h,
// builtin_steps.h), fan-outs, retries with backoff, deadlines, parallelism, continueOn, failFast,
// exit handlers, outputs and artifacts, memoization and resuming a retried run. Every node state
// change is stored in the RunStore (and reported through on_node_change). docs/pipeline.md,
// "The executor", has the rules and where they come from.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "pipeline/image_map.h"
#include "pipeline/loader.h"
#include "pipeline/node_runner.h"
#include "pipeline/process_cancel.h"
#include "pipeline/run_store.h"

namespace aiotops::pipeline {

struct ExecutorOptions {
  // Run container/script templates whose image is not a built-in step as host processes.
  // Default false: such a workflow is refused by check_runnable() before it starts.
  bool host_exec = false;
  // Reuse a succeeded node (any run) whose template and inputs hash the same. Default false.
  bool memoize = false;
  // Host processes running at once (--parallelism); 0 (default) = the number of cores.
  size_t parallelism = 0;
  const ImageMap* image_map = nullptr;  // nullptr (default): built-in entries only
  // The aiotops binary that runs built-in steps (`aiotops <step> ...`, see image_map.h). Empty
  // (default): a node of a built-in image fails with an error naming the step.
  std::filesystem::path aiotops_binary;
  NodeRunnerOptions runner;
  // Called after every node record is stored (from executor threads, one call at a time).
  // Default: none.
  std::function<void(const NodeRecord&)> on_node_change;
  // Monotonic time for retry backoff and maxDuration, and the wait between retries, injectable
  // so tests do not sleep. Defaults: std::chrono::steady_clock, and a wait that ends early
  // (returning false) when the run is cancelled.
  std::function<std::chrono::milliseconds()> now;
  std::function<bool(std::chrono::milliseconds, const CancelToken&)> sleep;
  // Stops the exit handlers too (`argo terminate`); the run's own cancel token stops everything
  // else and lets the exit handlers run (`argo stop`). nullptr (default): exit handlers run to
  // their end. Must outlive run_workflow().
  const CancelToken* terminate = nullptr;
  // Runs one node attempt's process (NodeRunner::run's contract), from executor threads, many
  // at once. Default: NodeRunner(runner).run(). Tests put a stand-in here to watch which nodes
  // run at once without starting processes.
  std::function<Result<NodeOutcome>(const NodeRunSpec&, const CancelToken&)> run_process;
};

struct RunSummary {
  std::string run_id;
  NodePhase phase = NodePhase::kError;  // kSucceeded, kFailed or kError
  std::string message;                  // empty on success; "cancelled" after a cancel
};

// Fails with kInvalidArgument "file:line: template 'x': image 'y' runs on the host: pass
// --host-exec" for the first template reachable from the entrypoint or an exit handler that
// would run a host process while host_exec is false. Pure; thread-safe.
Status check_runnable(const LoadedWorkflow& loaded, const ExecutorOptions& options);

// "path (file:line)" for every field the workflow and its WorkflowTemplates carry that means
// nothing locally (nodeSelector, securityContext, ...), each path once, in file order.
std::vector<std::string> ignored_fields(const LoadedWorkflow& loaded);

// The text a run stores (RunRecord::workflow_text): the workflow's documents and every
// WorkflowTemplate of its library, separated by "---", so a retry runs what ran.
std::string resolved_workflow_text(const LoadedWorkflow& loaded);

// Runs `loaded` as the run `run_id` (created with RunStore::create_run, or prepared by
// RunStore::retry: nodes it kept as Succeeded or Skipped are reused, not run again) until it
// finishes or `cancel` is cancelled (then running processes are stopped, no new node starts
// but the exit handlers of the nodes that ran and of the workflow, and the run ends Failed with
// message "cancelled"). Records the run's phase. Node failures
// are the summary's phase, not errors; fails only when the store fails or check_runnable()
// does (then nothing ran and the run is recorded as Error). Blocks; runs nodes on its own
// threads. `loaded`, `store` and `cancel` must outlive the call.
Result<RunSummary> run_workflow(const LoadedWorkflow& loaded, RunStore& store,
                                std::string_view run_id, const CancelToken& cancel,
                                const ExecutorOptions& options);

}  // namespace aiotops::pipeline
