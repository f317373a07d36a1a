// `aiotops pipeline schedule` as an operator runs it: an @every 1s CronWorkflow of host
// commands whose runs appear in `pipeline list` and are pruned by its history limit; SIGTERM
// cancels a running run and records it; train-model commands from a real Mosquitto broker start
// the training workflow once per cool-down, also across a restart. Every wait polls an
// observable (a log line, the run list) with a deadline; nothing asserts on timing.
#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_run.h"
#include "common/files.h"
#include "support/child_process.h"
#include "support/eventually.h"
#include "support/mosquitto_broker.h"
#include "support/scratch_dir.h"

namespace aiotops {
namespace {

using testing::ChildProcess;
using ::testing::HasSubstr;
using testing::ScratchDir;

const std::string kBinary = AIOTOPS_BINARY;
constexpr auto kWait = std::chrono::seconds(60);

struct ListedRun {
  std::string id;
  std::string phase;
};

class PipelineScheduleTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto path = scratch_ / name;
    EXPECT_TRUE(write_file_atomic(path, text));
    return path;
  }

  testing::CliOutcome cli(const std::string& arguments) {
    return testing::run_cli(kBinary, arguments, scratch_, std::chrono::seconds(60));
  }

  std::vector<ListedRun> list() {
    auto outcome = cli("pipeline list --state-dir " + state_.string());
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    std::vector<ListedRun> runs;
    std::istringstream lines(outcome.out);
    std::string id;
    std::string phase;
    std::string rest;
    while (lines >> id >> phase && std::getline(lines, rest)) runs.push_back({id, phase});
    return runs;
  }

  std::unique_ptr<ChildProcess> schedule(std::vector<std::string> arguments) {
    std::vector<std::string> argv = {kBinary, "pipeline", "schedule", "--state-dir",
                                     state_.string()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    auto child = ChildProcess::spawn(std::move(argv));
    EXPECT_TRUE(child) << child.error().message();
    return child ? std::move(*child) : nullptr;
  }

  static void stop(ChildProcess& child) {
    auto status = child.terminate(kWait);
    ASSERT_TRUE(status) << status.error().message() << child.describe();
    EXPECT_TRUE(status->ok()) << status->describe() << child.describe();
  }

  ScratchDir scratch_;
  std::filesystem::path state_ = scratch_ / "state";
};

constexpr const char* kEverySecond = R"(apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: every-second
spec:
  schedules: ["@every 1s"]
  concurrencyPolicy: Forbid
  successfulJobsHistoryLimit: 2
  workflowSpec:
    entrypoint: main
    templates:
      - name: main
        container:
          image: alpine:3.20
          command: [sh, -c, "echo tick"]
)";

TEST_F(PipelineScheduleTest, EverySecondRunsAppearInTheListAndOldOnesArePruned) {
  const auto file = write("every-second.yaml", kEverySecond);
  auto scheduler = schedule({file.string(), "--host-exec"});
  ASSERT_TRUE(scheduler);
  // Three successes are needed before one is pruned (the limit keeps two).
  ASSERT_TRUE(scheduler->wait_for_line("pruned (history limit)", kWait)) << scheduler->describe();
  const std::regex pruned_line("run (every-second-[a-z0-9]+) pruned");
  std::set<std::string> pruned;
  const std::string err = scheduler->err();
  for (std::sregex_iterator it(err.begin(), err.end(), pruned_line), end; it != end; ++it) {
    pruned.insert((*it)[1]);
  }
  ASSERT_FALSE(pruned.empty());
  stop(*scheduler);

  std::string succeeded;
  for (const auto& run : list()) {
    EXPECT_EQ(run.id.rfind("every-second-", 0), 0u) << run.id;
    EXPECT_FALSE(pruned.contains(run.id)) << run.id << " was pruned but is listed";
    if (run.phase == "Succeeded") succeeded = run.id;
  }
  ASSERT_FALSE(succeeded.empty());
  // The entrypoint node is named after the run.
  auto logs =
      cli("pipeline logs " + succeeded + " " + succeeded + " --state-dir " + state_.string());
  EXPECT_EQ(logs.out, "tick\n") << logs.err;
}

TEST_F(PipelineScheduleTest, SigtermCancelsTheRunningRunAndRecordsIt) {
  std::string text = kEverySecond;
  text.replace(text.find("echo tick"), 9, "sleep 600");
  const auto file = write("long.yaml", text);
  auto scheduler = schedule({file.string(), "--host-exec"});
  ASSERT_TRUE(scheduler);
  ASSERT_TRUE(scheduler->wait_for_line("started for schedule", kWait)) << scheduler->describe();
  // Forbid: the next seconds come while it runs and are skipped.
  ASSERT_TRUE(scheduler->wait_for_line("concurrencyPolicy Forbid", kWait)) << scheduler->describe();
  stop(*scheduler);
  const auto runs = list();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].phase, "Failed");
  auto show = cli("pipeline show " + runs[0].id + " --state-dir " + state_.string());
  EXPECT_THAT(show.out, HasSubstr("cancelled"));
}

TEST_F(PipelineScheduleTest, RefusesABadScheduleWithItsLine) {
  std::string text = kEverySecond;
  text.replace(text.find("@every 1s"), 9, "61 * * * *");
  const auto file = write("bad.yaml", text);
  auto outcome = cli("pipeline schedule " + file.string() + " --state-dir " + state_.string());
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err, HasSubstr("bad.yaml:6: spec.schedules[0]: schedule '61 * * * *'"));
}

constexpr const char* kTrain = R"(apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: train-
spec:
  entrypoint: main
  arguments:
    parameters: [{name: dataset, value: none}]
  templates:
    - name: main
      container:
        image: alpine:3.20
        command: [sh, -c, "echo trained on {{workflow.parameters.dataset}}"]
)";

TEST_F(PipelineScheduleTest, TrainModelTwiceInsideTheCooldownStartsOneRun) {
  auto broker = testing::MosquittoBroker::launch();
  ASSERT_TRUE(broker) << broker.error().message();
  const auto train = write("train.yaml", kTrain);
  const std::vector<std::string> flags = {"--mqtt",       (*broker)->url(), "--on-train-model",
                                          train.string(), "--cooldown",     "1h",
                                          "--host-exec"};
  auto publish = [&](const std::string& message) {
    auto outcome =
        testing::run_cli("mosquitto_pub",
                         fmt::format("-h 127.0.0.1 -p {} -q 1 -t control-message -m '{}'",
                                     (*broker)->port(), message),
                         scratch_, std::chrono::seconds(30));
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  };
  const std::string command = R"({"command":"train-model","payload":"registry:motors@7"})";
  {
    auto scheduler = schedule(flags);
    ASSERT_TRUE(scheduler);
    ASSERT_TRUE(scheduler->wait_for_line("mqtt: ready", kWait)) << scheduler->describe();
    publish(R"({"command":"download-model","payload":"m.tflite"})");
    publish(command);
    publish(command);
    ASSERT_TRUE(scheduler->wait_for_line("train-model ignored: cooling down", kWait))
        << scheduler->describe();
    EXPECT_EQ(scheduler->count_in_output("control command 'download-model' ignored"), 1u);
    ASSERT_TRUE(testing::eventually(
        [&] {
          const auto runs = list();
          return runs.size() == 1 && runs[0].phase == "Succeeded";
        },
        kWait, std::chrono::milliseconds(200)))
        << scheduler->describe();
    stop(*scheduler);
  }
  // A restart keeps the cool-down.
  auto again = schedule(flags);
  ASSERT_TRUE(again);
  ASSERT_TRUE(again->wait_for_line("mqtt: ready", kWait)) << again->describe();
  publish(command);
  ASSERT_TRUE(again->wait_for_line("train-model ignored: cooling down", kWait))
      << again->describe();
  stop(*again);

  const auto runs = list();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id.rfind("train-", 0), 0u);
  auto logs =
      cli("pipeline logs " + runs[0].id + " " + runs[0].id + " --state-dir " + state_.string());
  EXPECT_EQ(logs.out, "trained on registry:motors@7\n") << logs.err;
}

}  // namespace
}  // namespace aiotops
