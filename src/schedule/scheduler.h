#pragma once
// The scheduler behind `aiotops pipeline schedule`: starts runs of CronWorkflows when their
// schedules come (cron_plan.h's decide(): concurrencyPolicy, startingDeadlineSeconds, suspend),
// prunes their finished runs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit, and
// starts a training workflow on a `train-model` control message at most once per cool-down.
// What it must remember across restarts is in scheduler_state.h's file. Runs are started
// through a RunLauncher (executor_launcher.h runs them in this process), so they are recorded
// in the run store like any other run. Time comes from an injectable clock. All public methods
// are thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "pipeline/run_store.h"
#include "schedule/control_command.h"
#include "schedule/cron_plan.h"
#include "schedule/scheduler_state.h"

namespace aiotops::schedule {

// Starts and stops runs. Implementations must be thread-safe and must not call back into the
// Scheduler from these methods.
class RunLauncher {
 public:
  virtual ~RunLauncher() = default;
  // Loads `file` with `parameters` (-p), creates its run in the store and starts it in the
  // background; returns the run id. Fails as load_workflow() or the store does (nothing started).
  virtual Result<std::string> start(const std::filesystem::path& file,
                                    const pipeline::NamedValues& parameters) = 0;
  // Asks a run it started to stop (the run ends Failed, "cancelled"); no-op once it has ended.
  virtual void cancel(const std::string& run_id) = 0;
  // Whether a run it started has not ended yet (false for runs of other processes).
  virtual bool active(const std::string& run_id) = 0;
};

struct ScheduledWorkflow {
  CronPlan plan;
  std::filesystem::path file;  // read again for every run
};

struct TrainTrigger {
  std::filesystem::path file;           // the workflow a train-model command starts
  std::string parameter = "dataset";    // the workflow parameter that gets the payload
  std::chrono::seconds cooldown{3600};  // at most one start per this long (persisted)
  // -p values of every start (where the telemetry is, which model...); default none. The
  // payload's parameter comes after them, so it wins over a value given here.
  pipeline::NamedValues parameters = {};
};

struct SchedulerOptions {
  std::filesystem::path state_file;   // required; see scheduler_state.h
  std::function<Seconds()> now;       // default: the system clock, whole seconds
  std::optional<TrainTrigger> train;  // default: train-model commands are ignored
};

struct SchedulerCounters {
  uint64_t runs_started = 0;  // scheduled runs started (Replace included)
  uint64_t replaced = 0;      // active runs cancelled by concurrencyPolicy Replace
  uint64_t skipped_suspended = 0;
  uint64_t skipped_missed = 0;
  uint64_t skipped_forbidden = 0;
  uint64_t start_failures = 0;  // the launcher refused (bad file, store error)
  uint64_t pruned = 0;          // run records deleted by history limits
  uint64_t train_started = 0;
  uint64_t train_cooling_down = 0;  // train-model commands inside the cool-down
  uint64_t commands_ignored = 0;    // other commands, or train-model without a trigger
  uint64_t commands_malformed = 0;
};

enum class TriggerOutcome { kStarted, kCoolingDown, kIgnored, kMalformed, kFailed };
std::string_view to_string(TriggerOutcome outcome);

class Scheduler {
 public:
  // Reads the state file; a CronWorkflow it has never seen starts its schedule now (nothing
  // before counts as missed). `launcher` and `store` must outlive the scheduler. Fails with
  // kInvalidArgument for two CronWorkflows of one name or a missing state_file, or as
  // load_state()/save_state() do.
  static Result<std::unique_ptr<Scheduler>> create(SchedulerOptions options,
                                                   std::vector<ScheduledWorkflow> workflows,
                                                   RunLauncher& launcher,
                                                   pipeline::RunStore& store);

  // Acts on every schedule due at now(), prunes finished runs, saves the state. Returns the
  // next instant a schedule comes (nullopt: never). Fails only when the state cannot be saved.
  Result<std::optional<Seconds>> tick();
  // A message from the control topic: starts the train trigger's workflow for train-model
  // unless the last start is less than the cool-down ago. Logs what it did.
  TriggerOutcome on_control_message(std::string_view message);

  // Calls tick() whenever something is due, after wake() and at least once a minute, until
  // stop(). Real time: the wait uses the system clock whatever options.now is. Fails as tick().
  Status serve();
  void wake();
  void stop();

  SchedulerCounters counters() const;
  // The scheduler's state as last saved.
  SchedulerState state() const;

 private:
  Scheduler(SchedulerOptions options, std::vector<ScheduledWorkflow> workflows,
            RunLauncher& launcher, pipeline::RunStore& store, SchedulerState state);
  void act(const ScheduledWorkflow& workflow, Seconds now, ScheduledRuns& runs);
  void prune(const ScheduledWorkflow& workflow, ScheduledRuns& runs);
  size_t active_runs(const ScheduledRuns& runs);

  SchedulerOptions options_;
  std::vector<ScheduledWorkflow> workflows_;
  RunLauncher& launcher_;
  pipeline::RunStore& store_;
  Seconds live_since_;

  mutable std::mutex mutex_;  // guards state_ and counters_
  SchedulerState state_;
  SchedulerCounters counters_;

  std::mutex wake_mutex_;  // guards woken_ and stopped_
  std::condition_variable wake_cv_;
  bool woken_ = false;
  bool stopped_ = false;
};

}  // namespace aiotops::schedule
