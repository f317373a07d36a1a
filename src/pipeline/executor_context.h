#pragma once
// The executor's shared state for one run and the node-level operations the DAG, steps and leaf
// code build on (executor.cc, executor_dag.cc, executor_steps.cc, executor_leaf.cc). Internal
// to the pipeline module. RunContext is shared by every executor thread of the run: its methods
// are thread-safe.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/child_limit.h"
#include "pipeline/executor.h"
#include "pipeline/process_slots.h"
#include "pipeline/substitute.h"
#include "pipeline/template_library.h"

namespace aiotops::pipeline {

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

// What a finished node gives its caller and its dependents.
struct NodeResult {
  NodePhase phase = NodePhase::kError;
  std::string message;
  std::optional<int> exit_code;
  NamedValues output_parameters;
  std::optional<std::string> result;
  NamedValues artifacts;                  // name -> host path
  std::vector<NodePhase> fan_out_phases;  // a fan-out's nodes, in item order; else empty
};

// One template to run as one node.
struct Invocation {
  ResolvedTemplate resolved;
  std::string id;            // full node name, unique in the run: "<run>.dag.task(0:a)"
  std::string display_name;  // "task(0:a)"
  NamedValues parameters;    // the template's inputs, resolved (arguments, else defaults)
  NamedValues artifacts;     // input artifact name -> host path of the file
  Deadline deadline;         // the tightest enclosing activeDeadlineSeconds
  Scope workflow_scope;      // workflow.* variables
  // The parallelism of the dag or steps template that called this node (its Argo boundary),
  // shared with its siblings: the node holds a place while it runs. nullptr: no limit.
  ChildLimit* limit = nullptr;
  // This node's own template's parallelism, for its children; nullptr: no limit.
  ChildLimit* child_limit = nullptr;
};

// What the contexts of one run share: the process limits, the nodes kept from an earlier
// attempt of the run, workflow.failures and the first store error.
struct RunShared {
  std::unique_ptr<ProcessSlots> process_slots;
  std::unique_ptr<ProcessSlots> workflow_slots;  // spec.parallelism; nullptr = unlimited
  std::map<std::string, NodeRecord> kept;        // Succeeded/Skipped nodes of a retried run

  std::mutex mutex;  // guards what follows, and serialises RunContext::record()
  nlohmann::json failures = nlohmann::json::array();
  std::optional<Error> store_error;
};

class RunContext {
 public:
  // The run's context: its nodes stop when `cancel` is cancelled; exit handlers run in a
  // second context that only `terminate` stops (Argo's `stop` runs exit handlers, `terminate`
  // does not). `cancel` and `terminate` may be the same token.
  RunContext(const LoadedWorkflow& loaded, RunStore& store, std::string run_id,
             const CancelToken& cancel, const CancelToken& terminate,
             const ExecutorOptions& options, std::shared_ptr<RunShared> shared);

  // Runs one node to its end: reuses a node kept from an earlier attempt of the run, else waits
  // for its place under its caller's parallelism (unless `placed`: the caller holds it) and,
  // for a pod, for its slots under spec.parallelism and --parallelism, records it Running,
  // runs its template (dag, steps, or a leaf with retries), records the end. A cancel while it
  // waits for its place ends it Failed "cancelled" with no record (it never started, as in
  // Argo); while it waits for its pod slots, with a Failed "cancelled" record.
  NodeResult run_node(const Invocation& invocation, bool placed = false);
  // Records a node that never runs (Skipped or Omitted) under `id`.
  void record_unrun(const std::string& id, const std::string& display_name,
                    const std::string& template_name, NodePhase phase, std::string message);
  // Stores `node` and reports it. Store failures are kept for the end of the run.
  void record(const NodeRecord& node);

  // The template's variables for its body: workflow.*, inputs.*, pod.name/node.name.
  Scope body_scope(const Invocation& invocation) const;
  // The invocation of `call` (a task or step) from the template `caller`: resolves the template,
  // the arguments (substituted in `scope`) and the inputs. Error for unresolvable variables.
  Result<Invocation> call(const Invocation& caller, const TaskCall& call, const Scope& scope,
                          std::string id, std::string display_name) const;
  // The outputs of a dag or steps template from its final scope (valueFrom.parameter, from).
  NodeResult template_outputs(const Invocation& invocation, const Scope& scope,
                              NodeResult result) const;

  // Where exit handlers run: the same run, stopped only by the terminate token.
  RunContext& exit_handlers() { return exit_handlers_ ? *exit_handlers_ : *this; }

  const ExecutorOptions& options() const { return options_; }
  const CancelToken& cancel() const { return cancel_; }
  const std::string& run_id() const { return run_id_; }
  RunStore& store() { return store_; }
  ProcessSlots& process_slots() { return *shared_->process_slots; }
  ProcessSlots* workflow_slots() { return shared_->workflow_slots.get(); }
  const LoadedWorkflow& loaded() const { return loaded_; }
  std::chrono::milliseconds now() const { return options_.now(); }
  // JSON list of the failed and errored leaf nodes so far (workflow.failures).
  std::string failures() const;
  std::optional<Error> store_error() const;

 private:
  // The slots a pod (a leaf node, or one attempt of a retried leaf) holds while it runs:
  // spec.parallelism's, then --parallelism's. Fails only on a cancel.
  struct PodSlots {
    std::optional<ProcessSlots::Lease> workflow;
    std::optional<ProcessSlots::Lease> process;
  };
  Result<PodSlots> take_pod_slots();
  NodeResult run_body(const Invocation& invocation, NodeRecord& record);
  // Attempt `retry` of a leaf with a retryStrategy, as Argo records it: a child node
  // "<parent>(<retry>)" of the Retry node `parent`, with its own phase, exit code, logs and times.
  NodeResult run_attempt(const Invocation& invocation, int retry, NodeRecord& parent);

  const LoadedWorkflow& loaded_;
  RunStore& store_;
  std::string run_id_;
  const CancelToken& cancel_;
  ExecutorOptions options_;
  std::shared_ptr<RunShared> shared_;
  std::unique_ptr<RunContext> exit_handlers_;  // nullptr when this is the exit handlers' context
};

// Runs the body of a dag / steps template (executor_dag.cc, executor_steps.cc).
NodeResult run_dag(RunContext& context, const Invocation& invocation);
NodeResult run_steps(RunContext& context, const Invocation& invocation);
// One attempt of a container or script template (executor_leaf.cc); `record` gets the
// attempt's log paths, exit code and outputs.
NodeResult run_leaf_attempt(RunContext& context, const Invocation& invocation, int retry,
                            NodeRecord& record);
// The memo key of a leaf invocation: its template's fields and its inputs.
std::string leaf_memo_key(const Invocation& invocation);

// `when` of a call after substitution in `scope`; an error names the call's file and line.
Result<bool> when_holds(const TaskCall& call, const Scope& scope);

// Makes `tasks.<name>.*` (or `steps.<name>.*`) of a finished node visible in `scope`.
void publish_outputs(Scope& scope, std::string_view prefix, const NodeResult& result);
// The outputs of a fan-out as Argo aggregates them: each parameter and the result as a JSON
// list over the nodes, in item order.
NodeResult aggregate_fan_out(NodePhase phase, const std::vector<NodeResult>& nodes);

// The items of a call that fans out (withItems, or withParam substituted in `scope`); an empty
// vector with no fan-out.
Result<std::vector<nlohmann::json>> call_items(const TaskCall& call, const Scope& scope);

// Runs `call` as one node or, for a fan-out, as a group node with one child per item (in
// parallel, each taking its place under the caller's parallelism in item order), then its
// onExit handler. Shared by DAG tasks and steps. `scope` must already have the caller's
// variables. `place`: the node's place under the caller's parallelism, already held by the
// caller (not for a fan-out), or nullptr; it is released before the onExit handler runs.
NodeResult run_call(RunContext& context, const Invocation& caller, const TaskCall& call,
                    const Scope& scope, const std::string& id, ChildLimit::Place* place = nullptr);

}  // namespace aiotops::pipeline
