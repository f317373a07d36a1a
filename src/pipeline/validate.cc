#include "pipeline/validate.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "pipeline/depends.h"
#include "pipeline/substitute.h"

namespace aiotops::pipeline {
namespace {

constexpr std::string_view kWorkflowGlobals[] = {"name",
                                                 "namespace",
                                                 "uid",
                                                 "status",
                                                 "failures",
                                                 "duration",
                                                 "creationTimestamp",
                                                 "mainEntrypoint",
                                                 "serviceAccountName",
                                                 "priority"};
constexpr std::string_view kNodeFields[] = {"status", "exitCode", "startedAt",   "finishedAt",
                                            "id",     "ip",       "hostNodeName"};

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

template <std::size_t N>
bool contains(const std::string_view (&list)[N], std::string_view value) {
  return std::ranges::find(list, value) != std::end(list);
}

// What {{...}} may name at one place of one template.
struct VariableScope {
  const Template* tmpl = nullptr;       // whose inputs are visible
  std::string_view node_kind;           // "tasks", "steps" or empty (leaf templates)
  std::set<std::string> visible_nodes;  // nodes that finish before this place
  std::set<std::string> all_nodes;      // every task or step of the template
  bool all_visible = false;             // outputs of DAG/steps templates
  bool has_item = false;                // inside a withItems/withParam call
  std::map<std::string, const Template*> node_templates;  // for output checks
};

class Validator {
 public:
  Validator(const Workflow& root, const ValidateOptions& options)
      : root_(root), options_(options) {}

  std::vector<std::string> run() {
    check_workflow();
    check_document(root_);
    std::ranges::stable_sort(problems_, [](const auto& a, const auto& b) {
      return std::tie(a.first.file, a.first.line) < std::tie(b.first.file, b.first.line);
    });
    std::vector<std::string> out;
    for (auto& [location, text] : problems_) out.push_back(std::move(text));
    return out;
  }

 private:
  void problem(const SourceLocation& location, std::string_view message) {
    problems_.emplace_back(location, fmt::format("{}: {}", to_string(location), message));
  }

  void check_workflow() {
    const bool is_workflow = root_.kind == DocumentKind::kWorkflow;
    const Template* entry = nullptr;
    if (root_.entrypoint.empty()) {
      if (is_workflow) problem(root_.location, "spec.entrypoint is missing");
    } else if ((entry = root_.find_template(root_.entrypoint)) == nullptr) {
      problem(root_.location,
              fmt::format("entrypoint names unknown template '{}'", root_.entrypoint));
    }
    if (!root_.on_exit.empty() && root_.find_template(root_.on_exit) == nullptr) {
      problem(root_.location, fmt::format("onExit names unknown template '{}'", root_.on_exit));
    }
    std::set<std::string_view> seen;
    for (const Parameter& parameter : root_.arguments.parameters) {
      if (!seen.insert(parameter.name).second) {
        problem(parameter.location,
                fmt::format("workflow parameter '{}' is declared twice", parameter.name));
      }
      const bool supplied = std::ranges::find(options_.supplied_parameters, parameter.name) !=
                            options_.supplied_parameters.end();
      if (!parameter.value && !parameter.default_value && !supplied && is_workflow) {
        problem(parameter.location,
                fmt::format("workflow parameter '{}' has no value (set one or pass -p {}=...)",
                            parameter.name, parameter.name));
      }
    }
    // The entrypoint receives the workflow's arguments as its inputs.
    if (entry != nullptr && is_workflow) {
      check_inputs_supplied(*entry, root_.arguments, root_.location,
                            fmt::format("entrypoint '{}'", entry->name));
    }
  }

  void check_document(const Workflow& document) {
    if (!checked_documents_.insert(&document).second) return;
    for (const Template& tmpl : document.templates) check_template(document, tmpl);
  }

  void check_template(const Workflow& document, const Template& tmpl) {
    switch (tmpl.kind) {
      case TemplateKind::kContainer:
      case TemplateKind::kScript:
        check_leaf(tmpl);
        return;
      case TemplateKind::kDag:
        check_dag(document, tmpl);
        return;
      case TemplateKind::kSteps:
        check_steps(document, tmpl);
        return;
    }
  }

  void check_leaf(const Template& tmpl) {
    VariableScope scope;
    scope.tmpl = &tmpl;
    const Container& c = tmpl.container;
    const std::string where = fmt::format("template '{}'", tmpl.name);
    check_text(c.image, c.location, where, scope);
    for (const auto& text : c.command) check_text(text, c.location, where, scope);
    for (const auto& text : c.args) check_text(text, c.location, where, scope);
    for (const auto& env : c.env) check_text(env.value, c.location, where, scope);
    check_text(c.working_dir, c.location, where, scope);
    check_text(c.source, c.location, where, scope);
    check_template_io(tmpl, scope);
  }

  void check_template_io(const Template& tmpl, const VariableScope& scope) {
    const std::string where = fmt::format("template '{}'", tmpl.name);
    for (const Artifact& artifact : tmpl.inputs.artifacts) {
      check_text(artifact.path, artifact.location, where, scope);
    }
    for (const Parameter& parameter : tmpl.outputs.parameters) {
      check_text(parameter.value_from_path.value_or(""), parameter.location, where, scope);
      check_text(parameter.value_from_parameter.value_or(""), parameter.location, where, scope);
    }
    for (const Artifact& artifact : tmpl.outputs.artifacts) {
      check_text(artifact.path, artifact.location, where, scope);
      check_text(artifact.from, artifact.location, where, scope);
    }
  }

  // Resolves a task's or step's template and checks what it is given. nullptr when unresolved.
  const Template* check_call(const Workflow& document, const TaskCall& call,
                             std::string_view noun) {
    if (!call.on_exit.empty() && document.find_template(call.on_exit) == nullptr) {
      problem(call.location, fmt::format("{} '{}': onExit names unknown template '{}'", noun,
                                         call.name, call.on_exit));
    }
    auto resolved = resolve_call(call, document, options_.library, noun);
    if (!resolved) {
      problems_.emplace_back(call.location, resolved.error().message());  // names its place
      return nullptr;
    }
    if (resolved->document != &document) check_document(*resolved->document);
    check_inputs_supplied(*resolved->tmpl, call.arguments, call.location,
                          fmt::format("{} '{}'", noun, call.name));
    return resolved->tmpl;
  }

  void check_inputs_supplied(const Template& callee, const ParametersAndArtifacts& arguments,
                             const SourceLocation& location, std::string_view caller) {
    for (const Parameter& input : callee.inputs.parameters) {
      if (input.value || input.default_value || arguments.find_parameter(input.name)) continue;
      problem(location, fmt::format("{} does not supply input parameter '{}' of template '{}'",
                                    caller, input.name, callee.name));
    }
    for (const Artifact& input : callee.inputs.artifacts) {
      if (input.optional || !input.from.empty() || arguments.find_artifact(input.name)) continue;
      problem(location, fmt::format("{} does not supply input artifact '{}' of template '{}'",
                                    caller, input.name, callee.name));
    }
  }

  void check_call_texts(const TaskCall& call, const VariableScope& scope) {
    const std::string where =
        fmt::format("{} '{}'", scope.node_kind == "tasks" ? "task" : "step", call.name);
    for (const Parameter& argument : call.arguments.parameters) {
      check_text(argument.value.value_or(""), argument.location, where, scope);
    }
    for (const Artifact& argument : call.arguments.artifacts) {
      check_text(argument.from, argument.location, where, scope);
    }
    check_text(call.when, call.location, where, scope);
    VariableScope outer = scope;
    outer.has_item = false;  // withParam is evaluated before the fan-out
    check_text(call.with_param, call.location, where, outer);
  }

  void check_dag(const Workflow& document, const Template& tmpl) {
    VariableScope base;
    base.tmpl = &tmpl;
    base.node_kind = "tasks";
    for (const DagTask& task : tmpl.dag_tasks) {
      if (!base.all_nodes.insert(task.name).second) {
        problem(task.location,
                fmt::format("template '{}': duplicate task name '{}'", tmpl.name, task.name));
      }
    }
    // Parse every expression first: ancestry and cycles need all of them.
    std::map<std::string, std::vector<std::string>> edges;
    bool graph_complete = true;
    for (const DagTask& task : tmpl.dag_tasks) {
      base.node_templates[task.name] = check_call(document, task, "task");
      auto expression = DependsExpression::for_task(task, tmpl);
      if (!expression) {
        problem(task.location,
                fmt::format("task '{}': {}", task.name, expression.error().message()));
        graph_complete = false;
        continue;
      }
      for (const std::string& dependency : expression->tasks()) {
        if (!base.all_nodes.contains(dependency)) {
          problem(task.location,
                  fmt::format("task '{}': depends on unknown task '{}'", task.name, dependency));
          graph_complete = false;
        } else {
          edges[task.name].push_back(dependency);
        }
      }
    }
    if (graph_complete) check_cycles(tmpl, edges);
    for (const DagTask& task : tmpl.dag_tasks) {
      VariableScope scope = base;
      scope.all_visible = !graph_complete;  // do not pile guesses on a broken graph
      scope.visible_nodes = ancestors(task.name, edges);
      scope.has_item = task.fans_out();
      check_call_texts(task, scope);
    }
    VariableScope outputs = base;
    outputs.all_visible = true;
    check_template_io(tmpl, outputs);
  }

  static std::set<std::string> ancestors(
      const std::string& task, const std::map<std::string, std::vector<std::string>>& edges) {
    std::set<std::string> seen;
    std::vector<std::string> stack = {task};
    while (!stack.empty()) {
      const std::string current = std::move(stack.back());
      stack.pop_back();
      auto it = edges.find(current);
      if (it == edges.end()) continue;
      for (const std::string& parent : it->second) {
        if (seen.insert(parent).second) stack.push_back(parent);
      }
    }
    seen.erase(task);
    return seen;
  }

  // Depth-first search; a task met again while on the path closes a cycle.
  void check_cycles(const Template& tmpl,
                    const std::map<std::string, std::vector<std::string>>& edges) {
    std::map<std::string, int> state;  // 0 new, 1 on the path, 2 done
    std::vector<std::string> path;
    std::function<bool(const std::string&)> visit = [&](const std::string& task) {
      state[task] = 1;
      path.push_back(task);
      auto it = edges.find(task);
      if (it != edges.end()) {
        for (const std::string& next : it->second) {
          if (state[next] == 1) {
            auto start = std::ranges::find(path, next);
            std::vector<std::string> cycle(start, path.end());
            cycle.push_back(next);
            const DagTask* first = tmpl.find_task(next);
            problem(first->location, fmt::format("template '{}': dependency cycle {}", tmpl.name,
                                                 fmt::join(cycle, " -> ")));
            return true;
          }
          if (state[next] == 0 && visit(next)) return true;
        }
      }
      path.pop_back();
      state[task] = 2;
      return false;
    };
    for (const DagTask& task : tmpl.dag_tasks) {
      if (state[task.name] == 0 && visit(task.name)) return;  // one cycle report is enough
    }
  }

  void check_steps(const Workflow& document, const Template& tmpl) {
    VariableScope base;
    base.tmpl = &tmpl;
    base.node_kind = "steps";
    for (const StepGroup& group : tmpl.steps) {
      for (const Step& step : group) {
        if (!base.all_nodes.insert(step.name).second) {
          problem(step.location,
                  fmt::format("template '{}': duplicate step name '{}'", tmpl.name, step.name));
        }
        base.node_templates[step.name] = check_call(document, step, "step");
      }
    }
    std::set<std::string> earlier;
    for (const StepGroup& group : tmpl.steps) {
      for (const Step& step : group) {
        VariableScope scope = base;
        scope.visible_nodes = earlier;
        scope.has_item = step.fans_out();
        check_call_texts(step, scope);
      }
      for (const Step& step : group) earlier.insert(step.name);
    }
    VariableScope outputs = base;
    outputs.all_visible = true;
    check_template_io(tmpl, outputs);
  }

  void check_text(std::string_view text, const SourceLocation& location, std::string_view where,
                  const VariableScope& scope) {
    if (text.find("{{") == std::string_view::npos) return;
    auto names = variables_in(text);
    if (!names) {
      problem(location, fmt::format("{}: {}", where, names.error().message()));
      return;
    }
    for (const std::string& name : *names) {
      if (auto why = variable_problem(name, scope)) {
        problem(location, fmt::format("{}: '{{{{{}}}}}': {}", where, name, *why));
      }
    }
  }

  std::optional<std::string> variable_problem(std::string_view name,
                                              const VariableScope& scope) const {
    if (name.starts_with("=")) return "expression templates ({{=...}}) are not supported";
    const std::vector<std::string_view> parts = split(name, '.');
    const std::string_view head = parts[0];
    if (head == "item") {
      if (scope.has_item) return std::nullopt;
      return "only defined in a task or step with withItems or withParam";
    }
    if (head == "workflow") return workflow_variable_problem(parts);
    if (head == "inputs") return input_variable_problem(parts, scope);
    if (name == "pod.name" || name == "node.name" || name == "retries") return std::nullopt;
    if (!scope.node_kind.empty() && head == scope.node_kind && parts.size() >= 3) {
      return node_variable_problem(parts, scope);
    }
    return "unknown variable";
  }

  std::optional<std::string> workflow_variable_problem(
      const std::vector<std::string_view>& parts) const {
    if (parts.size() == 2 && contains(kWorkflowGlobals, parts[1])) return std::nullopt;
    if (parts.size() == 3 && parts[1] == "parameters") {
      if (root_.arguments.find_parameter(parts[2]) != nullptr) return std::nullopt;
      return fmt::format("the workflow declares no parameter '{}'", parts[2]);
    }
    return "unknown workflow variable";
  }

  static std::optional<std::string> input_variable_problem(
      const std::vector<std::string_view>& parts, const VariableScope& scope) {
    const Template& tmpl = *scope.tmpl;
    if (parts.size() == 3 && parts[1] == "parameters") {
      if (tmpl.inputs.find_parameter(parts[2]) != nullptr) return std::nullopt;
      return fmt::format("template '{}' declares no input parameter '{}'", tmpl.name, parts[2]);
    }
    if (parts.size() == 4 && parts[1] == "artifacts" && parts[3] == "path") {
      if (tmpl.inputs.find_artifact(parts[2]) != nullptr) return std::nullopt;
      return fmt::format("template '{}' declares no input artifact '{}'", tmpl.name, parts[2]);
    }
    return "unknown input variable";
  }

  static std::optional<std::string> node_variable_problem(
      const std::vector<std::string_view>& parts, const VariableScope& scope) {
    const std::string node(parts[1]);
    const std::string_view kind = scope.node_kind == "tasks" ? "task" : "step";
    if (!scope.all_nodes.contains(node)) return fmt::format("unknown {} '{}'", kind, node);
    if (!scope.all_visible && !scope.visible_nodes.contains(node)) {
      return fmt::format("{} '{}' does not finish before this one{}", kind, node,
                         kind == "task" ? " (add it to dependencies)" : "");
    }
    if (parts.size() == 3 && contains(kNodeFields, parts[2])) return std::nullopt;
    if (parts[2] != "outputs" || parts.size() < 4) return "unknown output variable";
    if (parts.size() == 4 &&
        (parts[3] == "result" || parts[3] == "exitCode" || parts[3] == "parameters")) {
      return std::nullopt;  // bare `parameters`: a fan-out's aggregated list
    }
    auto found = scope.node_templates.find(node);
    const Template* callee = found == scope.node_templates.end() ? nullptr : found->second;
    if (parts.size() != 5) return "unknown output variable";
    if (callee == nullptr) return std::nullopt;  // its unknown template is reported already
    if (parts[3] == "parameters") {
      if (callee->outputs.find_parameter(parts[4]) != nullptr) return std::nullopt;
      return fmt::format("template '{}' declares no output parameter '{}'", callee->name, parts[4]);
    }
    if (parts[3] == "artifacts") {
      if (callee->outputs.find_artifact(parts[4]) != nullptr) return std::nullopt;
      return fmt::format("template '{}' declares no output artifact '{}'", callee->name, parts[4]);
    }
    return "unknown output variable";
  }

  const Workflow& root_;
  const ValidateOptions& options_;
  std::set<const Workflow*> checked_documents_;
  std::vector<std::pair<SourceLocation, std::string>> problems_;  // where, full text
};

}  // namespace

std::vector<std::string> find_problems(const Workflow& workflow, const ValidateOptions& options) {
  return Validator(workflow, options).run();
}

Status validate_workflow(const Workflow& workflow, const ValidateOptions& options) {
  const std::vector<std::string> problems = find_problems(workflow, options);
  if (problems.empty()) return {};
  return fail(ErrorCode::kInvalidArgument, "{}", fmt::join(problems, "\n"));
}

}  // namespace aiotops::pipeline
