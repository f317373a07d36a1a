// aiotops pipeline export against Argo's API: the exported Workflow and CronWorkflow documents
// must validate against the Argo Workflows v4 API types (argoproj.io/v1alpha1, from the npm
// package @kubernetes-models/argo-workflows 2.0.0, generated from argo-workflows'
// pkg/apis/workflow/v1alpha1), read back by js-yaml 4.1.0. No cluster is needed: the validators
// run under Node.js (tests/argo_schema/validate.mjs; scripts/deps.sh installs them).

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_run.h"
#include "common/files.h"
#include "support/scratch_dir.h"

namespace aiotops {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::run_cli;
using testing::ScratchDir;

// Every construct of the Argo subset aiotops runs, plus the aiotops-only `.Completed`.
constexpr std::string_view kFeatures = R"(apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: features-
  labels: {app: aiotops}
spec:
  entrypoint: main
  arguments:
    parameters: [{name: n, value: "3"}]
  onExit: bye
  parallelism: 2
  activeDeadlineSeconds: 600
  serviceAccountName: pipeline
  templates:
    - name: main
      dag:
        failFast: false
        tasks:
          - name: a
            template: echo
            arguments: {parameters: [{name: m, value: "{{workflow.parameters.n}}"}]}
          - name: b
            depends: "a.Succeeded || a.Failed"
            template: echo
            arguments: {parameters: [{name: m, value: "{{item.x}}"}]}
            withItems: [{x: 1}, {x: "two"}]
            continueOn: {failed: true}
          - name: c
            depends: "b.AnySucceeded && a.Completed"
            when: "{{tasks.a.outputs.result}} == hi"
            template: steps
          - name: train
            dependencies: [c]
            template: train
            onExit: bye
          - name: shared
            dependencies: [c]
            templateRef: {name: library, template: hello}
    - name: steps
      steps:
        - - {name: s1, template: echo, arguments: {parameters: [{name: m, value: x}]}}
        - - name: s2
            template: echo
            withParam: "[1, 2]"
            arguments: {parameters: [{name: m, value: "{{item}}"}]}
    - name: echo
      inputs: {parameters: [{name: m, default: d}]}
      outputs: {parameters: [{name: o, valueFrom: {path: /tmp/o, default: z}}]}
      retryStrategy: {limit: "2", retryPolicy: Always, backoff: {duration: 1s, factor: 2, maxDuration: 1m}}
      activeDeadlineSeconds: 30
      script:
        image: alpine:3.19
        command: [sh]
        source: |
          echo "{{inputs.parameters.m}}" > /tmp/o
          echo hi
        resources: {limits: {cpu: 500m}}
    - name: train
      container:
        image: registry.local:5000/training-module:v1
        args: ["--epochs", "3"]
      tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
    - name: bye
      container: {image: alpine:3.19, args: ["{{workflow.status}}"]}
---
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: library}
spec:
  templates:
    - name: hello
      container: {image: registry.local:5000/quantize-module:v1}
)";

class PipelineExport : public ::testing::Test {
 protected:
  // Runs the Argo validators on `file`; their output names each document or its errors.
  testing::CliOutcome validate(const std::filesystem::path& file) {
    const char* dir = std::getenv("AIOTOPS_ARGO_SCHEMA_DIR");
    const char* home = std::getenv("HOME");
    const std::filesystem::path modules =
        dir != nullptr
            ? std::filesystem::path(dir)
            : std::filesystem::path(home != nullptr ? home : "") / ".cache/aiotops/argo-schema";
    EXPECT_TRUE(std::filesystem::exists(modules / "node_modules/@kubernetes-models/argo-workflows"))
        << modules << " has no Argo validators: run scripts/deps.sh";
    return run_cli("node",
                   fmt::format("{}/tests/argo_schema/validate.mjs {} {}", AIOTOPS_SOURCE_DIR,
                               modules.string(), file.string()),
                   scratch_);
  }

  testing::CliOutcome aiotops(const std::string& arguments) {
    return run_cli(AIOTOPS_BINARY, arguments, scratch_);
  }

  ScratchDir scratch_{"pipeline-export"};
};

TEST_F(PipelineExport, TheTalksDagValidatesAgainstArgoWorkflowsV4Api) {
  const auto out = scratch_ / "kubecon.yaml";
  auto exported = aiotops(fmt::format("pipeline export {}/examples/kubecon-aiotdemo-dag.yaml -o {}",
                                      AIOTOPS_SOURCE_DIR, out.string()));
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  auto checked = validate(out);
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_THAT(checked.out, HasSubstr("ok Workflow kubecon-aiotdemo-dag-"));
  const std::string text = read_file(out).value_or("");
  EXPECT_THAT(text, HasSubstr("command:\n          - aiotops\n          - train"));
  EXPECT_THAT(text, HasSubstr("gpuAccelerator: \"true\""));
  EXPECT_THAT(text, HasSubstr("kubernetes.io/hostname: kubecon-aiot-control-node"));
  EXPECT_THAT(text, Not(HasSubstr("nip.io:5000/training-module")));
}

TEST_F(PipelineExport, EveryConstructValidatesAsWorkflowAndCronWorkflow) {
  const auto in = scratch_ / "features.yaml";
  ASSERT_TRUE(write_file_atomic(in, kFeatures));
  const auto workflow = scratch_ / "workflow.yaml";
  auto exported = aiotops(fmt::format("pipeline export {} --image example.org/aiotops:9 -o {}",
                                      in.string(), workflow.string()));
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  auto checked = validate(workflow);
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_THAT(checked.out, HasSubstr("ok Workflow features-"));
  EXPECT_THAT(checked.out, HasSubstr("ok WorkflowTemplate library"));
  EXPECT_THAT(read_file(workflow).value_or(""),
              HasSubstr("(a.Succeeded || a.Failed || a.Errored)"));

  auto cron = aiotops(fmt::format("pipeline export {} --cron '*/30 * * * *'", in.string()));
  ASSERT_EQ(cron.exit_code, 0) << cron.err;
  const auto cron_file = scratch_ / "cron.yaml";
  ASSERT_TRUE(write_file_atomic(cron_file, cron.out));
  checked = validate(cron_file);
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_THAT(checked.out, HasSubstr("ok CronWorkflow features"));
}

TEST_F(PipelineExport, TheValidatorsRejectWhatArgoWouldReject) {
  // The check is only worth something if it can fail: a nodeSelector value that is a boolean
  // and a command that is not a list.
  const auto bad = scratch_ / "bad.yaml";
  ASSERT_TRUE(write_file_atomic(bad, R"(apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: bad-}
spec:
  entrypoint: a
  templates:
    - name: a
      container: {name: main, image: alpine, command: echo}
      nodeSelector: {gpuAccelerator: true}
)"));
  auto checked = validate(bad);
  EXPECT_EQ(checked.exit_code, 1) << checked.out << checked.err;
  EXPECT_THAT(checked.out, HasSubstr("nodeSelector/gpuAccelerator must be string"));
  EXPECT_THAT(checked.out, HasSubstr("command must be array"));
}

TEST_F(PipelineExport, MalformedInputIsRefusedBeforeAnythingIsWritten) {
  const auto in = scratch_ / "cycle.yaml";
  ASSERT_TRUE(write_file_atomic(in, R"(apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: cycle}
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - {name: a, template: t, dependencies: [b]}
          - {name: b, template: t, dependencies: [a]}
    - name: t
      container: {image: alpine}
)"));
  const auto out = scratch_ / "out.yaml";
  auto exported = aiotops(fmt::format("pipeline export {} -o {}", in.string(), out.string()));
  EXPECT_EQ(exported.exit_code, 2);
  EXPECT_THAT(exported.err, HasSubstr("cycle"));
  EXPECT_FALSE(std::filesystem::exists(out));

  const auto placement = scratch_ / "placement.yaml";
  ASSERT_TRUE(write_file_atomic(placement, "deploy: {}\n"));
  exported =
      aiotops(fmt::format("pipeline export {}/examples/kubecon-aiotdemo-dag.yaml "
                          "--placement {}",
                          AIOTOPS_SOURCE_DIR, placement.string()));
  EXPECT_EQ(exported.exit_code, 2);
  EXPECT_THAT(exported.err, HasSubstr("placement.yaml:1"));
}

}  // namespace
}  // namespace aiotops
