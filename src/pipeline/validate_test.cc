#include "pipeline/validate.h"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline/yaml_reader.h"
#include "support/scratch_dir.h"

namespace aiotops::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Workflow parse(std::string_view text) {
  auto documents = parse_workflow_documents(text, "wf.yaml");
  EXPECT_TRUE(documents) << documents.error().message();
  return documents ? documents->back() : Workflow{};
}

std::vector<std::string> problems(std::string_view text, ValidateOptions options = {}) {
  return find_problems(parse(text), options);
}

TEST(Validate, TheTalksDagIsValid) {
  auto documents =
      read_workflow_file(std::string(AIOTOPS_SOURCE_DIR) + "/examples/kubecon-aiotdemo-dag.yaml");
  ASSERT_TRUE(documents) << documents.error().message();
  EXPECT_TRUE(validate_workflow(documents->front(), {}));
}

constexpr std::string_view kHead = R"yaml(apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w}
)yaml";

std::string wf(std::string_view spec) { return std::string(kHead) + std::string(spec); }

TEST(Validate, AGoodWorkflowHasNoProblems) {
  EXPECT_THAT(problems(wf(R"yaml(spec:
  entrypoint: main
  onExit: notify
  arguments:
    parameters: [{name: threshold, value: "0.7"}, {name: site}]
  templates:
  - name: main
    inputs: {parameters: [{name: threshold}]}
    dag:
      tasks:
      - name: a
        template: gen
      - name: b
        dependencies: [a]
        template: use
        withParam: "{{tasks.a.outputs.result}}"
        arguments:
          parameters:
          - {name: x, value: "{{item.x}}-{{inputs.parameters.threshold}}"}
          - {name: y, value: "{{tasks.a.outputs.parameters.count}}"}
      - name: c
        depends: "b.AnySucceeded || a.Failed"
        when: "{{tasks.a.outputs.parameters.count}} > 2"
        template: use
        arguments: {parameters: [{name: x, value: "{{workflow.parameters.site}}"}]}
  - name: gen
    outputs:
      parameters: [{name: count, valueFrom: {path: /tmp/count}}]
    script: {image: python, command: [python], source: "print('[]')"}
  - name: use
    inputs: {parameters: [{name: x}, {name: y, default: "0"}]}
    container: {image: alpine, args: ["{{inputs.parameters.x}} {{workflow.name}} {{pod.name}}"]}
  - name: notify
    container: {image: alpine, args: ["{{workflow.status}} {{workflow.failures}}"]}
)yaml"),
                       ValidateOptions{.supplied_parameters = {"site"}, .library = nullptr}),
              IsEmpty());
}

struct BadWorkflow {
  std::string name;
  std::string spec;
  std::vector<std::string> expected;  // one substring per problem, in order
};

void PrintTo(const BadWorkflow& input, std::ostream* os) { *os << input.name; }

class ValidateRejects : public ::testing::TestWithParam<BadWorkflow> {};

TEST_P(ValidateRejects, NamingFileLineAndName) {
  const std::vector<std::string> found = problems(wf(GetParam().spec));
  ASSERT_EQ(found.size(), GetParam().expected.size()) << ::testing::PrintToString(found);
  for (std::size_t i = 0; i < found.size(); ++i) {
    EXPECT_THAT(found[i], HasSubstr(GetParam().expected[i]));
  }
  auto status = validate_workflow(parse(wf(GetParam().spec)), {});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
}

// Shared tail: a leaf template every case may call.
constexpr std::string_view kLeaf = R"yaml(
  - name: leaf
    container: {image: alpine}
)yaml";

std::string dag(std::string_view tasks) {
  return "spec:\n  entrypoint: main\n  templates:\n  - name: main\n    dag:\n      tasks:\n" +
         std::string(tasks) + std::string(kLeaf);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ValidateRejects,
    ::testing::Values(
        BadWorkflow{"MissingEntrypoint",
                    "spec:\n  templates:\n  - name: a\n    container: {image: x}\n",
                    {"wf.yaml:1: spec.entrypoint is missing"}},
        BadWorkflow{
            "UnknownEntrypoint",
            "spec:\n  entrypoint: mian\n  templates:\n  - name: main\n    container: {image: x}\n",
            {"wf.yaml:1: entrypoint names unknown template 'mian'"}},
        BadWorkflow{"UnknownOnExit",
                    "spec:\n  entrypoint: main\n  onExit: bye\n  templates:\n  - name: main\n    "
                    "container: {image: x}\n",
                    {"onExit names unknown template 'bye'"}},
        BadWorkflow{"UnknownTemplate",
                    dag("      - {name: a, template: lef}\n"),
                    {"wf.yaml:10: task 'a': unknown template 'lef'"}},
        BadWorkflow{"TemplateRefWithoutLibrary",
                    dag("      - {name: a, templateRef: {name: lib, template: t}}\n"),
                    {"wf.yaml:10: task 'a': templateRef names unknown WorkflowTemplate 'lib'"}},
        BadWorkflow{"DuplicateTask",
                    dag("      - {name: a, template: leaf}\n      - {name: a, template: leaf}\n"),
                    {"wf.yaml:11: template 'main': duplicate task name 'a'"}},
        BadWorkflow{"UnknownDependency",
                    dag("      - {name: a, template: leaf, dependencies: [b]}\n"),
                    {"wf.yaml:10: task 'a': depends on unknown task 'b'"}},
        BadWorkflow{"UnknownTaskInDepends",
                    dag("      - {name: a, template: leaf}\n      - {name: c, template: leaf, "
                        "depends: 'a.Succeeded && x.Failed'}\n"),
                    {"wf.yaml:11: task 'c': depends on unknown task 'x'"}},
        BadWorkflow{"DependsSyntax",
                    dag("      - {name: a, template: leaf}\n      - {name: c, template: leaf, "
                        "depends: 'a &&'}\n"),
                    {"wf.yaml:11: task 'c': depends 'a &&': column 5: expected a task name"}},
        BadWorkflow{"BothDependsAndDependencies",
                    dag("      - {name: a, template: leaf}\n      - {name: c, template: leaf, "
                        "depends: a, dependencies: [a]}\n"),
                    {"task 'c' sets both dependencies and depends"}},
        BadWorkflow{"Cycle",
                    dag("      - {name: a, template: leaf, dependencies: [c]}\n      - {name: b, "
                        "template: leaf, dependencies: [a]}\n      - {name: c, template: leaf, "
                        "depends: b}\n"),
                    {"wf.yaml:10: template 'main': dependency cycle a -> c -> b -> a"}},
        BadWorkflow{"SelfCycle",
                    dag("      - {name: a, template: leaf, dependencies: [a]}\n"),
                    {"dependency cycle a -> a"}},
        BadWorkflow{"WorkflowParameterWithoutValue",
                    "spec:\n  entrypoint: main\n  arguments:\n    parameters:\n    - name: site\n  "
                    "templates:\n  - name: main\n    container: {image: x}\n",
                    {"wf.yaml:8: workflow parameter 'site' has no value (set one or pass -p "
                     "site=...)"}},
        BadWorkflow{
            "UndeclaredInput",
            "spec:\n  entrypoint: main\n  templates:\n  - name: main\n    container:\n      "
            "image: x\n      args: ['{{inputs.parameters.mesage}}']\n",
            {"wf.yaml:9: template 'main': '{{inputs.parameters.mesage}}': template 'main' "
             "declares no input parameter 'mesage'"}},
        BadWorkflow{
            "UndeclaredWorkflowParameter",
            "spec:\n  entrypoint: main\n  templates:\n  - name: main\n    container:\n      "
            "image: x\n      env: [{name: A, value: '{{workflow.parameters.url}}'}]\n",
            {"'{{workflow.parameters.url}}': the workflow declares no parameter 'url'"}},
        BadWorkflow{"InputNotSupplied",
                    "spec:\n  entrypoint: main\n  templates:\n  - name: main\n    dag:\n      "
                    "tasks:\n      - {name: a, template: take}\n  - name: take\n    inputs: "
                    "{parameters: [{name: message}]}\n    container: {image: x}\n",
                    {"wf.yaml:10: task 'a' does not supply input parameter 'message' of template "
                     "'take'"}},
        BadWorkflow{"TaskOutputWithoutDependency",
                    dag("      - {name: a, template: leaf}\n      - name: b\n        template: "
                        "leaf\n        when: '{{tasks.a.outputs.result}} == x'\n"),
                    {"wf.yaml:11: task 'b': '{{tasks.a.outputs.result}}': task 'a' does not "
                     "finish before this one (add it to dependencies)"}},
        BadWorkflow{"UndeclaredTaskOutput",
                    dag("      - {name: a, template: leaf}\n      - name: b\n        "
                        "dependencies: [a]\n        template: leaf\n        when: "
                        "'{{tasks.a.outputs.parameters.n}} > 1'\n"),
                    {"template 'leaf' declares no output parameter 'n'"}},
        BadWorkflow{"ItemWithoutLoop",
                    dag("      - name: a\n        template: leaf\n        when: '{{item}} == x'\n"),
                    {"'{{item}}': only defined in a task or step with withItems or withParam"}},
        BadWorkflow{"UnknownVariable",
                    "spec:\n  entrypoint: main\n  templates:\n  - name: main\n    container: "
                    "{image: x, args: ['{{workflow.nme}}', '{{foo}}', '{{=1+1}}']}\n",
                    {"'{{workflow.nme}}': unknown workflow variable", "'{{foo}}': unknown variable",
                     "expression templates ({{=...}}) are not supported"}},
        BadWorkflow{"StepsOrderAndNames",
                    "spec:\n  entrypoint: main\n  templates:\n  - name: main\n    steps:\n    - - "
                    "name: a\n        template: leaf\n        arguments: {parameters: [{name: p, "
                    "value: '{{steps.b.outputs.result}}'}]}\n    - - {name: b, template: leaf}\n   "
                    "   - {name: b, template: nope}\n" +
                        std::string(kLeaf),
                    {"wf.yaml:11: step 'a': '{{steps.b.outputs.result}}': step 'b' does not finish "
                     "before this one",
                     "wf.yaml:13: template 'main': duplicate step name 'b'",
                     "wf.yaml:13: step 'b': unknown template 'nope'"}}),
    [](const auto& info) { return info.param.name; });

TEST(Validate, ReportsEveryProblemInFileOrder) {
  const auto found = problems(wf(R"yaml(spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: nope}
      - {name: b, template: leaf, dependencies: [zz]}
  - name: leaf
    container: {image: x, args: ["{{inputs.parameters.q}}"]}
)yaml"));
  ASSERT_EQ(found.size(), 3u) << ::testing::PrintToString(found);
  EXPECT_THAT(found[0], HasSubstr("wf.yaml:10: task 'a': unknown template 'nope'"));
  EXPECT_THAT(found[1], HasSubstr("wf.yaml:11: task 'b': depends on unknown task 'zz'"));
  EXPECT_THAT(found[2], HasSubstr("wf.yaml:13: template 'leaf'"));
}

TEST(Validate, TemplateRefsResolveThroughTheLibraryAndAreCheckedToo) {
  testing::ScratchDir dir("aiotops-validate");
  std::ofstream(dir / "lib.yaml") << R"yaml(apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: lib}
spec:
  templates:
  - name: pair
    inputs: {parameters: [{name: n}]}
    dag:
      tasks:
      - {name: one, template: echo, arguments: {parameters: [{name: n, value: "{{inputs.parameters.n}}"}]}}
      - {name: two, template: ech, dependencies: [one]}
  - name: echo
    inputs: {parameters: [{name: n}]}
    container: {image: alpine, args: ["{{inputs.parameters.n}}"]}
)yaml";
  auto library = TemplateLibrary::load_directory(dir.path());
  ASSERT_TRUE(library) << library.error().message();
  const auto found = problems(wf(R"yaml(spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: call
        templateRef: {name: lib, template: pair}
        arguments: {parameters: [{name: n, value: "3"}]}
      - name: missing
        templateRef: {name: lib, template: trio}
)yaml"),
                              ValidateOptions{.supplied_parameters = {}, .library = &*library});
  ASSERT_EQ(found.size(), 2u) << ::testing::PrintToString(found);
  EXPECT_THAT(found[0], HasSubstr("lib.yaml:11: task 'two': unknown template 'ech'"));
  EXPECT_THAT(found[1], HasSubstr("wf.yaml:12: step 'missing': WorkflowTemplate 'lib' has no "
                                  "template 'trio'"));
}

TEST(Validate, TheEntrypointTakesTheWorkflowArguments) {
  const auto found = problems(wf(R"yaml(spec:
  entrypoint: main
  arguments: {parameters: [{name: a, value: "1"}]}
  templates:
  - name: main
    inputs: {parameters: [{name: a}, {name: b}]}
    container: {image: x}
)yaml"));
  EXPECT_THAT(found,
              ElementsAre(HasSubstr(
                  "entrypoint 'main' does not supply input parameter 'b' of template 'main'")));
}

}  // namespace
}  // namespace aiotops::pipeline
