// Calls from a DAG task or a step into a template: arguments and inputs, fan-outs, task-level
// exit handlers, and the variables a finished call gives to its successors.
#include <optional>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "pipeline/condition.h"
#include "pipeline/executor_context.h"
#include "pipeline/fan_out.h"
#include "pipeline/task_results.h"

namespace aiotops::pipeline {
namespace {

NodeResult error_result(std::string message) {
  NodeResult result;
  result.phase = NodePhase::kError;
  result.message = std::move(message);
  return result;
}

const std::string* find_value(const NamedValues& values, std::string_view name) {
  for (const auto& [key, value] : values) {
    if (key == name) return &value;
  }
  return nullptr;
}

}  // namespace

Result<bool> when_holds(const TaskCall& call, const Scope& scope) {
  if (call.when.empty()) return true;
  auto text = substitute(call.when, scope);
  if (!text) return fail(text.error().with_context(to_string(call.location)));
  auto holds = evaluate_condition(*text);
  if (!holds) return fail(holds.error().with_context(to_string(call.location)));
  return *holds;
}

Scope RunContext::body_scope(const Invocation& invocation) const {
  Scope scope = invocation.workflow_scope;
  for (const auto& [name, value] : invocation.parameters) {
    scope.set("inputs.parameters." + name, value);
  }
  for (const auto& artifact : invocation.resolved.tmpl->inputs.artifacts) {
    scope.set("inputs.artifacts." + artifact.name + ".path", artifact.path);
  }
  scope.set("pod.name", invocation.id);
  scope.set("node.name", invocation.id);
  return scope;
}

Result<Invocation> RunContext::call(const Invocation& caller, const TaskCall& call,
                                    const Scope& scope, std::string id,
                                    std::string display_name) const {
  auto resolved = resolve_call(call, *caller.resolved.document, &loaded_.library);
  if (!resolved) return fail(resolved.error());
  Invocation invocation;
  invocation.resolved = *resolved;
  invocation.id = std::move(id);
  invocation.display_name = std::move(display_name);
  invocation.deadline = caller.deadline;
  invocation.workflow_scope = caller.workflow_scope;
  invocation.limit = caller.child_limit;
  const Template& tmpl = *resolved->tmpl;
  for (const auto& input : tmpl.inputs.parameters) {
    const Parameter* argument = call.arguments.find_parameter(input.name);
    std::optional<std::string> text;
    if (argument && argument->value) text = argument->value;
    if (!text) text = input.value ? input.value : input.default_value;
    if (!text) {
      return fail(ErrorCode::kInvalidArgument, "{}: input parameter '{}' has no value",
                  to_string(call.location), input.name);
    }
    auto value = substitute(*text, scope);
    if (!value) return fail(value.error().with_context(to_string(call.location)));
    invocation.parameters.emplace_back(input.name, std::move(*value));
  }
  for (const auto& input : tmpl.inputs.artifacts) {
    const Artifact* argument = call.arguments.find_artifact(input.name);
    const std::string& from = argument && !argument->from.empty() ? argument->from : input.from;
    if (from.empty()) {
      if (input.optional) continue;
      return fail(ErrorCode::kInvalidArgument, "{}: input artifact '{}' has no 'from'",
                  to_string(call.location), input.name);
    }
    auto path = substitute(from, scope);
    if (!path) return fail(path.error().with_context(to_string(call.location)));
    invocation.artifacts.emplace_back(input.name, std::move(*path));
  }
  return invocation;
}

NodeResult RunContext::template_outputs(const Invocation& invocation, const Scope& scope,
                                        NodeResult result) const {
  for (const auto& output : invocation.resolved.tmpl->outputs.parameters) {
    if (!output.value_from_parameter) continue;
    auto value = substitute(*output.value_from_parameter, scope);
    if (!value) {
      if (result.phase == NodePhase::kSucceeded) {
        return error_result(
            fmt::format("output parameter '{}': {}", output.name, value.error().message()));
      }
      continue;
    }
    result.output_parameters.emplace_back(output.name, std::move(*value));
  }
  for (const auto& output : invocation.resolved.tmpl->outputs.artifacts) {
    if (output.from.empty()) continue;
    auto path = substitute(output.from, scope);
    if (path) result.artifacts.emplace_back(output.name, std::move(*path));
  }
  return result;
}

void publish_outputs(Scope& scope, std::string_view prefix, const NodeResult& result) {
  const std::string base(prefix);
  for (const auto& [name, value] : result.output_parameters) {
    scope.set(base + ".outputs.parameters." + name, value);
  }
  if (result.result) scope.set(base + ".outputs.result", *result.result);
  for (const auto& [name, path] : result.artifacts) {
    scope.set(base + ".outputs.artifacts." + name, path);
  }
  scope.set(base + ".status", std::string(to_string(result.phase)));
  if (result.exit_code) scope.set(base + ".exitCode", std::to_string(*result.exit_code));
}

NodeResult aggregate_fan_out(NodePhase phase, const std::vector<NodeResult>& nodes) {
  NodeResult group;
  group.phase = phase;
  std::vector<std::string> names;
  nlohmann::json results = nlohmann::json::array();
  for (const auto& node : nodes) {
    for (const auto& [name, value] : node.output_parameters) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    if (node.result) {
      // As Argo: a result that is JSON joins the list as JSON, anything else as a string.
      auto parsed = nlohmann::json::parse(*node.result, nullptr, false);
      results.push_back(parsed.is_discarded() ? nlohmann::json(*node.result) : parsed);
    }
    if (node.phase == NodePhase::kFailed || node.phase == NodePhase::kError) {
      group.message = node.message;
    }
  }
  for (const auto& name : names) {
    nlohmann::json values = nlohmann::json::array();
    for (const auto& node : nodes) {
      if (const std::string* value = find_value(node.output_parameters, name)) {
        values.push_back(*value);
      }
    }
    group.output_parameters.emplace_back(name, values.dump());
  }
  if (!results.empty()) group.result = results.dump();
  for (const auto& node : nodes) group.fan_out_phases.push_back(node.phase);
  return group;
}

Result<std::vector<nlohmann::json>> call_items(const TaskCall& call, const Scope& scope) {
  if (!call.fans_out()) return std::vector<nlohmann::json>{};
  std::string param;
  if (!call.with_param.empty()) {
    auto value = substitute(call.with_param, scope);
    if (!value) return fail(value.error().with_context(to_string(call.location)));
    param = std::move(*value);
  }
  return fan_out_items(call, param);
}

namespace {

// `placed`: the caller holds the node's place under its caller's parallelism.
NodeResult run_single(RunContext& context, const Invocation& caller, const TaskCall& call,
                      const Scope& scope, const std::string& id, const std::string& display,
                      bool placed = false) {
  auto invocation = context.call(caller, call, scope, id, display);
  if (!invocation) {
    NodeRecord node;
    node.id = node.name = id;
    node.display_name = display;
    node.template_name = call.template_name;
    node.type = "Pod";
    node.phase = NodePhase::kError;
    node.message = invocation.error().message();
    context.record(node);
    return error_result(invocation.error().message());
  }
  return context.run_node(*invocation, placed);
}

NodeResult run_fan_out(RunContext& context, const Invocation& caller, const TaskCall& call,
                       const Scope& scope, const std::string& id,
                       const std::vector<nlohmann::json>& items) {
  NodeRecord group;
  group.id = group.name = id;
  group.display_name = call.name;
  group.template_name = call.template_name;
  group.type = "TaskGroup";
  group.phase = NodePhase::kRunning;
  context.record(group);

  std::vector<NodeResult> results(items.size());
  {
    std::vector<std::jthread> threads;
    threads.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      // Under the caller's parallelism the items queue for their places in item order here,
      // so they start in item order, as Argo creates them.
      std::optional<ChildLimit::Place> place;
      if (caller.child_limit != nullptr) place.emplace(caller.child_limit->queue());
      threads.emplace_back([&, i, place = std::move(place)]() mutable {
        if (place && !place->wait(context.cancel())) {
          results[i].phase = NodePhase::kFailed;
          results[i].message = "cancelled";
          return;
        }
        Scope item_scope = scope;
        item_scope.set_item(items[i]);
        const std::string display = item_node_name(call.name, i, items[i]);
        const std::string prefix = id.substr(0, id.size() - call.name.size());
        results[i] = run_single(context, caller, call, item_scope, prefix + display, display,
                                place.has_value());
      });
    }
  }
  std::vector<NodePhase> phases;
  for (const auto& result : results) phases.push_back(result.phase);
  NodeResult aggregated = aggregate_fan_out(fan_out_phase(phases), results);
  group.phase = aggregated.phase;
  group.message = aggregated.message;
  group.output_parameters = aggregated.output_parameters;
  group.result = aggregated.result;
  context.record(group);
  return aggregated;
}

}  // namespace

NodeResult run_call(RunContext& context, const Invocation& caller, const TaskCall& call,
                    const Scope& scope, const std::string& id, ChildLimit::Place* place) {
  NodeResult result;
  if (call.fans_out()) {
    auto items = call_items(call, scope);
    if (!items) {
      result = error_result(items.error().message());
    } else if (items->empty()) {
      context.record_unrun(id, call.name, call.template_name, NodePhase::kSkipped,
                           "no items to fan out over");
      result.phase = NodePhase::kSkipped;
    } else {
      result = run_fan_out(context, caller, call, scope, id, *items);
    }
  } else {
    result = run_single(context, caller, call, scope, id, call.name, place != nullptr);
  }
  if (!call.on_exit.empty()) {
    // The node has ended: as in Argo, its handler is a child of the same template and needs a
    // place of its own.
    if (place != nullptr) place->release();
    TaskCall handler;
    handler.name = call.name + ".onExit";
    handler.template_name = call.on_exit;
    handler.location = call.location;
    Scope exit_scope = scope;
    exit_scope.set("workflow.status", std::string(to_string(result.phase)));
    // As Argo's exit handlers: after a cancel (argo stop) and past the caller's deadline too.
    Invocation unbounded = caller;
    unbounded.deadline = std::nullopt;
    (void)run_single(context.exit_handlers(), unbounded, handler, exit_scope, id + ".onExit",
                     handler.name);
  }
  return result;
}

}  // namespace aiotops::pipeline
