// `aiotops pipeline run | show --json | logs | list | retry` through the real binary, and Ctrl-C
// cancelling a run.

#include <signal.h>

#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/files.h"
#include "support/child_process.h"
#include "support/scratch_dir.h"

namespace aiotops {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::ScratchDir;

const std::string kBinary = AIOTOPS_BINARY;
const fs::path kTestdata = fs::path(AIOTOPS_SOURCE_DIR) / "src/pipeline/testdata";

class PipelineCliTest : public ::testing::Test {
 protected:
  testing::CliOutcome cli(const std::string& arguments) {
    return testing::run_cli(kBinary, "pipeline " + arguments, scratch_, std::chrono::seconds(120));
  }
  std::string state() const { return "--state-dir " + (scratch_ / "state").string(); }
  // The run id: the first line run prints.
  static std::string run_id(const testing::CliOutcome& outcome) {
    return outcome.out.substr(0, outcome.out.find('\n'));
  }

  ScratchDir scratch_;
};

TEST_F(PipelineCliTest, RunShowJsonAndLogs) {
  auto ran =
      cli(fmt::format("run {} --host-exec {}", (kTestdata / "outputs.yaml").string(), state()));
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const std::string id = run_id(ran);
  EXPECT_THAT(id, ::testing::StartsWith("outputs-"));
  EXPECT_THAT(ran.err, HasSubstr("Running   make ("));
  EXPECT_THAT(ran.err, HasSubstr("Succeeded read ("));

  auto shown = cli(fmt::format("show {} --json {}", id, state()));
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  auto doc = nlohmann::json::parse(shown.out);
  EXPECT_EQ(doc["id"], id);
  EXPECT_EQ(doc["phase"], "Succeeded");
  bool found = false;
  for (const auto& node : doc["nodes"]) {
    EXPECT_EQ(node.size(), 10u);
    for (const char* key : {"name", "displayName", "templateName", "type", "phase", "message",
                            "startedAt", "finishedAt", "exitCode", "outputs"}) {
      EXPECT_TRUE(node.contains(key)) << key;
    }
    if (node["displayName"] == "read") {
      found = true;
      EXPECT_EQ(node["exitCode"], 0);
      EXPECT_EQ(node["outputs"]["result"], "param stdout payload");
    }
  }
  EXPECT_TRUE(found) << shown.out;

  auto logs = cli(fmt::format("logs {} read {}", id, state()));
  ASSERT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_EQ(logs.out, "param stdout payload\n");

  auto listed = cli("list " + state());
  EXPECT_THAT(listed.out, HasSubstr(id));
}

TEST_F(PipelineCliTest, FailedRunExitsOneAndRetryResumes) {
  const std::string dir = scratch_.path().string();
  auto ran = cli(fmt::format("run {} --host-exec -p dir={} {}",
                             (kTestdata / "resume.yaml").string(), dir, state()));
  EXPECT_EQ(ran.exit_code, 1) << ran.err;
  const std::string id = run_id(ran);
  ASSERT_TRUE(write_file_atomic(scratch_ / "fixed", ""));
  auto retried = cli(fmt::format("retry {} --host-exec {}", id, state()));
  EXPECT_EQ(retried.exit_code, 0) << retried.err;
  EXPECT_EQ(read_file(scratch_ / "log").value_or(""), "first\n");
  auto shown = cli(fmt::format("show {} --json {}", id, state()));
  EXPECT_EQ(nlohmann::json::parse(shown.out)["phase"], "Succeeded");
}

TEST_F(PipelineCliTest, RetryAttemptsAreNodesWithTheirOwnLogs) {
  const std::string dir = scratch_.path().string();
  auto ran = cli(fmt::format("run {} --host-exec -p dir={} {}",
                             (kTestdata / "retry_attempts.yaml").string(), dir, state()));
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  const std::string id = run_id(ran);
  auto shown = cli(fmt::format("show {} --json {}", id, state()));
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  std::map<std::string, nlohmann::json> nodes;
  const auto document = nlohmann::json::parse(shown.out);
  for (const auto& node : document["nodes"]) nodes[node["displayName"].get<std::string>()] = node;
  EXPECT_EQ(nodes["flaky"]["type"], "Retry");
  EXPECT_EQ(nodes["flaky"]["phase"], "Succeeded");
  EXPECT_EQ(nodes["flaky"]["outputs"]["result"], "attempt 3");
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto& node = nodes[fmt::format("flaky({})", attempt)];
    EXPECT_EQ(node["type"], "Pod") << shown.out;
    EXPECT_EQ(node["phase"], attempt < 2 ? "Failed" : "Succeeded");
    EXPECT_EQ(node["exitCode"], attempt < 2 ? 1 : 0);
    EXPECT_TRUE(node["startedAt"].is_number() && node["finishedAt"].is_number());
    auto logs = cli(fmt::format("logs {} 'flaky({})' {}", id, attempt, state()));
    EXPECT_EQ(logs.exit_code, 0) << logs.err;
    EXPECT_EQ(logs.out, fmt::format("attempt {}\n", attempt + 1));
  }
  EXPECT_FALSE(nodes.contains("flaky(3)"));
}

// templateRef into --templates DIR; the fields that mean nothing locally are listed once, each
// with its file and line, before the run starts.
TEST_F(PipelineCliTest, TemplatesDirResolvesTemplateRefsAndIgnoredFieldsAreListedOnce) {
  const fs::path workflow = kTestdata / "template_ref.yaml";
  auto ran = cli(fmt::format("run {} --host-exec --templates {} {}", workflow.string(),
                             (kTestdata / "templates").string(), state()));
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  auto logs = cli(fmt::format("logs {} hello {}", run_id(ran), state()));
  EXPECT_EQ(logs.out, "hi\n") << logs.err;
  const std::string listed = "ignored locally (kept for export): ";
  ASSERT_THAT(ran.err, HasSubstr(listed));
  EXPECT_EQ(ran.err.find(listed), ran.err.rfind(listed));
  EXPECT_THAT(ran.err, HasSubstr(fmt::format("spec.serviceAccountName ({}:9)", workflow.string())));

  auto without = cli(fmt::format("run {} --host-exec {}", workflow.string(), state()));
  EXPECT_EQ(without.exit_code, 2) << without.err;
  EXPECT_THAT(without.err, HasSubstr("shared"));
}

// Each kind of malformed input: exit 2 before anything runs (no run is recorded), naming the
// file, the line and what is wrong.
struct Malformed {
  std::string name;
  std::string tasks;  // the main DAG's tasks, from line 10 of the file
  std::string message;
};

class MalformedInputTest : public PipelineCliTest,
                           public ::testing::WithParamInterface<Malformed> {};

TEST_P(MalformedInputTest, ExitsTwoBeforeAnythingRunsNamingFileLineAndName) {
  const fs::path bad = scratch_ / "bad.yaml";
  ASSERT_TRUE(write_file_atomic(bad, R"(apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: bad}
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
)" + GetParam().tasks + R"(    - name: leaf
      container: {image: alpine:3.19, command: [echo, hi]}
)"));
  auto ran = cli(fmt::format("run {} --host-exec {}", bad.string(), state()));
  EXPECT_EQ(ran.exit_code, 2) << ran.err;
  EXPECT_THAT(ran.err, HasSubstr(bad.string() + ":" + GetParam().message)) << ran.err;
  EXPECT_EQ(ran.out, "");
  EXPECT_EQ(cli("list " + state()).out, "");
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, MalformedInputTest,
    ::testing::Values(
        Malformed{"YamlSyntax", "          - {name: a, template: leaf\n", "11:11: YAML error"},
        Malformed{"UnknownTemplate", "          - {name: a, template: lef}\n",
                  "10: task 'a': unknown template 'lef'"},
        Malformed{"DependencyCycle",
                  "          - {name: a, template: leaf, dependencies: [b]}\n"
                  "          - {name: b, template: leaf, dependencies: [a]}\n",
                  "10: template 'main': dependency cycle a -> b -> a"},
        Malformed{"UndefinedParameter",
                  "          - {name: a, template: leaf, when: '{{workflow.parameters.nope}}'}\n",
                  "10: task 'a': '{{workflow.parameters.nope}}': the workflow declares no "
                  "parameter 'nope'"},
        Malformed{"DependsSyntax",
                  "          - {name: a, template: leaf}\n"
                  "          - {name: b, template: leaf, depends: 'a &&'}\n",
                  "11: task 'b': depends 'a &&': column 5: expected a task name"}),
    [](const auto& info) { return info.param.name; });

TEST_F(PipelineCliTest, HostImagesWithoutHostExecExitTwoNamingTheImage) {
  auto ran = cli(fmt::format("run {} {}", (kTestdata / "continue_on.yaml").string(), state()));
  EXPECT_EQ(ran.exit_code, 2);
  EXPECT_THAT(ran.err, HasSubstr("image 'alpine:3.19'"));
}

TEST_F(PipelineCliTest, CtrlCCancelsTheRunAndRecordsIt) {
  auto child = testing::ChildProcess::spawn({kBinary, "pipeline", "run",
                                             (kTestdata / "sleeper.yaml").string(), "--host-exec",
                                             "--state-dir", (scratch_ / "state").string()});
  ASSERT_TRUE(child) << child.error().message();
  ASSERT_TRUE((*child)->wait_for_line("Running   nap", std::chrono::seconds(60)))
      << (*child)->describe();
  ASSERT_TRUE((*child)->signal(SIGINT));
  auto status = (*child)->wait(std::chrono::seconds(60));
  ASSERT_TRUE(status) << (*child)->describe();
  EXPECT_EQ(status->code, 1);
  const std::string id = (*child)->out().substr(0, (*child)->out().find('\n'));
  auto shown = cli(fmt::format("show {} {}", id, state()));
  EXPECT_THAT(shown.out, HasSubstr("Failed: cancelled"));
}

// The first Ctrl-C stops the run as `argo stop` does: the exit handlers still run.
TEST_F(PipelineCliTest, CtrlCRunsTheExitHandlers) {
  const fs::path log = scratch_ / "log";
  auto child = testing::ChildProcess::spawn(
      {kBinary, "pipeline", "run", (kTestdata / "stop_exit_handlers.yaml").string(), "--host-exec",
       "-p", "log=" + log.string(), "--state-dir", (scratch_ / "state").string()});
  ASSERT_TRUE(child) << child.error().message();
  ASSERT_TRUE((*child)->wait_for_line("Running   nap", std::chrono::seconds(60)))
      << (*child)->describe();
  ASSERT_TRUE((*child)->signal(SIGINT));
  auto status = (*child)->wait(std::chrono::seconds(60));
  ASSERT_TRUE(status) << (*child)->describe();
  EXPECT_EQ(status->code, 1);
  EXPECT_EQ(read_file(log).value_or(""), "cleanup\nfinally Failed\n");
}

}  // namespace
}  // namespace aiotops
