// Argo's scheduling rules with an injected clock: Allow, Forbid, Replace, schedules missed
// while the scheduler was down with and without startingDeadlineSeconds, suspend, and the
// plan's errors with file and line.
#include "schedule/cron_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline/loader.h"
#include "pipeline/yaml_reader.h"

namespace aiotops::schedule {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;

// 2026-01-01 10:00:00 UTC.
const Seconds kTen =
    Seconds(std::chrono::sys_days(std::chrono::year(2026) / 1 / 1)) + std::chrono::hours(10);

CronPlan plan(std::string_view schedule,
              pipeline::ConcurrencyPolicy policy = pipeline::ConcurrencyPolicy::kAllow) {
  CronPlan out;
  out.name = "c";
  auto parsed = CronSchedule::parse(schedule);
  EXPECT_TRUE(parsed) << parsed.error().message();
  out.schedules.push_back(*parsed);
  out.options.concurrency_policy = policy;
  return out;
}

TEST(CronDecide, NothingBeforeTheNextSchedule) {
  const CronPlan every_minute = plan("* * * * *");
  const auto decision = decide(every_minute, kTen, kTen, kTen + seconds(59), 0);
  EXPECT_EQ(decision.action, CronAction::kNothing);
  EXPECT_FALSE(decision.scheduled);
}

TEST(CronDecide, AllowRunsBesideActiveRuns) {
  const auto decision = decide(plan("* * * * *"), kTen, kTen, kTen + minutes(1), 3);
  EXPECT_EQ(decision.action, CronAction::kRun);
  EXPECT_EQ(decision.scheduled, kTen + minutes(1));
  EXPECT_FALSE(decision.replace_active);
}

TEST(CronDecide, ForbidSkipsWhileARunIsActive) {
  const CronPlan forbid = plan("* * * * *", pipeline::ConcurrencyPolicy::kForbid);
  EXPECT_EQ(decide(forbid, kTen, kTen, kTen + minutes(1), 1).action, CronAction::kSkipForbidden);
  EXPECT_EQ(decide(forbid, kTen, kTen, kTen + minutes(1), 0).action, CronAction::kRun);
}

TEST(CronDecide, ReplaceRunsAndCancelsTheActiveOnes) {
  const CronPlan replace = plan("* * * * *", pipeline::ConcurrencyPolicy::kReplace);
  const auto busy = decide(replace, kTen, kTen, kTen + minutes(1), 1);
  EXPECT_EQ(busy.action, CronAction::kRun);
  EXPECT_TRUE(busy.replace_active);
  EXPECT_FALSE(decide(replace, kTen, kTen, kTen + minutes(1), 0).replace_active);
}

TEST(CronDecide, SuspendSkipsAndMovesOn) {
  CronPlan suspended = plan("* * * * *");
  suspended.options.suspend = true;
  const auto decision = decide(suspended, kTen, kTen, kTen + minutes(1), 0);
  EXPECT_EQ(decision.action, CronAction::kSkipSuspended);
  EXPECT_EQ(decision.scheduled, kTen + minutes(1));
}

TEST(CronDecide, OnlyTheLatestOfSeveralDueSchedulesCounts) {
  // Live since 10:00, the loop was held up for five minutes: one run, for 10:05.
  const auto decision = decide(plan("* * * * *"), kTen, kTen, kTen + minutes(5) + seconds(3), 0);
  EXPECT_EQ(decision.action, CronAction::kRun);
  EXPECT_EQ(decision.scheduled, kTen + minutes(5));
}

TEST(CronDecide, MissedWhileDownIsSkippedWithoutAStartingDeadline) {
  // Argo's example: last run 12:05:00, down from 12:05:55, back at 12:06:05.
  const Seconds last = kTen + std::chrono::hours(2) + minutes(5);
  const Seconds back = last + seconds(65);
  const auto decision = decide(plan("* * * * *"), last, back, back, 0);
  EXPECT_EQ(decision.action, CronAction::kSkipMissed);
  EXPECT_EQ(decision.scheduled, last + minutes(1));
  // startingDeadlineSeconds: 0 is the same as unset.
  CronPlan zero = plan("* * * * *");
  zero.options.starting_deadline = seconds(0);
  EXPECT_EQ(decide(zero, last, back, back, 0).action, CronAction::kSkipMissed);
}

TEST(CronDecide, MissedWhileDownRunsOnceWithinTheStartingDeadline) {
  const Seconds last = kTen + std::chrono::hours(2) + minutes(5);
  const Seconds back = last + seconds(65);  // 5 s after the missed 12:06:00
  CronPlan within = plan("* * * * *");
  within.options.starting_deadline = seconds(6);
  const auto run = decide(within, last, back, back, 0);
  EXPECT_EQ(run.action, CronAction::kRun);
  EXPECT_EQ(run.scheduled, last + minutes(1));
  CronPlan too_late = plan("* * * * *");
  too_late.options.starting_deadline = seconds(5);
  EXPECT_EQ(decide(too_late, last, back, back, 0).action, CronAction::kSkipMissed);
  // Down for an hour: only the most recent missed schedule (12:06 + 59 min) is considered.
  CronPlan hour = plan("* * * * *");
  hour.options.starting_deadline = seconds(30);
  const Seconds later = last + std::chrono::hours(1) + seconds(10);
  const auto once = decide(hour, last, later, later, 0);
  EXPECT_EQ(once.action, CronAction::kRun);
  EXPECT_EQ(once.scheduled, last + std::chrono::hours(1));
  // A missed schedule still obeys Forbid.
  hour.options.concurrency_policy = pipeline::ConcurrencyPolicy::kForbid;
  EXPECT_EQ(decide(hour, last, later, later, 1).action, CronAction::kSkipForbidden);
}

TEST(CronDecide, NeverScheduledMeansNothingBeforeTheStartIsMissed) {
  EXPECT_EQ(decide(plan("* * * * *"), std::nullopt, kTen, kTen + seconds(30), 0).action,
            CronAction::kNothing);
}

TEST(CronFires, SeveralSchedulesAndEvery) {
  CronPlan two = plan("0 * * * *");
  two.schedules.push_back(*CronSchedule::parse("30 * * * *"));
  EXPECT_EQ(next_fire(two, kTen), kTen + minutes(30));
  EXPECT_EQ(latest_fire(two, kTen, kTen + minutes(95)), kTen + minutes(90));
  const CronPlan every = plan("@every 1s");
  EXPECT_EQ(latest_fire(every, kTen, kTen + std::chrono::days(400)), kTen + std::chrono::days(400));
  EXPECT_EQ(latest_fire(every, kTen, kTen), std::nullopt);
}

TEST(CronPlanOf, NamesTheFileAndLineOfABadScheduleOrZone) {
  constexpr std::string_view kHead =
      "apiVersion: argoproj.io/v1alpha1\nkind: CronWorkflow\nmetadata: {name: c}\nspec:\n";
  constexpr std::string_view kSpec =
      "  workflowSpec:\n    entrypoint: m\n    templates: [{name: m, container: {image: a}}]\n";
  auto read = [&](std::string_view fields) {
    auto documents = pipeline::parse_workflow_documents(
        std::string(kHead) + std::string(fields) + std::string(kSpec), "c.yaml");
    EXPECT_TRUE(documents) << documents.error().message();
    return make_cron_plan(documents->front());
  };
  auto bad_schedule = read("  schedules:\n    - '@daily'\n    - '61 * * * *'\n");
  ASSERT_FALSE(bad_schedule);
  EXPECT_THAT(bad_schedule.error().message(),
              HasSubstr("c.yaml:7: spec.schedules[1]: schedule '61 * * * *': minute"));
  auto bad_zone = read("  schedules: ['@daily']\n  timezone: Mars/Olympus\n");
  ASSERT_FALSE(bad_zone);
  EXPECT_EQ(bad_zone.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(bad_zone.error().message(), HasSubstr("c.yaml:6: spec.timezone: time zone"));
  auto good = read("  schedules: ['0 2 * * *']\n  timezone: Europe/Berlin\n");
  ASSERT_TRUE(good) << good.error().message();
  EXPECT_EQ(good->zone.name(), "Europe/Berlin");
}

TEST(CronPlanOf, TheNightlyTrainingExample) {
  auto loaded = pipeline::load_workflow(
      std::string(AIOTOPS_SOURCE_DIR) + "/examples/nightly-training-cron.yaml", {});
  ASSERT_TRUE(loaded) << loaded.error().message();
  auto nightly = make_cron_plan(loaded->workflow);
  ASSERT_TRUE(nightly) << nightly.error().message();
  EXPECT_EQ(nightly->name, "nightly-training");
  EXPECT_EQ(nightly->options.concurrency_policy, pipeline::ConcurrencyPolicy::kForbid);
  // 02:00 in Berlin: 01:00 UTC in winter, 00:00 UTC in summer.
  EXPECT_EQ(next_fire(*nightly, kTen), kTen + std::chrono::hours(15));
  const Seconds july = Seconds(std::chrono::sys_days(std::chrono::year(2026) / 7 / 1));
  EXPECT_EQ(next_fire(*nightly, july), july + std::chrono::days(1));
}

}  // namespace
}  // namespace aiotops::schedule
