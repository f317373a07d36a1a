// A DAG template's body: tasks start as soon as their `depends` holds (docs/pipeline.md, "From a
// file to a run"), Omitted and Skipped as Argo decides, failFast, the template's parallelism.
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "pipeline/dag_outcome.h"
#include "pipeline/depends.h"
#include "pipeline/executor_context.h"
#include "pipeline/task_results.h"

namespace aiotops::pipeline {
namespace {

enum class TaskState { kWaiting, kRunning, kDone };

struct DagTaskRun {
  const DagTask* task = nullptr;
  std::optional<DependsExpression> depends;
  TaskState state = TaskState::kWaiting;
  NodeResult result;
};

bool failed(NodePhase phase) { return phase == NodePhase::kFailed || phase == NodePhase::kError; }

class DagRun {
 public:
  DagRun(RunContext& context, const Invocation& invocation)
      : context_(context), invocation_(invocation), dag_(*invocation.resolved.tmpl) {
    scope_ = context.body_scope(invocation);
    for (const auto& task : dag_.dag_tasks) {
      DagTaskRun run;
      run.task = &task;
      if (auto depends = DependsExpression::for_task(task, dag_)) run.depends = std::move(*depends);
      tasks_.push_back(std::move(run));
    }
  }

  NodeResult run() {
    std::unique_lock lock(mutex_);
    std::optional<NodeResult> stopped;
    for (;;) {
      if (!stopped) stopped = stop_reason();
      bool changed = !stopped && start_ready();
      if (running_ == 0 && !changed) break;
      if (!changed) done_.wait(lock);
    }
    lock.unlock();
    threads_.clear();  // joins (every task has finished)
    if (stopped) return *stopped;
    auto outcome = dag_outcome(dag_, [this](std::string_view name) { return results_of(name); });
    NodeResult result;
    result.phase = outcome ? to_node_phase(*outcome) : NodePhase::kError;
    if (!outcome) result.message = "the DAG ended with tasks that could not start";
    if (result.phase != NodePhase::kSucceeded && result.message.empty()) {
      result.message = failure_message();
    }
    return context_.template_outputs(invocation_, scope_, std::move(result));
  }

 private:
  // Why no further task may start: a cancel, the deadline, or failFast after a failure that
  // decides the DAG.
  std::optional<NodeResult> stop_reason() {
    NodeResult result;
    if (context_.cancel().cancelled()) {
      result.phase = NodePhase::kFailed;
      result.message = "cancelled";
      return result;
    }
    if (invocation_.deadline && std::chrono::steady_clock::now() >= *invocation_.deadline) {
      result.phase = NodePhase::kFailed;
      result.message = "Step exceeded its deadline";
      return result;
    }
    if (dag_.fail_fast.value_or(true) && any_failed_) {
      auto outcome = dag_outcome(dag_, [this](std::string_view name) { return results_of(name); });
      if (outcome && *outcome != TaskResult::kSucceeded) {
        result.phase = to_node_phase(*outcome);
        result.message = failure_message();
        return result;
      }
    }
    return std::nullopt;
  }

  std::string failure_message() const {
    for (const auto& run : tasks_) {
      if (run.state == TaskState::kDone && failed(run.result.phase)) {
        return fmt::format("task '{}' {}: {}", run.task->name, to_string(run.result.phase),
                           run.result.message);
      }
    }
    return {};
  }

  std::optional<TaskResults> results_of(std::string_view name) const {
    for (const auto& run : tasks_) {
      if (run.task->name != name) continue;
      if (run.state != TaskState::kDone) return std::nullopt;
      return task_results(run.result.phase, run.result.fan_out_phases);
    }
    return std::nullopt;
  }

  // Decides every waiting task whose dependencies are fulfilled; true when any changed.
  bool start_ready() {
    bool changed = false;
    for (auto& run : tasks_) {
      if (run.state != TaskState::kWaiting) continue;
      auto go = run.depends->evaluate([this](std::string_view name) { return results_of(name); });
      if (!go) continue;
      changed = true;
      const std::string id = invocation_.id + "." + run.task->name;
      if (!*go) {
        finish_unrun(run, id, NodePhase::kOmitted, "depends condition not met");
        continue;
      }
      auto holds = when_holds(*run.task, scope_);
      if (holds && !*holds) {
        finish_unrun(run, id, NodePhase::kSkipped,
                     fmt::format("when '{}' evaluated false", run.task->when));
        continue;
      }
      run.state = TaskState::kRunning;
      ++running_;
      if (!holds) {
        NodeResult error;
        error.message = holds.error().message();
        finish(run, std::move(error));
        continue;
      }
      // Under the template's parallelism a task queues for its place here, so tasks start in
      // file order; a fan-out's items queue for theirs (run_call).
      std::optional<ChildLimit::Place> place;
      if (invocation_.child_limit != nullptr && !run.task->fans_out()) {
        place.emplace(invocation_.child_limit->queue());
      }
      threads_.emplace_back([this, &run, id, scope = scope_, place = std::move(place)]() mutable {
        if (place) {
          const bool placed = place->wait(context_.cancel());
          std::lock_guard lock(mutex_);
          // As Argo, a task waiting for its place is not created at all once the DAG stops.
          if (!placed || stop_reason()) {
            run.state = TaskState::kWaiting;
            --running_;
            done_.notify_one();
            return;
          }
        }
        NodeResult result =
            run_call(context_, invocation_, *run.task, scope, id, place ? &*place : nullptr);
        std::lock_guard lock(mutex_);
        finish(run, std::move(result));
        place.reset();  // only now: a task waiting for it sees this one's end (failFast)
        done_.notify_one();
      });
    }
    return changed;
  }

  void finish_unrun(DagTaskRun& run, const std::string& id, NodePhase phase, std::string message) {
    context_.record_unrun(id, run.task->name, run.task->template_name, phase, message);
    run.state = TaskState::kDone;
    run.result.phase = phase;
    run.result.message = std::move(message);
  }

  // Under mutex_: a task has ended.
  void finish(DagTaskRun& run, NodeResult result) {
    run.state = TaskState::kDone;
    run.result = std::move(result);
    --running_;
    publish_outputs(scope_, "tasks." + run.task->name, run.result);
    if (failed(run.result.phase)) any_failed_ = true;
  }

  RunContext& context_;
  const Invocation& invocation_;
  const Template& dag_;
  std::vector<DagTaskRun> tasks_;
  std::mutex mutex_;  // guards tasks_, scope_, running_, any_failed_
  std::condition_variable done_;
  Scope scope_;
  size_t running_ = 0;
  bool any_failed_ = false;
  std::vector<std::jthread> threads_;
};

}  // namespace

NodeResult run_dag(RunContext& context, const Invocation& invocation) {
  DagRun run(context, invocation);
  return run.run();
}

}  // namespace aiotops::pipeline
