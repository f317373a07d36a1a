// `aiotops pipeline run | show --json | logs | list | retry` through the real binary, and Ctrl-C
// cancelling a run.

#include <signal.h>

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
    EXPECT_EQ(node.size(), 6u);
    for (const char* key :
         {"name", "displayName", "templateName", "phase", "exitCode", "outputs"}) {
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

TEST_F(PipelineCliTest, MalformedInputExitsTwoNamingFileAndLine) {
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
          - {name: a, template: nowhere}
)"));
  auto ran = cli(fmt::format("run {} --host-exec {}", bad.string(), state()));
  EXPECT_EQ(ran.exit_code, 2);
  EXPECT_THAT(ran.err, HasSubstr(bad.string() + ":10"));
  EXPECT_THAT(ran.err, HasSubstr("nowhere"));
  EXPECT_EQ(ran.out, "");
}

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

}  // namespace
}  // namespace aiotops
