#include "pipeline/yaml_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiotops::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kTalkDag =
    std::string(AIOTOPS_SOURCE_DIR) + "/examples/kubecon-aiotdemo-dag.yaml";

Result<Workflow> parse_one(std::string_view text) {
  auto documents = parse_workflow_documents(text, "test.yaml");
  if (!documents) return fail(documents.error());
  EXPECT_EQ(documents->size(), 1u);
  return documents->front();
}

TEST(YamlReader, ReadsTheTalksDagUnchanged) {
  auto documents = read_workflow_file(kTalkDag);
  ASSERT_TRUE(documents) << documents.error().message();
  ASSERT_EQ(documents->size(), 1u);
  const Workflow& wf = documents->front();
  EXPECT_EQ(wf.kind, DocumentKind::kWorkflow);
  EXPECT_EQ(wf.generate_name, "kubecon-aiotdemo-dag-");
  EXPECT_EQ(wf.display_name(), "kubecon-aiotdemo-dag");
  EXPECT_EQ(wf.entrypoint, "kubecon-aiotdemo-dag");
  ASSERT_EQ(wf.templates.size(), 5u);
  const Template& dag = wf.templates[0];
  EXPECT_EQ(dag.kind, TemplateKind::kDag);
  ASSERT_EQ(dag.dag_tasks.size(), 4u);
  EXPECT_EQ(dag.dag_tasks[0].name, "extract");
  EXPECT_THAT(dag.dag_tasks[2].dependencies, ElementsAre("validate", "extract"));
  EXPECT_EQ(dag.dag_tasks[3].template_name, "quantize-template");
  ASSERT_EQ(dag.dag_tasks[1].arguments.parameters.size(), 1u);
  EXPECT_EQ(dag.dag_tasks[1].arguments.parameters[0].value, "");
  EXPECT_EQ(dag.dag_tasks[1].location.line, 21);

  const Template* train = wf.find_template("train-template");
  ASSERT_NE(train, nullptr);
  EXPECT_EQ(train->kind, TemplateKind::kContainer);
  EXPECT_EQ(train->container.image, "docker.35.202.84.160.nip.io:5000/training-module:latest");
  ASSERT_EQ(train->container.env.size(), 1u);
  EXPECT_EQ(train->container.env[0].name, "MODEL_REGISTRY_URL");
  EXPECT_EQ(train->container.env[0].value, "http://35.236.22.237:30007/uploadModel");
  ASSERT_EQ(train->inputs.parameters.size(), 1u);
  EXPECT_FALSE(train->inputs.parameters[0].value.has_value());

  // securityContext twice, nodeSelector three times: kept for export, listed as ignored.
  std::vector<std::string> paths;
  for (const IgnoredField& field : wf.ignored) paths.push_back(field.path);
  EXPECT_THAT(paths, ElementsAre("spec.templates[1].container.securityContext",
                                 "spec.templates[1].nodeSelector", "spec.templates[2].nodeSelector",
                                 "spec.templates[3].nodeSelector",
                                 "spec.templates[4].container.securityContext"));
  EXPECT_THAT(wf.ignored[1].yaml, HasSubstr("kubecon-aiot-control-node"));
  EXPECT_EQ(wf.ignored[1].location.line, 58);
  EXPECT_THAT(wf.source_yaml, HasSubstr("agentnode-nvidia-jetson"));
}

TEST(YamlReader, ReadsEveryDocumentOfAFile) {
  auto documents = parse_workflow_documents(R"(
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: lib}
spec:
  templates:
  - name: echo
    script: {image: alpine, command: [sh], source: "echo hi"}
---
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: main}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        templateRef: {name: lib, template: echo}
      - name: b
        templateRef: {name: lib, template: echo}
    - - name: c
        templateRef: {name: lib, template: echo}
)",
                                            "two.yaml");
  ASSERT_TRUE(documents) << documents.error().message();
  ASSERT_EQ(documents->size(), 2u);
  EXPECT_EQ((*documents)[0].kind, DocumentKind::kWorkflowTemplate);
  EXPECT_EQ((*documents)[0].templates[0].kind, TemplateKind::kScript);
  EXPECT_EQ((*documents)[0].templates[0].container.source, "echo hi");
  const Template& steps = (*documents)[1].templates[0];
  EXPECT_EQ(steps.kind, TemplateKind::kSteps);
  ASSERT_EQ(steps.steps.size(), 2u);
  EXPECT_EQ(steps.steps[0].size(), 2u);
  ASSERT_TRUE(steps.steps[1][0].template_ref.has_value());
  EXPECT_EQ(steps.steps[1][0].template_ref->name, "lib");
  EXPECT_EQ(steps.steps[1][0].template_ref->template_name, "echo");
}

TEST(YamlReader, ReadsTheFieldsTheEngineRuns) {
  auto wf = parse_one(R"(
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: full, labels: {team: ml}}
spec:
  entrypoint: main
  onExit: cleanup
  parallelism: 3
  activeDeadlineSeconds: 600
  arguments:
    parameters:
    - {name: threshold, value: "0.7"}
    - name: mode
      value: fast
      enum: [fast, slow]
  templates:
  - name: main
    parallelism: 2
    failFast: false
    dag:
      failFast: false
      tasks:
      - name: fan
        template: work
        withItems: [1, two, "3", {name: x, size: 2}, true]
        continueOn: {failed: true, error: true}
        onExit: cleanup
        arguments:
          parameters: [{name: v, value: "{{item}}"}]
          artifacts: [{name: data, from: "{{tasks.src.outputs.artifacts.out}}"}]
      - name: after
        depends: "fan.AnySucceeded || fan.AllFailed"
        template: work
        when: "{{tasks.fan.outputs.result}} == ok"
        withParam: "{{tasks.fan.outputs.parameters.v}}"
        arguments: {parameters: [{name: v, value: "{{item.name}}"}]}
  - name: work
    inputs:
      parameters: [{name: v, default: "1"}]
      artifacts: [{name: data, path: /tmp/in, optional: true}]
    outputs:
      parameters:
      - name: v
        valueFrom: {path: /tmp/v, default: none}
      artifacts: [{name: out, path: /tmp/out}]
    retryStrategy:
      limit: "4"
      retryPolicy: Always
      backoff: {duration: "2s", factor: 2, maxDuration: "1m"}
    activeDeadlineSeconds: 30
    container:
      image: alpine
      command: [sh, -c]
      args: ["echo {{inputs.parameters.v}}"]
      workingDir: /work
      resources: {limits: {cpu: 1}}
  - name: cleanup
    container: {image: alpine, command: ["true"]}
)");
  ASSERT_TRUE(wf) << wf.error().message();
  EXPECT_EQ(wf->on_exit, "cleanup");
  EXPECT_EQ(wf->parallelism, 3);
  EXPECT_EQ(wf->active_deadline, std::chrono::seconds(600));
  EXPECT_EQ(wf->arguments.parameters[0].value, "0.7");
  EXPECT_THAT(wf->arguments.parameters[1].enum_values, ElementsAre("fast", "slow"));

  const Template& main = wf->templates[0];
  EXPECT_EQ(main.parallelism, 2);
  EXPECT_EQ(main.fail_fast, false);
  const DagTask& fan = main.dag_tasks[0];
  ASSERT_EQ(fan.with_items.size(), 5u);
  EXPECT_EQ(fan.with_items[0], nlohmann::json(1));
  EXPECT_EQ(fan.with_items[1], nlohmann::json("two"));
  EXPECT_EQ(fan.with_items[2], nlohmann::json("3"));  // quoted: stays a string
  EXPECT_EQ(fan.with_items[3], (nlohmann::json{{"name", "x"}, {"size", 2}}));
  EXPECT_EQ(fan.with_items[4], nlohmann::json(true));
  EXPECT_TRUE(fan.continue_on.failed);
  EXPECT_TRUE(fan.continue_on.error);
  EXPECT_EQ(fan.on_exit, "cleanup");
  EXPECT_EQ(fan.arguments.artifacts[0].from, "{{tasks.src.outputs.artifacts.out}}");
  EXPECT_TRUE(fan.fans_out());
  const DagTask& after = main.dag_tasks[1];
  EXPECT_EQ(after.depends, "fan.AnySucceeded || fan.AllFailed");
  EXPECT_EQ(after.when, "{{tasks.fan.outputs.result}} == ok");
  EXPECT_EQ(after.with_param, "{{tasks.fan.outputs.parameters.v}}");

  const Template& work = wf->templates[1];
  EXPECT_EQ(work.inputs.parameters[0].default_value, "1");
  EXPECT_TRUE(work.inputs.artifacts[0].optional);
  EXPECT_EQ(work.outputs.parameters[0].value_from_path, "/tmp/v");
  EXPECT_EQ(work.outputs.parameters[0].default_value, "none");
  ASSERT_TRUE(work.retry_strategy.has_value());
  EXPECT_EQ(work.retry_strategy->limit, 4);
  EXPECT_EQ(work.retry_strategy->policy, RetryPolicy::kAlways);
  ASSERT_TRUE(work.retry_strategy->backoff.has_value());
  EXPECT_EQ(work.retry_strategy->backoff->duration, std::chrono::seconds(2));
  EXPECT_EQ(work.retry_strategy->backoff->factor, 2.0);
  EXPECT_EQ(work.retry_strategy->backoff->max_duration, std::chrono::minutes(1));
  EXPECT_EQ(work.active_deadline, std::chrono::seconds(30));
  EXPECT_THAT(work.container.command, ElementsAre("sh", "-c"));
  EXPECT_EQ(work.container.working_dir, "/work");

  std::vector<std::string> ignored;
  for (const IgnoredField& field : wf->ignored) ignored.push_back(field.path);
  EXPECT_THAT(ignored, ElementsAre("metadata.labels", "spec.templates[1].container.resources"));
}

struct BadInput {
  std::string name;
  std::string yaml;
  std::string message;  // expected substring, including file:line
};

void PrintTo(const BadInput& input, std::ostream* os) { *os << input.name; }

class YamlReaderRejects : public ::testing::TestWithParam<BadInput> {};

TEST_P(YamlReaderRejects, NamingFileLineAndField) {
  auto documents = parse_workflow_documents(GetParam().yaml, "bad.yaml");
  ASSERT_FALSE(documents);
  EXPECT_EQ(documents.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(documents.error().message(), HasSubstr(GetParam().message));
}

constexpr std::string_view kHead =
    "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\n";

std::string with_head(std::string_view spec) { return std::string(kHead) + std::string(spec); }

INSTANTIATE_TEST_SUITE_P(
    Cases, YamlReaderRejects,
    ::testing::Values(
        BadInput{"SyntaxError", with_head("spec:\n  templates: [a, b\n"),
                 "bad.yaml:6:1: YAML error"},
        BadInput{"ApiVersion", "apiVersion: v1\nkind: Workflow\n",
                 "bad.yaml:1: apiVersion: expected argoproj.io/v1alpha1, got 'v1'"},
        BadInput{"Kind", "apiVersion: argoproj.io/v1alpha1\nkind: ClusterWorkflowTemplate\n",
                 "bad.yaml:2: kind: expected Workflow, WorkflowTemplate or CronWorkflow, got "
                 "'ClusterWorkflowTemplate'"},
        BadInput{"MisspeltField",
                 with_head("spec:\n  entrypoint: a\n  templates:\n  - name: a\n    dag:\n      "
                           "tasks:\n      - name: x\n        template: a\n        dependecies: "
                           "[y]\n"),
                 "bad.yaml:12: spec.templates[0].dag.tasks[0].dependecies: unknown field"},
        BadInput{"Unsupported",
                 with_head("spec:\n  templates:\n  - name: a\n    container: {image: x}\n    "
                           "memoize: {key: k}\n"),
                 "bad.yaml:8: spec.templates[0].memoize: not supported"},
        BadInput{"WithSequence",
                 with_head("spec:\n  templates:\n  - name: a\n    steps:\n    - - name: s\n       "
                           " template: a\n        withSequence: {count: 3}\n"),
                 "spec.templates[0].steps[0][0].withSequence: not supported"},
        BadInput{"TwoBodies",
                 with_head("spec:\n  templates:\n  - name: a\n    container: {image: x}\n    "
                           "script: {image: x, source: y}\n"),
                 "bad.yaml:6: spec.templates[0]: template 'a' needs exactly one of"},
        BadInput{"NoBody", with_head("spec:\n  templates:\n  - name: a\n"),
                 "template 'a' needs exactly one of"},
        BadInput{"NoName", with_head("spec:\n  templates:\n  - container: {image: x}\n"),
                 "bad.yaml:6: spec.templates[0]: missing name"},
        BadInput{"NoImage", with_head("spec:\n  templates:\n  - name: a\n    container: {}\n"),
                 "spec.templates[0].container: missing image"},
        BadInput{"BadInteger", with_head("spec:\n  parallelism: many\n  templates: []\n"),
                 "spec.parallelism: expected an integer, got 'many'"},
        BadInput{"BadRetryPolicy",
                 with_head("spec:\n  templates:\n  - name: a\n    container: {image: x}\n    "
                           "retryStrategy: {retryPolicy: Sometimes}\n"),
                 "unknown retryPolicy 'Sometimes'"},
        BadInput{"BadBackoff",
                 with_head("spec:\n  templates:\n  - name: a\n    container: {image: x}\n    "
                           "retryStrategy: {backoff: {duration: soon}}\n"),
                 "spec.templates[0].retryStrategy.backoff.duration"},
        BadInput{"TemplatesNotAList", with_head("spec:\n  templates: {a: 1}\n"),
                 "bad.yaml:5: spec.templates: expected a list"},
        BadInput{"NoMetadataName",
                 "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {}\nspec: {}\n",
                 "metadata: needs name or generateName"},
        BadInput{"Empty", "# nothing\n", "bad.yaml: no documents"}),
    [](const auto& info) { return info.param.name; });

TEST(YamlReader, MissingFileIsNotFound) {
  auto documents = read_workflow_file("/nonexistent/workflow.yaml");
  ASSERT_FALSE(documents);
  EXPECT_EQ(documents.error().code(), ErrorCode::kNotFound);
}

TEST(YamlReader, AStrayCommaIsAnErrorNotAHang) {
  // Regression (fuzz_pipeline): yaml-cpp's LoadAll loops forever on these.
  for (const char* text : {", a", "[a]\n, x", "apiVersion: v\n---\n, x"}) {
    auto documents = parse_workflow_documents(text, "comma.yaml");
    ASSERT_FALSE(documents) << text;
    EXPECT_THAT(documents.error().message(), HasSubstr("comma.yaml:")) << text;
  }
}

}  // namespace
}  // namespace aiotops::pipeline
