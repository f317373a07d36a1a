#include "schedule/scheduler.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace aiotops::schedule {
namespace {

// The trigger's run list only says what it started recently; it has no history limit.
constexpr size_t kTriggerRunsKept = 10;

std::string show(Seconds t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day date(day);
  const hh_mm_ss time(t - day);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

}  // namespace

std::string_view to_string(TriggerOutcome outcome) {
  switch (outcome) {
    case TriggerOutcome::kStarted:
      return "started";
    case TriggerOutcome::kCoolingDown:
      return "ignored: cooling down";
    case TriggerOutcome::kIgnored:
      return "ignored";
    case TriggerOutcome::kMalformed:
      return "malformed";
    case TriggerOutcome::kFailed:
      return "failed";
  }
  return "ignored";
}

Result<std::unique_ptr<Scheduler>> Scheduler::create(SchedulerOptions options,
                                                     std::vector<ScheduledWorkflow> workflows,
                                                     RunLauncher& launcher,
                                                     pipeline::RunStore& store) {
  if (options.state_file.empty()) {
    return fail(ErrorCode::kInvalidArgument, "scheduler: no state file");
  }
  std::set<std::string> names;
  for (const auto& workflow : workflows) {
    if (!names.insert(workflow.plan.name).second) {
      return fail(ErrorCode::kInvalidArgument, "{}: a CronWorkflow named '{}' is scheduled twice",
                  workflow.file.string(), workflow.plan.name);
    }
  }
  if (!options.now) {
    options.now = [] {
      return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    };
  }
  auto state = load_state(options.state_file);
  if (!state) return fail(state.error());
  std::unique_ptr<Scheduler> scheduler(
      new Scheduler(std::move(options), std::move(workflows), launcher, store, std::move(*state)));
  for (const auto& workflow : scheduler->workflows_) {
    auto& runs = scheduler->state_.crons[workflow.plan.name];
    if (!runs.last) runs.last = scheduler->live_since_;
  }
  if (auto saved = save_state(scheduler->options_.state_file, scheduler->state_); !saved) {
    return fail(saved.error());
  }
  return scheduler;
}

Scheduler::Scheduler(SchedulerOptions options, std::vector<ScheduledWorkflow> workflows,
                     RunLauncher& launcher, pipeline::RunStore& store, SchedulerState state)
    : options_(std::move(options)),
      workflows_(std::move(workflows)),
      launcher_(launcher),
      store_(store),
      live_since_(options_.now()),
      state_(std::move(state)) {}

size_t Scheduler::active_runs(const ScheduledRuns& runs) {
  return static_cast<size_t>(std::ranges::count_if(
      runs.runs, [&](const std::string& id) { return launcher_.active(id); }));
}

void Scheduler::act(const ScheduledWorkflow& workflow, Seconds now, ScheduledRuns& runs) {
  const std::string& name = workflow.plan.name;
  const CronDecision decision =
      decide(workflow.plan, runs.last, live_since_, now, active_runs(runs));
  if (!decision.scheduled) return;
  runs.last = decision.scheduled;
  switch (decision.action) {
    case CronAction::kNothing:
      return;
    case CronAction::kSkipSuspended:
      ++counters_.skipped_suspended;
      break;
    case CronAction::kSkipMissed:
      ++counters_.skipped_missed;
      break;
    case CronAction::kSkipForbidden:
      ++counters_.skipped_forbidden;
      break;
    case CronAction::kRun: {
      if (decision.replace_active) {
        for (const auto& id : runs.runs) {
          if (!launcher_.active(id)) continue;
          spdlog::info("{}: concurrencyPolicy Replace: cancelling run {}", name, id);
          launcher_.cancel(id);
          ++counters_.replaced;
        }
      }
      auto run = launcher_.start(workflow.file, {});
      if (!run) {
        ++counters_.start_failures;
        spdlog::error("{}: schedule {}: {}", name, show(*decision.scheduled),
                      run.error().message());
        return;
      }
      ++counters_.runs_started;
      runs.runs.push_back(*run);
      spdlog::info("{}: run {} started for schedule {}", name, *run, show(*decision.scheduled));
      return;
    }
  }
  spdlog::info("{}: schedule {} {}", name, show(*decision.scheduled), to_string(decision.action));
}

void Scheduler::prune(const ScheduledWorkflow& workflow, ScheduledRuns& runs) {
  struct Finished {
    int64_t finished_ms;
    std::string id;
    bool succeeded;
  };
  std::vector<Finished> finished;
  std::set<std::string> forgotten;
  for (const auto& id : runs.runs) {
    if (launcher_.active(id)) continue;
    auto run = store_.get_run(id);
    if (!run) {
      if (run.error().code() == ErrorCode::kNotFound) forgotten.insert(id);
      continue;
    }
    if (!pipeline::is_finished(run->phase)) continue;
    finished.push_back({run->finished_ms.value_or(run->created_ms), id,
                        run->phase == pipeline::NodePhase::kSucceeded});
  }
  std::ranges::sort(finished, std::greater<>(), &Finished::finished_ms);
  int succeeded_kept = 0;
  int failed_kept = 0;
  const auto& options = workflow.plan.options;
  for (const auto& run : finished) {
    int& kept = run.succeeded ? succeeded_kept : failed_kept;
    const int limit =
        run.succeeded ? options.successful_jobs_history_limit : options.failed_jobs_history_limit;
    if (kept < limit) {
      ++kept;
      continue;
    }
    if (auto deleted = store_.delete_run(run.id); !deleted) {
      spdlog::warn("{}: pruning run {}: {}", workflow.plan.name, run.id, deleted.error().message());
      continue;
    }
    ++counters_.pruned;
    forgotten.insert(run.id);
    spdlog::info("{}: run {} pruned (history limit)", workflow.plan.name, run.id);
  }
  std::erase_if(runs.runs, [&](const std::string& id) { return forgotten.contains(id); });
}

Result<std::optional<Seconds>> Scheduler::tick() {
  std::lock_guard lock(mutex_);
  const Seconds now = options_.now();
  std::optional<Seconds> next;
  for (const auto& workflow : workflows_) {
    ScheduledRuns& runs = state_.crons[workflow.plan.name];
    act(workflow, now, runs);
    prune(workflow, runs);
    auto upcoming = next_fire(workflow.plan, runs.last.value_or(now));
    if (upcoming && (!next || *upcoming < *next)) next = upcoming;
  }
  std::erase_if(state_.train_model.runs, [&](const std::string& id) {
    return state_.train_model.runs.size() > kTriggerRunsKept && !launcher_.active(id);
  });
  if (auto saved = save_state(options_.state_file, state_); !saved) return fail(saved.error());
  return next;
}

TriggerOutcome Scheduler::on_control_message(std::string_view message) {
  std::lock_guard lock(mutex_);
  auto command = parse_control_command(message);
  if (!command) {
    ++counters_.commands_malformed;
    spdlog::warn("control message ignored: {}", command.error().message());
    return TriggerOutcome::kMalformed;
  }
  if (command->command != kTrainModelCommand || !options_.train) {
    ++counters_.commands_ignored;
    spdlog::info("control command '{}' ignored{}", command->command,
                 options_.train ? "" : " (no --on-train-model workflow)");
    return TriggerOutcome::kIgnored;
  }
  const TrainTrigger& train = *options_.train;
  const Seconds now = options_.now();
  auto& trigger = state_.train_model;
  if (trigger.last && now < *trigger.last + train.cooldown) {
    ++counters_.train_cooling_down;
    spdlog::info("train-model ignored: cooling down until {} (last start {})",
                 show(*trigger.last + train.cooldown), show(*trigger.last));
    return TriggerOutcome::kCoolingDown;
  }
  pipeline::NamedValues parameters = train.parameters;
  if (command->payload) parameters.emplace_back(train.parameter, *command->payload);
  auto run = launcher_.start(train.file, parameters);
  if (!run) {
    ++counters_.start_failures;
    spdlog::error("train-model: {}", run.error().message());
    return TriggerOutcome::kFailed;
  }
  trigger.last = now;
  trigger.runs.push_back(*run);
  ++counters_.train_started;
  spdlog::info("train-model: run {} started", *run);
  if (auto saved = save_state(options_.state_file, state_); !saved) {
    spdlog::error("train-model: {}", saved.error().message());
  }
  return TriggerOutcome::kStarted;
}

Status Scheduler::serve() {
  constexpr auto kLongestWait = std::chrono::minutes(1);
  while (true) {
    auto next = tick();
    if (!next) return fail(next.error());
    const auto now = std::chrono::system_clock::now();
    auto until = now + kLongestWait;
    if (*next && *next < until) until = **next;
    std::unique_lock lock(wake_mutex_);
    wake_cv_.wait_until(lock, until, [this] { return woken_ || stopped_; });
    if (stopped_) return {};
    woken_ = false;
  }
}

void Scheduler::wake() {
  std::lock_guard lock(wake_mutex_);
  woken_ = true;
  wake_cv_.notify_all();
}

void Scheduler::stop() {
  std::lock_guard lock(wake_mutex_);
  stopped_ = true;
  wake_cv_.notify_all();
}

SchedulerCounters Scheduler::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

SchedulerState Scheduler::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

}  // namespace aiotops::schedule
