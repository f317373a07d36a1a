// A steps template's body: groups in order, the steps of a group in parallel, `when` per step;
// a failed step (unless its continueOn covers it) fails the template and stops later groups.
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "pipeline/executor_context.h"

namespace aiotops::pipeline {
namespace {

bool continues(const ContinueOn& on, NodePhase phase) {
  return (phase == NodePhase::kFailed && on.failed) || (phase == NodePhase::kError && on.error);
}

}  // namespace

NodeResult run_steps(RunContext& context, const Invocation& invocation) {
  const Template& tmpl = *invocation.resolved.tmpl;
  Scope scope = context.body_scope(invocation);
  NodeResult outcome;
  outcome.phase = NodePhase::kSucceeded;
  for (size_t g = 0; g < tmpl.steps.size(); ++g) {
    const StepGroup& group = tmpl.steps[g];
    if (context.cancel().cancelled()) {
      outcome.phase = NodePhase::kFailed;
      outcome.message = "cancelled";
      break;
    }
    std::vector<NodeResult> results(group.size());
    {
      std::vector<std::jthread> threads;
      for (size_t i = 0; i < group.size(); ++i) {
        const Step& step = group[i];
        const std::string id = fmt::format("{}[{}].{}", invocation.id, g, step.name);
        auto holds = when_holds(step, scope);
        if (!holds) {
          results[i].message = holds.error().message();
          continue;
        }
        if (!*holds) {
          const std::string why = fmt::format("when '{}' evaluated false", step.when);
          context.record_unrun(id, step.name, step.template_name, NodePhase::kSkipped, why);
          results[i].phase = NodePhase::kSkipped;
          continue;
        }
        // Under the template's parallelism a step queues for its place here, so the steps of a
        // group start in file order; a fan-out's items queue for theirs (run_call).
        std::optional<ChildLimit::Place> place;
        if (invocation.child_limit != nullptr && !step.fans_out()) {
          place.emplace(invocation.child_limit->queue());
        }
        threads.emplace_back([&, i, id, place = std::move(place)]() mutable {
          if (place && !place->wait(context.cancel())) {
            results[i].phase = NodePhase::kFailed;
            results[i].message = "cancelled";
            return;
          }
          results[i] =
              run_call(context, invocation, group[i], scope, id, place ? &*place : nullptr);
        });
      }
    }
    for (size_t i = 0; i < group.size(); ++i) {
      publish_outputs(scope, "steps." + group[i].name, results[i]);
      const NodePhase phase = results[i].phase;
      if ((phase == NodePhase::kFailed || phase == NodePhase::kError) &&
          !continues(group[i].continue_on, phase) && outcome.phase == NodePhase::kSucceeded) {
        outcome.phase = phase;
        outcome.message =
            fmt::format("step '{}' {}: {}", group[i].name, to_string(phase), results[i].message);
      }
    }
    if (outcome.phase != NodePhase::kSucceeded) break;
  }
  return context.template_outputs(invocation, scope, std::move(outcome));
}

}  // namespace aiotops::pipeline
