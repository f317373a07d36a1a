#include "schedule/cron_plan.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/files.h"

namespace aiotops::schedule {
namespace {

// Argo's controller uses its own zone; a host without /etc/localtime is on UTC.
Result<TimeZone> host_zone() {
  auto bytes = read_file("/etc/localtime");
  if (!bytes) return TimeZone::utc();
  return TimeZone::from_tzif(*bytes, "localtime");
}

}  // namespace

Result<CronPlan> make_cron_plan(const pipeline::Workflow& workflow,
                                const std::filesystem::path& zoneinfo) {
  if (!workflow.cron) {
    return fail(ErrorCode::kInvalidArgument, "{}: kind: expected a CronWorkflow",
                pipeline::to_string(workflow.location));
  }
  CronPlan plan;
  plan.name = workflow.name;
  plan.options = *workflow.cron;
  for (size_t i = 0; i < plan.options.schedules.size(); ++i) {
    const auto& text = plan.options.schedules[i];
    auto schedule = CronSchedule::parse(text.text);
    if (!schedule) {
      return fail(ErrorCode::kInvalidArgument, "{}: spec.schedules[{}]: {}",
                  pipeline::to_string(text.location), i, schedule.error().message());
    }
    plan.schedules.push_back(std::move(*schedule));
  }
  auto zone = plan.options.timezone.empty() ? host_zone()
                                            : TimeZone::locate(plan.options.timezone, zoneinfo);
  if (!zone) {
    return fail(zone.error().code(), "{}: spec.timezone: {}",
                pipeline::to_string(plan.options.timezone_location), zone.error().message());
  }
  plan.zone = std::move(*zone);
  return plan;
}

std::optional<Seconds> next_fire(const CronPlan& plan, Seconds after) {
  std::optional<Seconds> first;
  for (const CronSchedule& schedule : plan.schedules) {
    auto next = schedule.next(after, plan.zone);
    if (next && (!first || *next < *first)) first = next;
  }
  return first;
}

std::optional<Seconds> latest_fire(const CronPlan& plan, Seconds after, Seconds now) {
  std::optional<Seconds> latest;
  // next() looks five years ahead; nothing older can matter more than the latest in that span.
  const Seconds start = std::max(after, now - std::chrono::days(5 * 366));
  for (const CronSchedule& schedule : plan.schedules) {
    std::optional<Seconds> found;
    if (schedule.every()) {
      const auto steps = (now - after) / *schedule.every();
      if (steps > 0) found = after + steps * *schedule.every();
    } else {
      for (auto t = schedule.next(start, plan.zone); t && *t <= now;
           t = schedule.next(*t, plan.zone)) {
        found = t;
      }
    }
    if (found && (!latest || *found > *latest)) latest = found;
  }
  return latest;
}

std::string_view to_string(CronAction action) {
  switch (action) {
    case CronAction::kNothing:
      return "nothing";
    case CronAction::kRun:
      return "run";
    case CronAction::kSkipSuspended:
      return "skipped: suspended";
    case CronAction::kSkipMissed:
      return "skipped: missed while the scheduler was down";
    case CronAction::kSkipForbidden:
      return "skipped: concurrencyPolicy Forbid and a run is active";
  }
  return "nothing";
}

CronDecision decide(const CronPlan& plan, std::optional<Seconds> last_scheduled, Seconds live_since,
                    Seconds now, size_t active_runs) {
  CronDecision decision;
  decision.scheduled = latest_fire(plan, last_scheduled.value_or(live_since), now);
  if (!decision.scheduled) return decision;
  const auto& options = plan.options;
  if (options.suspend) {
    decision.action = CronAction::kSkipSuspended;
    return decision;
  }
  if (*decision.scheduled < live_since) {
    const auto deadline = options.starting_deadline.value_or(std::chrono::seconds(0));
    if (deadline.count() <= 0 || now >= *decision.scheduled + deadline) {
      decision.action = CronAction::kSkipMissed;
      return decision;
    }
  }
  if (active_runs > 0 && options.concurrency_policy == pipeline::ConcurrencyPolicy::kForbid) {
    decision.action = CronAction::kSkipForbidden;
    return decision;
  }
  decision.action = CronAction::kRun;
  decision.replace_active =
      active_runs > 0 && options.concurrency_policy == pipeline::ConcurrencyPolicy::kReplace;
  return decision;
}

}  // namespace aiotops::schedule
