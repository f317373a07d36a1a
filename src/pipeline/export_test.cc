#include "pipeline/export.h"

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "common/files.h"
#include "pipeline/export_yaml.h"
#include "pipeline/yaml_reader.h"

namespace aiotops::pipeline {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kWorkflow = R"(apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: demo-
  labels: {team: "on"}
spec:
  entrypoint: main
  serviceAccountName: runner
  templates:
    - name: main
      dag:
        tasks:
          - {name: train, template: train}
          - {name: report, template: shell, depends: "train.Completed && !train.Failed"}
    - name: train
      container:
        image: registry.local:5000/training-module:latest
        args: ["--epochs", "3"]
        env: [{name: MODEL_REGISTRY_URL, value: "http://r:30007/uploadModel"}]
        securityContext: {privileged: true}
      nodeSelector:
        kubernetes.io/hostname: "jetson"
    - name: shell
      script:
        image: alpine:3.19
        command: [sh]
        source: |
          echo one
          echo "two"
)";

nlohmann::ordered_json export_one(std::string_view text, const ExportOptions& options) {
  auto documents = parse_workflow_documents(text, "demo.yaml");
  EXPECT_TRUE(documents) << documents.error().message();
  auto exported = export_documents(*documents, options);
  EXPECT_TRUE(exported) << exported.error().message();
  return yaml_to_json(YAML::Load(*exported));
}

TEST(Export, BuiltinStepRunsTheAiotopsImageOnItsPlacement) {
  ExportOptions options;
  options.image = "ghcr.io/aiotops/aiotops:1.2.3";
  const auto exported = export_one(kWorkflow, options);
  const auto& train = exported["spec"]["templates"][1];
  EXPECT_EQ(train["container"]["image"], "ghcr.io/aiotops/aiotops:1.2.3");
  EXPECT_EQ(train["container"]["command"], nlohmann::ordered_json::array({"aiotops", "train"}));
  EXPECT_EQ(train["container"]["args"], nlohmann::ordered_json::array({"--epochs", "3"}));
  EXPECT_EQ(train["container"]["name"], "main");
  // The file's own nodeSelector stays; the step's default is added as a string, not a bool.
  EXPECT_EQ(train["nodeSelector"]["kubernetes.io/hostname"], "jetson");
  EXPECT_EQ(train["nodeSelector"]["gpuAccelerator"], "true");
  EXPECT_FALSE(train.contains("tolerations"));
}

TEST(Export, KubernetesOnlyFieldsAreWrittenBackVerbatim) {
  const auto exported = export_one(kWorkflow, ExportOptions());
  EXPECT_EQ(exported["kind"], "Workflow");
  EXPECT_EQ(exported["metadata"]["generateName"], "demo-");
  EXPECT_EQ(exported["metadata"]["labels"]["team"], "on");
  EXPECT_EQ(exported["spec"]["serviceAccountName"], "runner");
  const auto& train = exported["spec"]["templates"][1]["container"];
  EXPECT_EQ(train["securityContext"]["privileged"], true);
  EXPECT_EQ(train["env"][0]["value"], "http://r:30007/uploadModel");
  const auto& shell = exported["spec"]["templates"][2]["script"];
  EXPECT_EQ(shell["image"], "alpine:3.19");
  EXPECT_EQ(shell["source"], "echo one\necho \"two\"\n");
}

TEST(Export, CompletedIsSpeltOutInArgoSyntax) {
  const auto exported = export_one(kWorkflow, ExportOptions());
  EXPECT_EQ(exported["spec"]["templates"][0]["dag"]["tasks"][1]["depends"],
            "(train.Succeeded || train.Failed || train.Errored) && !train.Failed");
  EXPECT_EQ(argo_depends("a-1.Completed||(b_2.Completed)"),
            "(a-1.Succeeded || a-1.Failed || a-1.Errored)||((b_2.Succeeded || b_2.Failed || "
            "b_2.Errored))");
  EXPECT_EQ(argo_depends("a.Succeeded && b"), "a.Succeeded && b");
}

TEST(Export, CronScheduleMakesACronWorkflow) {
  ExportOptions options;
  options.cron_schedule = "0 3 * * *";
  const auto exported = export_one(kWorkflow, options);
  EXPECT_EQ(exported["kind"], "CronWorkflow");
  EXPECT_EQ(exported["metadata"]["name"], "demo");
  EXPECT_FALSE(exported["metadata"].contains("generateName"));
  EXPECT_EQ(exported["metadata"]["labels"]["team"], "on");
  EXPECT_EQ(exported["spec"]["schedules"], nlohmann::ordered_json::array({"0 3 * * *"}));
  EXPECT_EQ(exported["spec"]["workflowSpec"]["entrypoint"], "main");
}

TEST(Export, PlacementFileReplacesTheDefaults) {
  ExportOptions options;
  ASSERT_TRUE(read_placements(R"(train: {}
quantize:
  nodeSelector: {arch: arm64, "on": "yes"}
  tolerations: [{key: edge, operator: Exists, effect: NoSchedule}]
)",
                              "placement.yaml", options.placements));
  auto exported = export_one(R"(apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: q}
spec:
  entrypoint: q
  templates:
    - name: q
      container: {image: quantize-module}
      tolerations: [{key: edge, operator: Exists, effect: NoSchedule}]
    - name: t
      container: {image: training-module}
)",
                             options);
  const auto& quantize = exported["spec"]["templates"][0];
  EXPECT_EQ(quantize["nodeSelector"]["arch"], "arm64");
  EXPECT_EQ(quantize["nodeSelector"]["on"], "yes");
  EXPECT_EQ(quantize["tolerations"].size(), 1u);  // already there: not added twice
  EXPECT_FALSE(exported["spec"]["templates"][1].contains("nodeSelector"));
}

TEST(Export, PlacementFileErrorsNameTheLine) {
  Placements placements;
  auto status = read_placements("deploy:\n  nodeSelector: {a: b}\n", "p.yaml", placements);
  ASSERT_FALSE(status);
  EXPECT_THAT(status.error().message(), HasSubstr("p.yaml:1"));
  EXPECT_THAT(status.error().message(), HasSubstr("not a built-in step"));
  status = read_placements("train:\n  nodeSelectr: {a: b}\n", "p.yaml", placements);
  ASSERT_FALSE(status);
  EXPECT_THAT(status.error().message(), HasSubstr("nodeSelectr"));
}

TEST(Export, ABuiltinImageInAScriptIsRefused) {
  auto documents = parse_workflow_documents(R"(apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: s}
spec:
  entrypoint: s
  templates:
    - name: s
      script: {image: training-module, source: "true"}
)",
                                            "s.yaml");
  ASSERT_TRUE(documents);
  auto exported = export_documents(*documents, ExportOptions());
  ASSERT_FALSE(exported);
  EXPECT_THAT(exported.error().message(), HasSubstr("s.yaml:7"));
  EXPECT_THAT(exported.error().message(), HasSubstr("'train'"));
}

TEST(Export, QuotedScalarsOfTheSourceStayStrings) {
  // Regression: the kept source was YAML::Dump's text, which writes "true" and "3" unquoted.
  auto documents = parse_workflow_documents(R"(apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: q}
spec:
  entrypoint: t
  arguments: {parameters: [{name: n, value: "3"}]}
  templates:
    - name: t
      container: {image: alpine}
      nodeSelector: {gpuAccelerator: "true", zone: "null"}
)",
                                            "q.yaml");
  ASSERT_TRUE(documents);
  const auto kept = yaml_to_json(YAML::Load(documents->front().source_yaml));
  EXPECT_EQ(kept["spec"]["arguments"]["parameters"][0]["value"], "3");
  EXPECT_EQ(kept["spec"]["templates"][0]["nodeSelector"]["gpuAccelerator"], "true");
  EXPECT_EQ(kept["spec"]["templates"][0]["nodeSelector"]["zone"], "null");
}

TEST(ExportYaml, ARepeatedKeyKeepsTheValueTheReaderSaw) {
  // Regression (fuzz_pipeline): the last value won, so the kept source read back differently.
  auto documents = parse_workflow_documents(R"(apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: first}
spec:
  entrypoint: t
  templates: [{name: t, container: {image: alpine}}]
metadata: {name: second}
spec: {bogus: 1}
)",
                                            "twice.yaml");
  ASSERT_TRUE(documents) << documents.error().message();
  auto again = parse_workflow_documents(documents->front().source_yaml, "twice.yaml");
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->front().name, "first");
}

TEST(ExportYaml, AKeyLongOnceEscapedIsWrittenAsAnExplicitKey) {
  // Regression (fuzz_pipeline): a kept field's key of 300 NUL bytes, 600 characters in the file
  // ("\0" each), was written back as an implicit key of 1202 ("\x00" each), past YAML's limit
  // of 1024, so the kept source no longer read back.
  std::string key;
  for (int i = 0; i < 300; ++i) key += "\\0";
  auto documents = parse_workflow_documents(
      "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: w\n  labels: {\"" +
          key + "\": x}\nspec:\n  entrypoint: t\n  templates: [{name: t, container: {image: a}}]\n",
      "long.yaml");
  ASSERT_TRUE(documents) << documents.error().message();
  auto again = parse_workflow_documents(documents->front().source_yaml, "long.yaml");
  ASSERT_TRUE(again) << again.error().message();
  const auto labels = yaml_to_json(YAML::Load(again->front().source_yaml))["metadata"]["labels"];
  ASSERT_EQ(labels.size(), 1u);
  EXPECT_EQ(labels.begin().key(), std::string(300, '\0'));
  EXPECT_EQ(labels.begin().value(), "x");
}

TEST(ExportYaml, TheFuzzersLongKeyInputReadsBack) {
  // The input fuzz_pipeline found (a withItems key with NUL and invalid UTF-8 bytes).
  auto text = read_file(std::filesystem::path(AIOTOPS_SOURCE_DIR) /
                        "src/pipeline/testdata/fuzz_long_key.yaml");
  ASSERT_TRUE(text) << text.error().message();
  auto documents = parse_workflow_documents(*text, "fuzz.yaml");
  ASSERT_TRUE(documents) << documents.error().message();
  auto again = parse_workflow_documents(documents->front().source_yaml, "fuzz.yaml");
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->front().templates.size(), documents->front().templates.size());
}

TEST(ExportYaml, StringsThatLookLikeOtherTypesStayStrings) {
  nlohmann::ordered_json value = {{"a", "true"}, {"b", "on"}, {"c", "1.5"}, {"d", ""},
                                  {"e", "-x"},   {"f", 2},    {"g", false}, {"h", nullptr}};
  EXPECT_EQ(yaml_to_json(YAML::Load(json_to_yaml(value))), value);
}

}  // namespace
}  // namespace aiotops::pipeline
