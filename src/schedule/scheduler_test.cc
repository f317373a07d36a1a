// The Scheduler with an injected clock and a launcher that only records: runs at the
// schedule, Forbid/Replace with active runs, missed schedules across a restart with and without
// startingDeadlineSeconds, suspend, history limits, and the train-model cool-down surviving a
// restart.
#include "schedule/scheduler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "support/scratch_dir.h"

namespace aiotops::schedule {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const Seconds kTen =
    Seconds(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1)) + std::chrono::hours(10);

// Creates each run in the store (Pending, then Running) and keeps it active until finish().
class RecordingLauncher : public RunLauncher {
 public:
  explicit RecordingLauncher(pipeline::RunStore& store) : store_(store) {}
  Result<std::string> start(const std::filesystem::path& file,
                            const pipeline::NamedValues& parameters) override {
    auto run = store_.create_run(file.stem().string(), file.string(), "", parameters);
    if (!run) return fail(run.error());
    started.push_back({run->id, parameters});
    active_.insert(run->id);
    return run->id;
  }
  void cancel(const std::string& run_id) override {
    cancelled.push_back(run_id);
    finish(run_id, pipeline::NodePhase::kFailed);
  }
  bool active(const std::string& run_id) override { return active_.contains(run_id); }
  void finish(const std::string& run_id, pipeline::NodePhase phase) {
    active_.erase(run_id);
    EXPECT_TRUE(store_.set_run_phase(run_id, phase));
  }

  std::vector<std::pair<std::string, pipeline::NamedValues>> started;
  std::vector<std::string> cancelled;

 private:
  pipeline::RunStore& store_;
  std::set<std::string> active_;
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Run times from the test's clock, so "newest" is well defined.
    auto store = pipeline::RunStore::open({.state_dir = dir_ / "runs", .now_ms = [this] {
                                             return now_.time_since_epoch().count() * 1000;
                                           }});
    ASSERT_TRUE(store) << store.error().message();
    store_ = std::move(*store);
    launcher_ = std::make_unique<RecordingLauncher>(*store_);
  }

  static ScheduledWorkflow cron(
      std::string name, std::string_view schedule,
      pipeline::ConcurrencyPolicy policy = pipeline::ConcurrencyPolicy::kAllow) {
    ScheduledWorkflow workflow;
    workflow.plan.name = name;
    workflow.plan.schedules.push_back(*CronSchedule::parse(schedule));
    workflow.plan.options.concurrency_policy = policy;
    workflow.file = "/wf/" + name + ".yaml";
    return workflow;
  }

  std::unique_ptr<Scheduler> start(std::vector<ScheduledWorkflow> workflows,
                                   std::optional<TrainTrigger> train = std::nullopt) {
    SchedulerOptions options;
    options.state_file = dir_ / "runs" / "schedule.json";
    options.now = [this] { return now_; };
    options.train = std::move(train);
    auto scheduler =
        Scheduler::create(std::move(options), std::move(workflows), *launcher_, *store_);
    EXPECT_TRUE(scheduler) << scheduler.error().message();
    return scheduler ? std::move(*scheduler) : nullptr;
  }

  void tick(Scheduler& scheduler) {
    auto next = scheduler.tick();
    ASSERT_TRUE(next) << next.error().message();
  }

  testing::ScratchDir dir_;
  std::unique_ptr<pipeline::RunStore> store_;
  std::unique_ptr<RecordingLauncher> launcher_;
  Seconds now_ = kTen;
};

TEST_F(SchedulerTest, RunsWhenTheScheduleComesAndSaysWhenTheNextOneIs) {
  auto scheduler = start({cron("nightly", "0 2 * * *")});
  auto next = scheduler->tick();
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, kTen + std::chrono::hours(16));
  EXPECT_THAT(launcher_->started, IsEmpty());
  now_ = kTen + std::chrono::hours(16);
  next = scheduler->tick();
  ASSERT_TRUE(next);
  ASSERT_EQ(launcher_->started.size(), 1u);
  EXPECT_EQ(launcher_->started[0].first.substr(0, 8), "nightly-");
  EXPECT_EQ(*next, kTen + std::chrono::hours(40));
  tick(*scheduler);  // same instant again: nothing new
  EXPECT_EQ(launcher_->started.size(), 1u);
  EXPECT_EQ(scheduler->state().crons.at("nightly").last, kTen + std::chrono::hours(16));
}

TEST_F(SchedulerTest, ForbidSkipsWhileTheRunIsActiveThenRunsAgain) {
  auto scheduler = start({cron("f", "* * * * *", pipeline::ConcurrencyPolicy::kForbid)});
  now_ += minutes(1);
  tick(*scheduler);
  now_ += minutes(1);
  tick(*scheduler);
  EXPECT_EQ(launcher_->started.size(), 1u);
  EXPECT_EQ(scheduler->counters().skipped_forbidden, 1u);
  launcher_->finish(launcher_->started[0].first, pipeline::NodePhase::kSucceeded);
  now_ += minutes(1);
  tick(*scheduler);
  EXPECT_EQ(launcher_->started.size(), 2u);
}

TEST_F(SchedulerTest, ReplaceCancelsTheActiveRunAndStartsANewOne) {
  auto scheduler = start({cron("r", "* * * * *", pipeline::ConcurrencyPolicy::kReplace)});
  now_ += minutes(1);
  tick(*scheduler);
  now_ += minutes(1);
  tick(*scheduler);
  ASSERT_EQ(launcher_->started.size(), 2u);
  EXPECT_THAT(launcher_->cancelled, ElementsAre(launcher_->started[0].first));
  EXPECT_EQ(scheduler->counters().replaced, 1u);
}

TEST_F(SchedulerTest, AllowLetsRunsOverlap) {
  auto scheduler = start({cron("a", "* * * * *")});
  for (int i = 0; i < 3; ++i) {
    now_ += minutes(1);
    tick(*scheduler);
  }
  EXPECT_EQ(launcher_->started.size(), 3u);
  EXPECT_THAT(launcher_->cancelled, IsEmpty());
}

TEST_F(SchedulerTest, SuspendedNeverRuns) {
  ScheduledWorkflow suspended = cron("s", "* * * * *");
  suspended.plan.options.suspend = true;
  auto scheduler = start({suspended});
  now_ += minutes(1);
  tick(*scheduler);
  EXPECT_THAT(launcher_->started, IsEmpty());
  EXPECT_EQ(scheduler->counters().skipped_suspended, 1u);
}

TEST_F(SchedulerTest, MissedWhileDownSkippedWithoutADeadlineRunOnceWithOne) {
  {
    auto scheduler = start({cron("plain", "*/10 * * * *"), cron("deadline", "*/10 * * * *")});
    tick(*scheduler);
  }
  // Down from 10:00 to 10:33:20: 10:10, 10:20 and 10:30 were missed.
  now_ = kTen + minutes(33) + seconds(20);
  ScheduledWorkflow deadline = cron("deadline", "*/10 * * * *");
  deadline.plan.options.starting_deadline = seconds(300);
  auto scheduler = start({cron("plain", "*/10 * * * *"), deadline});
  tick(*scheduler);
  ASSERT_EQ(launcher_->started.size(), 1u);
  EXPECT_EQ(launcher_->started[0].first.substr(0, 9), "deadline-");
  EXPECT_EQ(scheduler->counters().skipped_missed, 1u);
  EXPECT_EQ(scheduler->state().crons.at("plain").last, kTen + minutes(30));
  // Both are back on schedule.
  now_ = kTen + minutes(40);
  tick(*scheduler);
  EXPECT_EQ(launcher_->started.size(), 3u);
}

TEST_F(SchedulerTest, HistoryLimitsPruneTheOldestFinishedRuns) {
  ScheduledWorkflow limited = cron("h", "* * * * *");
  limited.plan.options.successful_jobs_history_limit = 2;
  limited.plan.options.failed_jobs_history_limit = 1;
  auto scheduler = start({limited});
  const pipeline::NodePhase phases[] = {
      pipeline::NodePhase::kSucceeded, pipeline::NodePhase::kFailed,
      pipeline::NodePhase::kSucceeded, pipeline::NodePhase::kError,
      pipeline::NodePhase::kSucceeded};
  for (auto phase : phases) {
    now_ += minutes(1);
    tick(*scheduler);
    launcher_->finish(launcher_->started.back().first, phase);
  }
  now_ += minutes(1);
  tick(*scheduler);  // starts a sixth, which is active and kept
  std::vector<std::string> left;
  auto runs = store_->list_runs();
  ASSERT_TRUE(runs) << runs.error().message();
  for (const auto& run : *runs) left.push_back(run.id);
  const auto& s = launcher_->started;
  // Newest first: the active sixth, the 5th and 3rd (succeeded), the 4th (the newest failure).
  EXPECT_THAT(left, ElementsAre(s[5].first, s[4].first, s[3].first, s[2].first));
  EXPECT_EQ(scheduler->counters().pruned, 2u);
  EXPECT_EQ(scheduler->state().crons.at("h").runs.size(), 4u);
}

TEST_F(SchedulerTest, TrainModelOncePerCooldownEvenAcrossARestart) {
  TrainTrigger train{.file = "/wf/train.yaml", .parameter = "dataset", .cooldown = minutes(60)};
  const std::string command = R"({"command":"train-model","payload":"registry:motors@3"})";
  {
    auto scheduler = start({}, train);
    EXPECT_EQ(scheduler->on_control_message(command), TriggerOutcome::kStarted);
    now_ += minutes(10);
    EXPECT_EQ(scheduler->on_control_message(command), TriggerOutcome::kCoolingDown);
  }
  ASSERT_EQ(launcher_->started.size(), 1u);
  EXPECT_THAT(launcher_->started[0].second,
              ElementsAre(std::pair<std::string, std::string>("dataset", "registry:motors@3")));
  now_ += minutes(40);  // 50 minutes after the start, in a new process
  auto scheduler = start({}, train);
  EXPECT_EQ(scheduler->on_control_message(command), TriggerOutcome::kCoolingDown);
  now_ += minutes(10);  // exactly the cool-down
  EXPECT_EQ(scheduler->on_control_message(R"({"command":"train-model","payload":{"n":1}})"),
            TriggerOutcome::kStarted);
  ASSERT_EQ(launcher_->started.size(), 2u);
  EXPECT_THAT(launcher_->started[1].second,
              ElementsAre(std::pair<std::string, std::string>("dataset", R"({"n":1})")));
  EXPECT_EQ(scheduler->counters().train_cooling_down, 1u);
}

TEST_F(SchedulerTest, TrainModelStartsWithTheFixedParametersThenThePayload) {
  TrainTrigger train{.file = "/wf/train.yaml",
                     .parameter = "trigger",
                     .parameters = {{"source", "/var/lib/aiotops/telemetry"}, {"window", "2h"}}};
  auto scheduler = start({}, train);
  EXPECT_EQ(scheduler->on_control_message(R"({"command":"train-model","payload":"drift"})"),
            TriggerOutcome::kStarted);
  ASSERT_EQ(launcher_->started.size(), 1u);
  EXPECT_THAT(
      launcher_->started[0].second,
      ElementsAre(std::pair<std::string, std::string>("source", "/var/lib/aiotops/telemetry"),
                  std::pair<std::string, std::string>("window", "2h"),
                  std::pair<std::string, std::string>("trigger", "drift")));
}

TEST_F(SchedulerTest, OtherCommandsAndGarbageAreCountedNotRun) {
  TrainTrigger train{.file = "/wf/train.yaml"};
  auto scheduler = start({}, train);
  EXPECT_EQ(scheduler->on_control_message(R"({"command":"download-model","payload":"m.tflite"})"),
            TriggerOutcome::kIgnored);
  EXPECT_EQ(scheduler->on_control_message("not json"), TriggerOutcome::kMalformed);
  EXPECT_EQ(scheduler->on_control_message(R"({"payload":1})"), TriggerOutcome::kMalformed);
  EXPECT_EQ(scheduler->on_control_message(R"({"command":"train-model"})"),
            TriggerOutcome::kStarted);
  EXPECT_THAT(launcher_->started[0].second, IsEmpty());  // no payload: the workflow's default
  const auto counters = scheduler->counters();
  EXPECT_EQ(counters.commands_ignored, 1u);
  EXPECT_EQ(counters.commands_malformed, 2u);
  EXPECT_EQ(counters.train_started, 1u);
}

TEST_F(SchedulerTest, WithoutATriggerTrainModelIsIgnored) {
  auto scheduler = start({});
  EXPECT_EQ(scheduler->on_control_message(R"({"command":"train-model"})"),
            TriggerOutcome::kIgnored);
  EXPECT_THAT(launcher_->started, IsEmpty());
}

TEST_F(SchedulerTest, TwoCronWorkflowsOfOneNameAreRefused) {
  SchedulerOptions options;
  options.state_file = dir_ / "runs" / "schedule.json";
  auto scheduler =
      Scheduler::create(options, {cron("x", "@daily"), cron("x", "@hourly")}, *launcher_, *store_);
  ASSERT_FALSE(scheduler);
  EXPECT_EQ(scheduler.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace aiotops::schedule
