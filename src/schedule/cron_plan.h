#pragma once
// A CronWorkflow ready to schedule: its schedules parsed, its time zone located, and Argo's
// rules for what to do when a schedule comes: concurrencyPolicy, startingDeadlineSeconds for
// schedules missed while the scheduler was down, suspend. Pure functions of their arguments;
// thread-safe.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "pipeline/model.h"
#include "schedule/cron.h"
#include "schedule/time_zone.h"

namespace aiotops::schedule {

struct CronPlan {
  std::string name;  // the CronWorkflow's metadata.name: its key in the scheduler's state
  std::vector<CronSchedule> schedules;
  TimeZone zone = TimeZone::utc();
  pipeline::CronOptions options;
};

// Builds the plan of a CronWorkflow read by the pipeline reader (workflow.cron set). Fails with
// kInvalidArgument "file:line: spec.schedules[i]: schedule '...': ..." for a bad schedule and
// "file:line: spec.timezone: ..." for an unknown zone; empty timezone means the host's
// (/etc/localtime, else UTC), as Argo uses the controller's. `zoneinfo` is the tz database.
Result<CronPlan> make_cron_plan(const pipeline::Workflow& workflow,
                                const std::filesystem::path& zoneinfo = "/usr/share/zoneinfo");

// The first fire time of any schedule strictly after `after`; nullopt when none will come.
std::optional<Seconds> next_fire(const CronPlan& plan, Seconds after);
// The latest fire time of any schedule in (after, now]; nullopt when there is none.
std::optional<Seconds> latest_fire(const CronPlan& plan, Seconds after, Seconds now);

enum class CronAction {
  kNothing,        // no schedule came since the last one acted on
  kRun,            // start a run for `scheduled`
  kSkipSuspended,  // spec.suspend
  kSkipMissed,     // came while the scheduler was down, past startingDeadlineSeconds
  kSkipForbidden,  // concurrencyPolicy Forbid and a run is active
};
std::string_view to_string(CronAction action);

struct CronDecision {
  CronAction action = CronAction::kNothing;
  std::optional<Seconds> scheduled;  // the schedule acted on (the new last scheduled time)
  bool replace_active = false;       // Replace: cancel the active runs before starting
};

// What to do at `now` for `plan`, given the last schedule acted on (nullopt: never; then
// nothing before `live_since` counts), when the scheduler has been running since `live_since`,
// with `active_runs` of its runs still going. Of the schedules that came since, only the latest
// is considered (Argo runs at most one). One that came before `live_since` was missed: it runs
// only when startingDeadlineSeconds is set (> 0) and now is before it plus the deadline, as in
// Argo's cron controller; otherwise it is skipped. Suspend skips; Forbid skips while a run is
// active; Replace runs and cancels the active ones.
CronDecision decide(const CronPlan& plan, std::optional<Seconds> last_scheduled, Seconds live_since,
                    Seconds now, size_t active_runs);

}  // namespace aiotops::schedule
