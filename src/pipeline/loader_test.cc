#include "pipeline/loader.h"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/scratch_dir.h"

namespace aiotops::pipeline {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kWorkflow = R"(apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: local-lib}
spec:
  templates:
  - name: echo
    inputs: {parameters: [{name: text}]}
    container: {image: alpine, args: ["{{inputs.parameters.text}}"]}
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: demo-}
spec:
  entrypoint: main
  arguments:
    parameters:
    - {name: mode, value: fast, enum: [fast, slow]}
    - {name: site}
  templates:
  - name: main
    dag:
      tasks:
      - name: a
        templateRef: {name: local-lib, template: echo}
        arguments: {parameters: [{name: text, value: "{{workflow.parameters.site}}"}]}
      - name: b
        dependencies: [a]
        templateRef: {name: shared, template: noop}
)";

constexpr std::string_view kShared = R"(apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: shared}
spec:
  templates:
  - name: noop
    container: {image: alpine}
)";

class Loader : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directory(dir_ / "templates");
    std::ofstream(dir_ / "templates" / "shared.yaml") << kShared;
    std::ofstream(dir_ / "wf.yaml") << kWorkflow;
  }

  Result<LoadedWorkflow> load(std::vector<std::pair<std::string, std::string>> parameters,
                              bool with_templates = true) {
    LoadOptions options;
    if (with_templates) options.templates_dir = dir_ / "templates";
    options.parameters = std::move(parameters);
    return load_workflow(dir_ / "wf.yaml", options);
  }

  testing::ScratchDir dir_{"aiotops-loader"};
};

TEST_F(Loader, GathersTemplatesAppliesParametersAndValidates) {
  auto loaded = load({{"site", "plant-3"}, {"mode", "slow"}});
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_EQ(loaded->workflow.display_name(), "demo");
  EXPECT_EQ(loaded->workflow.arguments.find_parameter("site")->value, "plant-3");
  EXPECT_EQ(loaded->workflow.arguments.find_parameter("mode")->value, "slow");
  EXPECT_NE(loaded->library.find("local-lib"), nullptr);
  EXPECT_NE(loaded->library.find("shared"), nullptr);
  // Moving keeps the addresses the executor may hold.
  const Workflow* shared = loaded->library.find("shared");
  LoadedWorkflow moved = std::move(*loaded);
  EXPECT_EQ(moved.library.find("shared"), shared);
}

TEST_F(Loader, RejectsBadParameters) {
  auto missing = load({});
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message(), HasSubstr("workflow parameter 'site' has no value"));
  auto unknown = load({{"site", "x"}, {"colour", "red"}});
  ASSERT_FALSE(unknown);
  EXPECT_THAT(unknown.error().message(), HasSubstr("-p colour:"));
  auto not_allowed = load({{"site", "x"}, {"mode", "medium"}});
  ASSERT_FALSE(not_allowed);
  EXPECT_THAT(not_allowed.error().message(),
              HasSubstr("workflow parameter 'mode': 'medium' is not one of fast, slow"));
}

TEST_F(Loader, TemplateRefOutsideTheFileNeedsTheTemplatesDirectory) {
  auto loaded = load({{"site", "x"}}, false);
  ASSERT_FALSE(loaded);
  EXPECT_THAT(loaded.error().message(),
              HasSubstr("task 'b': templateRef names unknown WorkflowTemplate 'shared'"));
}

TEST_F(Loader, NeedsExactlyOneWorkflow) {
  std::ofstream(dir_ / "wf.yaml") << kShared;
  auto loaded = load({}, false);
  ASSERT_FALSE(loaded);
  EXPECT_THAT(loaded.error().message(), HasSubstr("expected one Workflow document, found 0"));
}

TEST_F(Loader, LoadsTheTalksDag) {
  auto loaded = load_workflow(
      std::filesystem::path(AIOTOPS_SOURCE_DIR) / "examples/kubecon-aiotdemo-dag.yaml", {});
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_EQ(loaded->workflow.templates.size(), 5u);
  EXPECT_TRUE(loaded->library.empty());
}

}  // namespace
}  // namespace aiotops::pipeline
