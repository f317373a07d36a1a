// CronWorkflow documents through the YAML reader: the cron options, workflowSpec as the
// Workflow, and errors with the file and line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline/yaml_reader.h"

namespace aiotops::pipeline {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kCron = R"(apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: nightly
  labels: {team: ml}
spec:
  schedules:
    - "0 2 * * *"
    - "@hourly"
  timezone: Europe/Berlin
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: 300
  suspend: true
  successfulJobsHistoryLimit: 5
  failedJobsHistoryLimit: 0
  workflowMetadata: {labels: {kind: cron}}
  workflowSpec:
    entrypoint: main
    arguments:
      parameters: [{name: dataset, value: motors}]
    templates:
      - name: main
        container: {image: alpine, command: [sh, -c, "echo hi"]}
)";

TEST(YamlReaderCron, ReadsTheCronOptionsAndTheWorkflowSpec) {
  auto documents = parse_workflow_documents(kCron, "cron.yaml");
  ASSERT_TRUE(documents) << documents.error().message();
  ASSERT_EQ(documents->size(), 1u);
  const Workflow& wf = documents->front();
  EXPECT_EQ(wf.kind, DocumentKind::kWorkflow);
  EXPECT_EQ(wf.name, "nightly");
  EXPECT_EQ(wf.entrypoint, "main");
  ASSERT_EQ(wf.arguments.parameters.size(), 1u);
  ASSERT_TRUE(wf.cron);
  const CronOptions& cron = *wf.cron;
  ASSERT_EQ(cron.schedules.size(), 2u);
  EXPECT_EQ(cron.schedules[0].text, "0 2 * * *");
  EXPECT_EQ(cron.schedules[0].location.line, 8);
  EXPECT_EQ(cron.schedules[1].text, "@hourly");
  EXPECT_EQ(cron.timezone, "Europe/Berlin");
  EXPECT_EQ(cron.timezone_location.line, 10);
  EXPECT_EQ(cron.concurrency_policy, ConcurrencyPolicy::kForbid);
  EXPECT_EQ(cron.starting_deadline, std::chrono::seconds(300));
  EXPECT_TRUE(cron.suspend);
  EXPECT_EQ(cron.successful_jobs_history_limit, 5);
  EXPECT_EQ(cron.failed_jobs_history_limit, 0);
}

TEST(YamlReaderCron, TheSingularScheduleAndArgosDefaults) {
  auto documents = parse_workflow_documents(R"(apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata: {name: c}
spec:
  schedule: "*/5 * * * *"
  workflowSpec:
    entrypoint: main
    templates: [{name: main, container: {image: alpine}}]
)",
                                            "one.yaml");
  ASSERT_TRUE(documents) << documents.error().message();
  const CronOptions& cron = *documents->front().cron;
  ASSERT_EQ(cron.schedules.size(), 1u);
  EXPECT_EQ(cron.schedules[0].text, "*/5 * * * *");
  EXPECT_EQ(cron.schedules[0].location.line, 5);
  EXPECT_EQ(cron.concurrency_policy, ConcurrencyPolicy::kAllow);
  EXPECT_FALSE(cron.starting_deadline);
  EXPECT_FALSE(cron.suspend);
  EXPECT_EQ(cron.successful_jobs_history_limit, 3);
  EXPECT_EQ(cron.failed_jobs_history_limit, 1);
  EXPECT_TRUE(cron.timezone.empty());
}

struct BadCron {
  const char* name;
  std::string spec;  // the lines under "spec:"
  const char* message;
};

class YamlReaderCronRejects : public ::testing::TestWithParam<BadCron> {};

TEST_P(YamlReaderCronRejects, NamingFileLineAndField) {
  const std::string text =
      "apiVersion: argoproj.io/v1alpha1\nkind: CronWorkflow\n"
      "metadata: {name: c}\nspec:\n" +
      GetParam().spec;
  auto documents = parse_workflow_documents(text, "bad.yaml");
  ASSERT_FALSE(documents);
  EXPECT_EQ(documents.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(documents.error().message(), HasSubstr(GetParam().message));
}

constexpr const char* kSpec =
    "  workflowSpec:\n    entrypoint: m\n    templates: [{name: m, container: {image: a}}]\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, YamlReaderCronRejects,
    ::testing::Values(
        BadCron{"NoSchedule", kSpec, "bad.yaml:5: spec.schedules: needs at least one schedule"},
        BadCron{"Both", std::string("  schedule: '* * * * *'\n  schedules: ['@daily']\n") + kSpec,
                "set schedules or schedule, not both"},
        BadCron{"Policy",
                std::string("  schedules: ['@daily']\n  concurrencyPolicy: Never\n") + kSpec,
                "bad.yaml:5: spec.concurrencyPolicy: unknown concurrencyPolicy 'Never'"},
        BadCron{"NoWorkflowSpec", "  schedules: ['@daily']\n", "spec.workflowSpec is missing"},
        BadCron{"Unknown",
                std::string("  schedules: ['@daily']\n  sucessfulJobsHistoryLimit: 1\n") + kSpec,
                "bad.yaml:6: spec.sucessfulJobsHistoryLimit: unknown field"},
        BadCron{"StopStrategy",
                std::string("  schedules: ['@daily']\n  stopStrategy: {expression: x}\n") + kSpec,
                "not supported"},
        BadCron{"NegativeLimit",
                std::string("  schedules: ['@daily']\n  failedJobsHistoryLimit: -1\n") + kSpec,
                "failedJobsHistoryLimit: -1 is out of range"},
        BadCron{
            "InsideTheSpec",
            "  schedules: ['@daily']\n  workflowSpec:\n    entrypoint: m\n    retryStrategy: {}\n"
            "    templates: [{name: m, container: {image: a}}]\n",
            "spec.workflowSpec.retryStrategy"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace aiotops::pipeline
