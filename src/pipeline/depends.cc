#include "pipeline/depends.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "pipeline/text_cursor.h"

namespace aiotops::pipeline {
namespace {

constexpr std::array<std::pair<std::string_view, TaskResult>, 9> kResultNames = {{
    {"Succeeded", TaskResult::kSucceeded},
    {"Failed", TaskResult::kFailed},
    {"Errored", TaskResult::kErrored},
    {"Skipped", TaskResult::kSkipped},
    {"Omitted", TaskResult::kOmitted},
    {"Daemoned", TaskResult::kDaemoned},
    {"AnySucceeded", TaskResult::kAnySucceeded},
    {"AllFailed", TaskResult::kAllFailed},
    {"Completed", TaskResult::kCompleted},
}};

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
}

bool has(const TaskResults& r, TaskResult result) {
  switch (result) {
    case TaskResult::kSucceeded:
      return r.succeeded;
    case TaskResult::kFailed:
      return r.failed;
    case TaskResult::kErrored:
      return r.errored;
    case TaskResult::kSkipped:
      return r.skipped;
    case TaskResult::kOmitted:
      return r.omitted;
    case TaskResult::kDaemoned:
      return false;
    case TaskResult::kAnySucceeded:
      return r.any_succeeded;
    case TaskResult::kAllFailed:
      return r.all_failed;
    case TaskResult::kCompleted:
      return r.succeeded || r.failed || r.errored;
  }
  return false;
}

}  // namespace

std::string_view to_string(TaskResult result) {
  for (const auto& [name, value] : kResultNames) {
    if (value == result) return name;
  }
  return "?";
}

// Recursive descent over the expression text; builds the node list bottom-up.
class DependsParser {
 public:
  DependsParser(std::string_view text, const ContinueOnLookup& continue_on)
      : cursor_(text), continue_on_(continue_on) {}

  Result<DependsExpression> parse() {
    cursor_.skip_spaces();
    if (cursor_.at_end()) {
      out_.nodes_.push_back({});
      return std::move(out_);
    }
    auto root = parse_or();
    if (!root) return fail(root.error());
    cursor_.skip_spaces();
    if (!cursor_.at_end()) return error("unexpected text");
    // Every rule adds its own node last, so the root is nodes_.back().
    return std::move(out_);
  }

 private:
  using Op = DependsExpression::Op;
  using Node = DependsExpression::Node;

  std::unexpected<Error> error(std::string_view what) const {
    return fail(ErrorCode::kInvalidArgument, "depends '{}': column {}: {}", cursor_.text(),
                cursor_.column(), what);
  }

  int add(Node node) {
    out_.nodes_.push_back(node);
    return static_cast<int>(out_.nodes_.size()) - 1;
  }

  Result<int> parse_or() {
    auto left = parse_and();
    if (!left) return left;
    while (cursor_.accept("||")) {
      auto right = parse_and();
      if (!right) return right;
      left = add({Op::kOr, *left, *right});
    }
    return left;
  }

  Result<int> parse_and() {
    auto left = parse_unary();
    if (!left) return left;
    while (cursor_.accept("&&")) {
      auto right = parse_unary();
      if (!right) return right;
      left = add({Op::kAnd, *left, *right});
    }
    return left;
  }

  Result<int> parse_unary() {
    if (cursor_.accept("!")) {
      auto operand = parse_unary();
      if (!operand) return operand;
      return add({Op::kNot, *operand});
    }
    if (cursor_.accept("(")) {
      auto inner = parse_or();
      if (!inner) return inner;
      if (!cursor_.accept(")")) return error("expected ')'");
      return inner;
    }
    return parse_operand();
  }

  Result<int> parse_operand() {
    cursor_.skip_spaces();
    const std::string_view task_name = cursor_.take_while(is_name_char);
    if (task_name.empty()) return error("expected a task name");
    const int task = task_index(task_name);
    if (cursor_.peek() == '.') {
      cursor_.advance();
      const std::size_t result_start = cursor_.pos();
      const std::string_view name = cursor_.take_while(
          [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; });
      for (const auto& [result_name, result] : kResultNames) {
        if (result_name == name) return add({Op::kResult, -1, -1, task, result});
      }
      cursor_.set_pos(result_start);
      return error(
          fmt::format("unknown task result '{}' (Succeeded, Failed, Errored, Skipped, "
                      "Omitted, Daemoned, AnySucceeded, AllFailed, Completed)",
                      name));
    }
    return expand_bare(task);
  }

  // `task` alone: (task.Succeeded || task.Skipped || task.Daemoned [|| .Errored] [|| .Failed]).
  int expand_bare(int task) {
    std::vector<TaskResult> results = {TaskResult::kSucceeded, TaskResult::kSkipped,
                                       TaskResult::kDaemoned};
    const ContinueOn* continue_on = continue_on_ ? continue_on_(out_.tasks_[task]) : nullptr;
    if (continue_on != nullptr && continue_on->error) results.push_back(TaskResult::kErrored);
    if (continue_on != nullptr && continue_on->failed) results.push_back(TaskResult::kFailed);
    int node = add({Op::kResult, -1, -1, task, results[0]});
    for (std::size_t i = 1; i < results.size(); ++i) {
      const int next = add({Op::kResult, -1, -1, task, results[i]});
      node = add({Op::kOr, node, next});
    }
    return node;
  }

  int task_index(std::string_view name) {
    auto& tasks = out_.tasks_;
    auto it = std::ranges::find(tasks, name);
    if (it != tasks.end()) return static_cast<int>(it - tasks.begin());
    tasks.emplace_back(name);
    return static_cast<int>(tasks.size()) - 1;
  }

  TextCursor cursor_;
  const ContinueOnLookup& continue_on_;
  DependsExpression out_;
};

Result<DependsExpression> DependsExpression::parse(std::string_view text,
                                                   const ContinueOnLookup& continue_on) {
  return DependsParser(text, continue_on).parse();
}

Result<DependsExpression> DependsExpression::for_task(const DagTask& task, const Template& dag) {
  if (!task.depends.empty() && !task.dependencies.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "task '{}' sets both dependencies and depends (Argo allows one)", task.name);
  }
  std::string text = task.depends;
  if (text.empty()) text = fmt::format("{}", fmt::join(task.dependencies, " && "));
  ContinueOnLookup continue_on = [&dag](std::string_view name) -> const ContinueOn* {
    const DagTask* named = dag.find_task(name);
    return named == nullptr ? nullptr : &named->continue_on;
  };
  return parse(text, continue_on);
}

std::optional<bool> DependsExpression::evaluate(const TaskResultsLookup& lookup) const {
  std::vector<TaskResults> results;
  results.reserve(tasks_.size());
  for (const std::string& task : tasks_) {
    std::optional<TaskResults> found = lookup(task);
    if (!found) return std::nullopt;
    results.push_back(*found);
  }
  return evaluate_node(static_cast<int>(nodes_.size()) - 1, results);
}

bool DependsExpression::evaluate_node(int index, const std::vector<TaskResults>& results) const {
  const Node& node = nodes_[index];
  switch (node.op) {
    case Op::kTrue:
      return true;
    case Op::kOr:
      return evaluate_node(node.left, results) || evaluate_node(node.right, results);
    case Op::kAnd:
      return evaluate_node(node.left, results) && evaluate_node(node.right, results);
    case Op::kNot:
      return !evaluate_node(node.left, results);
    case Op::kResult:
      return has(results[node.task], node.result);
  }
  return false;
}

std::string DependsExpression::to_string() const {
  return node_to_string(static_cast<int>(nodes_.size()) - 1, Op::kOr);
}

// Parenthesises an operand only where precedence needs it (an || inside && or !).
std::string DependsExpression::node_to_string(int index, Op parent) const {
  const Node& node = nodes_[index];
  switch (node.op) {
    case Op::kTrue:
      return "";
    case Op::kResult:
      return fmt::format("{}.{}", tasks_[node.task], pipeline::to_string(node.result));
    case Op::kNot:
      return "!" + node_to_string(node.left, Op::kNot);
    case Op::kOr:
    case Op::kAnd: {
      const std::string joined =
          fmt::format("{} {} {}", node_to_string(node.left, node.op),
                      node.op == Op::kOr ? "||" : "&&", node_to_string(node.right, node.op));
      const bool wrap = parent == Op::kNot || (parent == Op::kAnd && node.op == Op::kOr);
      return wrap ? "(" + joined + ")" : joined;
    }
  }
  return "";
}

}  // namespace aiotops::pipeline
