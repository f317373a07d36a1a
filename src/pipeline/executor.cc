#include "pipeline/executor.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "pipeline/executor_context.h"

namespace aiotops::pipeline {
namespace {

using std::chrono::milliseconds;

int64_t unix_ms() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool wait_or_cancel(milliseconds wait, const CancelToken& cancel) {
  pollfd fd{.fd = cancel.fd(), .events = POLLIN, .revents = 0};
  const auto end = std::chrono::steady_clock::now() + wait;
  while (!cancel.cancelled()) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return true;
    ::poll(&fd, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
  }
  return false;
}

ExecutorOptions with_defaults(ExecutorOptions options) {
  if (!options.now) {
    options.now = [] {
      return std::chrono::duration_cast<milliseconds>(
          std::chrono::steady_clock::now().time_since_epoch());
    };
  }
  if (!options.sleep) options.sleep = wait_or_cancel;
  if (!options.run_process) {
    options.run_process = [runner = NodeRunner(options.runner)](const NodeRunSpec& spec,
                                                                const CancelToken& cancel) {
      return runner.run(spec, &cancel);
    };
  }
  return options;
}

Deadline tighter(Deadline outer, const std::optional<std::chrono::seconds>& seconds) {
  if (!seconds) return outer;
  auto mine = std::chrono::steady_clock::now() + *seconds;
  return outer && *outer < mine ? outer : Deadline(mine);
}

bool retry_allowed(RetryPolicy policy, NodePhase phase) {
  switch (policy) {
    case RetryPolicy::kAlways:
      return true;
    case RetryPolicy::kOnFailure:
      return phase == NodePhase::kFailed;
    case RetryPolicy::kOnError:
      return phase == NodePhase::kError;
    case RetryPolicy::kOnTransientError:
      // Transient errors are Kubernetes API failures; a host run has none.
      return false;
  }
  return false;
}

NodeResult cancelled() {
  NodeResult result;
  result.phase = NodePhase::kFailed;
  result.message = "cancelled";
  return result;
}

bool is_leaf(const Template& tmpl) {
  return tmpl.kind != TemplateKind::kDag && tmpl.kind != TemplateKind::kSteps;
}

NodeResult from_record(const NodeRecord& node) {
  NodeResult result;
  result.phase = node.phase;
  result.message = node.message;
  result.exit_code = node.exit_code;
  result.output_parameters = node.output_parameters;
  result.result = node.result;
  result.artifacts = node.artifacts;
  return result;
}

bool is_host_process(const Template& tmpl, const ImageMap& images) {
  if (tmpl.kind != TemplateKind::kContainer && tmpl.kind != TemplateKind::kScript) return false;
  const auto mapping = images.find(tmpl.container);
  return !mapping || mapping->builtin.empty();
}

// Every template reachable from the entrypoint and the exit handlers, each once.
void reachable(const ResolvedTemplate& at, const LoadedWorkflow& loaded,
               std::set<const Template*>& seen, std::vector<ResolvedTemplate>& out) {
  if (at.tmpl == nullptr || !seen.insert(at.tmpl).second) return;
  out.push_back(at);
  auto follow = [&](const TaskCall& call) {
    if (auto next = resolve_call(call, *at.document, &loaded.library)) {
      reachable(*next, loaded, seen, out);
    }
    if (!call.on_exit.empty()) {
      reachable({at.document, at.document->find_template(call.on_exit)}, loaded, seen, out);
    }
  };
  for (const auto& task : at.tmpl->dag_tasks) follow(task);
  for (const auto& group : at.tmpl->steps) {
    for (const auto& step : group) follow(step);
  }
}

// Every template reachable from the workflow's entrypoint and its onExit handler.
std::vector<ResolvedTemplate> reachable_templates(const LoadedWorkflow& loaded) {
  const Workflow& wf = loaded.workflow;
  std::set<const Template*> seen;
  std::vector<ResolvedTemplate> templates;
  reachable({&wf, wf.find_template(wf.entrypoint)}, loaded, seen, templates);
  if (!wf.on_exit.empty()) reachable({&wf, wf.find_template(wf.on_exit)}, loaded, seen, templates);
  return templates;
}

// The documents a run uses: the workflow, then each WorkflowTemplate a reachable template
// belongs to, once, in the order first reached.
std::vector<const Workflow*> used_documents(const LoadedWorkflow& loaded) {
  std::vector<const Workflow*> documents{&loaded.workflow};
  for (const auto& resolved : reachable_templates(loaded)) {
    if (std::ranges::find(documents, resolved.document) == documents.end()) {
      documents.push_back(resolved.document);
    }
  }
  return documents;
}

}  // namespace

Status check_runnable(const LoadedWorkflow& loaded, const ExecutorOptions& options) {
  if (options.host_exec) return {};
  const ImageMap defaults;
  const ImageMap& images = options.image_map ? *options.image_map : defaults;
  for (const auto& resolved : reachable_templates(loaded)) {
    if (is_host_process(*resolved.tmpl, images)) {
      return fail(ErrorCode::kInvalidArgument,
                  "{}: template '{}': image '{}' runs on the host: pass --host-exec to allow it "
                  "(or map the image with --image-map)",
                  to_string(resolved.tmpl->container.location), resolved.tmpl->name,
                  resolved.tmpl->container.image);
    }
  }
  return {};
}

std::vector<std::string> ignored_fields(const LoadedWorkflow& loaded) {
  std::vector<std::string> lines;
  std::set<std::string> seen;
  for (const Workflow* document : used_documents(loaded)) {
    for (const auto& field : document->ignored) {
      std::string line = fmt::format("{} ({})", field.path, to_string(field.location));
      if (seen.insert(line).second) lines.push_back(std::move(line));
    }
  }
  return lines;
}

std::string resolved_workflow_text(const LoadedWorkflow& loaded) {
  std::string text;
  for (const Workflow* document : used_documents(loaded)) {
    text += (text.empty() ? "" : "\n---\n") + document->source_yaml;
  }
  return text;
}

RunContext::RunContext(const LoadedWorkflow& loaded, RunStore& store, std::string run_id,
                       const CancelToken& cancel, const CancelToken& terminate,
                       const ExecutorOptions& options, std::shared_ptr<RunShared> shared)
    : loaded_(loaded),
      store_(store),
      run_id_(std::move(run_id)),
      cancel_(cancel),
      options_(with_defaults(options)),
      shared_(std::move(shared)) {
  if (&cancel != &terminate) {
    exit_handlers_ = std::make_unique<RunContext>(loaded, store, run_id_, terminate, terminate,
                                                  options, shared_);
  }
}

void RunContext::record(const NodeRecord& node) {
  std::lock_guard lock(shared_->mutex);
  if (auto stored = store_.put_node(run_id_, node); !stored && !shared_->store_error) {
    shared_->store_error = stored.error();
  }
  if ((node.phase == NodePhase::kFailed || node.phase == NodePhase::kError) &&
      (node.type == "Pod" || node.type == "Step")) {
    shared_->failures.push_back({{"displayName", node.display_name},
                                 {"message", node.message},
                                 {"templateName", node.template_name},
                                 {"phase", std::string(to_string(node.phase))},
                                 {"podName", node.name},
                                 {"finishedAt", node.finished_ms.value_or(0)}});
  }
  if (options_.on_node_change) options_.on_node_change(node);
}

std::string RunContext::failures() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->failures.dump();
}

std::optional<Error> RunContext::store_error() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->store_error;
}

void RunContext::record_unrun(const std::string& id, const std::string& display_name,
                              const std::string& template_name, NodePhase phase,
                              std::string message) {
  if (shared_->kept.contains(id)) return;
  NodeRecord node;
  node.id = node.name = id;
  node.display_name = display_name;
  node.template_name = template_name;
  node.type = phase == NodePhase::kSkipped ? "Skipped" : "Omitted";
  node.phase = phase;
  node.message = std::move(message);
  node.started_ms = node.finished_ms = unix_ms();
  record(node);
}

Result<RunContext::PodSlots> RunContext::take_pod_slots() {
  // Always in this order (and a node's place under its caller's parallelism before both), so
  // no two nodes each hold a slot the other waits for.
  PodSlots slots;
  if (ProcessSlots* workflow = workflow_slots()) {
    auto lease = workflow->acquire(cancel_);
    if (!lease) return fail(lease.error());
    slots.workflow.emplace(std::move(*lease));
  }
  auto lease = process_slots().acquire(cancel_);
  if (!lease) return fail(lease.error());
  slots.process.emplace(std::move(*lease));
  return slots;
}

NodeResult RunContext::run_node(const Invocation& invocation, bool placed) {
  if (auto kept = shared_->kept.find(invocation.id); kept != shared_->kept.end()) {
    return from_record(kept->second);
  }
  const Template& tmpl = *invocation.resolved.tmpl;
  // As Argo's checkParallelism: a node that would pass a limit is not created until a running
  // one ends. A retried leaf's attempts take the pod slots each (run_attempt).
  std::optional<ChildLimit::Place> place;
  if (!placed && invocation.limit != nullptr) {
    place.emplace(invocation.limit->queue());
    if (!place->wait(cancel_)) return cancelled();
  }
  std::optional<PodSlots> pod;
  if (is_leaf(tmpl) && !tmpl.retry_strategy) {
    auto slots = take_pod_slots();
    if (slots) pod.emplace(std::move(*slots));
  }
  NodeRecord node;
  node.id = node.name = invocation.id;
  node.display_name = invocation.display_name;
  node.template_name = tmpl.name;
  node.type = tmpl.kind == TemplateKind::kDag     ? "DAG"
              : tmpl.kind == TemplateKind::kSteps ? "Steps"
              : tmpl.retry_strategy               ? "Retry"
                                                  : "Pod";
  node.phase = NodePhase::kRunning;
  node.started_ms = unix_ms();
  if (is_leaf(tmpl) && !tmpl.retry_strategy && !pod) {
    node.phase = NodePhase::kFailed;
    node.message = "cancelled";
    node.finished_ms = node.started_ms;
    record(node);
    return cancelled();
  }
  record(node);

  NodeResult result = run_body(invocation, node);
  node.phase = result.phase;
  node.message = result.message;
  node.exit_code = result.exit_code;
  node.output_parameters = result.output_parameters;
  node.result = result.result;
  node.artifacts = result.artifacts;
  node.finished_ms = unix_ms();
  record(node);
  return result;
}

NodeResult RunContext::run_body(const Invocation& invocation, NodeRecord& node) {
  const Template& tmpl = *invocation.resolved.tmpl;
  Invocation bounded = invocation;
  bounded.deadline = tighter(invocation.deadline, tmpl.active_deadline);
  if (!is_leaf(tmpl)) {
    // The template's parallelism caps its running children: tasks or steps, each item of a
    // fan-out, nested dag/steps nodes (one each; their own children count against their own
    // limit) and task exit handlers.
    std::optional<ChildLimit> children;
    if (tmpl.parallelism && *tmpl.parallelism > 0) {
      children.emplace(static_cast<size_t>(*tmpl.parallelism));
    }
    bounded.child_limit = children ? &*children : nullptr;
    return tmpl.kind == TemplateKind::kDag ? run_dag(*this, bounded) : run_steps(*this, bounded);
  }

  if (options_.memoize) {
    node.memo_key = leaf_memo_key(bounded);
    if (auto hit = store_.find_memoized(node.memo_key); hit && *hit) {
      NodeResult reused = from_record((*hit)->node);
      reused.message =
          fmt::format("memoized: outputs of node {} of run {}", (*hit)->node.name, (*hit)->run_id);
      return reused;
    }
  }
  const auto& strategy = tmpl.retry_strategy;
  if (!strategy) {
    node.attempts = 1;
    return run_leaf_attempt(*this, bounded, 0, node);
  }
  const milliseconds first_start = now();
  for (int retry = 0;; ++retry) {
    node.attempts = retry + 1;
    NodeResult result = run_attempt(bounded, retry, node);
    if (result.phase == NodePhase::kSucceeded || cancel_.cancelled()) return result;
    if (strategy->limit && retry >= *strategy->limit) return result;
    if (!retry_allowed(strategy->policy, result.phase)) return result;
    milliseconds wait{0};
    if (strategy->backoff) {
      const auto& backoff = *strategy->backoff;
      wait = milliseconds(static_cast<int64_t>(static_cast<double>(backoff.duration.count()) *
                                               std::pow(backoff.factor, retry)));
      if (backoff.max_duration && now() + wait - first_start > *backoff.max_duration) {
        result.message += fmt::format("; no retry: backoff maxDuration {}s exceeded",
                                      backoff.max_duration->count() / 1000.0);
        return result;
      }
    }
    node.phase = NodePhase::kRunning;
    node.message = fmt::format("retry {} after: {}", retry + 1, result.message);
    record(node);
    if (wait.count() > 0 && !options_.sleep(wait, cancel_)) return result;
  }
}

NodeResult RunContext::run_attempt(const Invocation& invocation, int retry, NodeRecord& parent) {
  auto pod = take_pod_slots();
  if (!pod) return cancelled();
  NodeRecord attempt;
  attempt.id = attempt.name = fmt::format("{}({})", parent.id, retry);
  attempt.display_name = fmt::format("{}({})", parent.display_name, retry);
  attempt.template_name = parent.template_name;
  attempt.type = "Pod";
  attempt.phase = NodePhase::kRunning;
  attempt.attempts = 1;
  attempt.started_ms = unix_ms();
  record(attempt);
  Invocation child = invocation;
  child.id = attempt.id;
  NodeResult result = run_leaf_attempt(*this, child, retry, attempt);
  attempt.phase = result.phase;
  attempt.message = result.message;
  attempt.exit_code = result.exit_code;
  attempt.output_parameters = result.output_parameters;
  attempt.result = result.result;
  attempt.artifacts = result.artifacts;
  attempt.finished_ms = unix_ms();
  record(attempt);
  // The parent shows its latest attempt's logs, so `logs RUN NODE` works on it too.
  parent.stdout_path = attempt.stdout_path;
  parent.stderr_path = attempt.stderr_path;
  return result;
}

Result<RunSummary> run_workflow(const LoadedWorkflow& loaded, RunStore& store,
                                std::string_view run_id, const CancelToken& cancel,
                                const ExecutorOptions& options) {
  RunSummary summary{std::string(run_id), NodePhase::kError, {}};
  if (auto runnable = check_runnable(loaded, options); !runnable) {
    (void)store.set_run_phase(run_id, NodePhase::kError, runnable.error().message());
    return fail(runnable.error());
  }
  auto run = store.get_run(run_id);
  if (!run) return fail(run.error());
  auto shared = std::make_shared<RunShared>();
  for (auto& node : run->nodes) {
    if (node.phase == NodePhase::kSucceeded || node.phase == NodePhase::kSkipped) {
      shared->kept.emplace(node.id, std::move(node));
    }
  }
  auto process_slots = ProcessSlots::create(options.parallelism);
  if (!process_slots) return fail(process_slots.error());
  shared->process_slots = std::move(*process_slots);
  if (loaded.workflow.parallelism && *loaded.workflow.parallelism > 0) {
    auto slots = ProcessSlots::create(static_cast<size_t>(*loaded.workflow.parallelism));
    if (!slots) return fail(slots.error());
    shared->workflow_slots = std::move(*slots);
  }
  // Without a terminate token nothing stops the exit handlers but their own deadlines.
  std::unique_ptr<CancelToken> never;
  if (options.terminate == nullptr) {
    auto token = CancelToken::create();
    if (!token) return fail(token.error());
    never = std::move(*token);
  }
  const CancelToken& terminate = options.terminate ? *options.terminate : *never;
  RunContext context(loaded, store, summary.run_id, cancel, terminate, options, std::move(shared));
  if (auto s = store.set_run_phase(run_id, NodePhase::kRunning); !s) return fail(s.error());

  const Workflow& wf = loaded.workflow;
  Invocation root;
  root.resolved = {&wf, wf.find_template(wf.entrypoint)};
  root.id = summary.run_id;
  root.display_name = summary.run_id;
  root.deadline = tighter(std::nullopt, wf.active_deadline);
  root.workflow_scope.set("workflow.name", summary.run_id);
  for (const auto& parameter : wf.arguments.parameters) {
    root.workflow_scope.set("workflow.parameters." + parameter.name,
                            parameter.value.value_or(parameter.default_value.value_or("")));
    root.parameters.emplace_back(parameter.name,
                                 parameter.value.value_or(parameter.default_value.value_or("")));
  }
  NodeResult result = context.run_node(root);
  summary.phase = result.phase == NodePhase::kSucceeded ? NodePhase::kSucceeded
                  : result.phase == NodePhase::kFailed  ? NodePhase::kFailed
                                                        : NodePhase::kError;
  summary.message = result.message;
  if (cancel.cancelled()) {
    summary.phase = NodePhase::kFailed;
    summary.message = "cancelled";
  }

  if (!wf.on_exit.empty()) {
    // As Argo's exit handlers: after a cancel (argo stop) and past the workflow's deadline too.
    Invocation handler = root;
    handler.deadline = std::nullopt;
    handler.resolved = {&wf, wf.find_template(wf.on_exit)};
    handler.id = summary.run_id + ".onExit";
    handler.display_name = summary.run_id + ".onExit";
    handler.parameters.clear();
    handler.workflow_scope.set("workflow.status", std::string(to_string(summary.phase)));
    handler.workflow_scope.set("workflow.failures", context.failures());
    NodeResult exit = context.exit_handlers().run_node(handler);
    if (exit.phase != NodePhase::kSucceeded && summary.phase == NodePhase::kSucceeded) {
      summary.phase = exit.phase == NodePhase::kError ? NodePhase::kError : NodePhase::kFailed;
      summary.message = "exit handler: " + exit.message;
    }
  }
  if (auto error = context.store_error()) return fail(*error);
  if (auto s = store.set_run_phase(run_id, summary.phase, summary.message); !s) {
    return fail(s.error());
  }
  return summary;
}

}  // namespace aiotops::pipeline
