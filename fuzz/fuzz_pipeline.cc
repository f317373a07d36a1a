// libFuzzer target: the workflow engine's readers of outside text. The same bytes go to the YAML
// reader (then static validation, every DAG task's depends expression and the exporter on what
// it accepts), the depends parser, the when evaluator and template substitution, each with the
// invariants a caller relies on.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz/fuzz_checks.h"
#include "pipeline/condition.h"
#include "pipeline/depends.h"
#include "pipeline/export.h"
#include "pipeline/substitute.h"
#include "pipeline/template_library.h"
#include "pipeline/validate.h"
#include "pipeline/yaml_reader.h"

namespace {

using namespace aiotops::pipeline;
using aiotops::fuzz::require;

void check_documents(std::string_view text) {
  auto documents = parse_workflow_documents(text, "fuzz.yaml");
  if (!documents) return;
  require(!documents->empty(), "an accepted file holds at least one document");
  TemplateLibrary library;
  for (const Workflow& document : *documents) {
    if (document.kind == DocumentKind::kWorkflowTemplate) (void)library.add(document);
  }
  ValidateOptions options;
  options.library = &library;
  for (const Workflow& document : *documents) {
    // Re-reading the kept source gives the same document: export writes it back.
    auto again = parse_workflow_documents(document.source_yaml, "fuzz.yaml");
    require(
        again && again->size() == 1 && again->front().templates.size() == document.templates.size(),
        "source_yaml reads back as the same document");
    (void)find_problems(document, options);
    for (const Template& tmpl : document.templates) {
      for (const DagTask& task : tmpl.dag_tasks) {
        auto expression = DependsExpression::for_task(task, tmpl);
        if (expression) (void)expression->to_string();
      }
    }
  }
  // What the reader accepts exports, and the export reads back with the same templates.
  auto exported = export_documents(*documents, ExportOptions());
  if (!exported) return;
  auto read_back = parse_workflow_documents(*exported, "exported.yaml");
  require(read_back.has_value(), "an exported file reads back");
  require(read_back->size() == documents->size(), "export keeps every document");
  for (std::size_t i = 0; i < documents->size(); ++i) {
    require((*read_back)[i].templates.size() == (*documents)[i].templates.size(),
            "export keeps every template");
  }
}

void check_depends(std::string_view text) {
  const ContinueOn both{true, true};
  auto expression = DependsExpression::parse(
      text, [&](std::string_view task) { return task == "a" ? &both : nullptr; });
  if (!expression) return;
  // The expanded text is itself a valid expression over the same tasks.
  auto reparsed = DependsExpression::parse(expression->to_string(), nullptr);
  require(reparsed.has_value(), "to_string() parses again");
  require(reparsed->tasks() == expression->tasks(), "to_string() names the same tasks");
  TaskResults all_failed;
  all_failed.failed = true;
  const auto lookup = [&](std::string_view) { return std::optional<TaskResults>(all_failed); };
  require(reparsed->evaluate(lookup) == expression->evaluate(lookup),
          "to_string() evaluates the same");
}

void check_substitute(std::string_view text) {
  Scope scope;
  scope.set("inputs.parameters.a", "x{{y}}");
  scope.set("workflow.name", "");
  scope.set_item(nlohmann::json{{"k", 1}, {"s", "v"}});
  auto names = variables_in(text);
  auto substituted = substitute(text, scope);
  require(names.has_value() || !substituted.has_value(),
          "substitute() fails wherever variables_in() does");
  if (!names) return;
  bool all_known = true;
  for (const std::string& name : *names) all_known = all_known && scope.find(name) != nullptr;
  require(substituted.has_value() == all_known, "substitute() succeeds iff every name is known");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_documents(text);
  check_depends(text);
  (void)evaluate_condition(text);
  check_substitute(text);
  return 0;
}
