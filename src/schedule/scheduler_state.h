#pragma once
// What the scheduler remembers across restarts, in one JSON file beside the run store
// (<state dir>/schedule.json), rewritten atomically (temp file, fsync, rename) on every change:
//   {"version": 1,
//    "crons": {"<CronWorkflow name>": {"last_scheduled": <Unix s>, "runs": ["<run id>", ...]}},
//    "train_model": {"last_started": <Unix s>, "runs": [...]}}
// `runs` are the runs the scheduler started and has not pruned (history limits) or forgotten.
// Plain values; not synchronised.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "schedule/time_zone.h"

namespace aiotops::schedule {

struct ScheduledRuns {
  std::optional<Seconds> last;    // last schedule acted on / last trigger started
  std::vector<std::string> runs;  // oldest first
};

struct SchedulerState {
  std::map<std::string, ScheduledRuns> crons;  // by CronWorkflow name
  ScheduledRuns train_model;                   // the train-model trigger's cool-down and runs
};

// Reads the file; a missing file is an empty state. kCorrupt naming the file when it is not
// what save_state() writes, kIo when it cannot be read.
Result<SchedulerState> load_state(const std::filesystem::path& file);
// Writes the file atomically. kIo naming the file on failure.
Status save_state(const std::filesystem::path& file, const SchedulerState& state);

}  // namespace aiotops::schedule
