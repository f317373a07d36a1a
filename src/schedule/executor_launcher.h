#pragma once
// The scheduler's RunLauncher that runs workflows in this process through the pipeline
// executor, one thread per run, so scheduled runs are recorded in the run store like `aiotops
// pipeline run`'s (and `pipeline list/show/logs/retry` see them). Thread-safe.

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "pipeline/executor.h"
#include "schedule/scheduler.h"

namespace aiotops::schedule {

class ExecutorLauncher : public RunLauncher {
 public:
  // `store` and what `executor` points to must outlive the launcher. `load` gives the
  // --templates directory (its parameters are replaced by each start's). `on_finished` runs on
  // the run's thread after it ended (default: nothing).
  ExecutorLauncher(pipeline::RunStore& store, pipeline::ExecutorOptions executor,
                   pipeline::LoadOptions load,
                   std::function<void(const pipeline::RunSummary&)> on_finished = {});
  // Cancels every run still going and waits for them (cancel_all(), join_all()).
  ~ExecutorLauncher() override;

  // Fails with load_workflow()'s or check_runnable()'s error before creating a run, or the
  // store's.
  Result<std::string> start(const std::filesystem::path& file,
                            const pipeline::NamedValues& parameters) override;
  // Argo's terminate (what concurrencyPolicy Replace does): processes stopped, no exit handler.
  void cancel(const std::string& run_id) override;
  bool active(const std::string& run_id) override;

  // Argo's stop for every run (a shutdown, as `pipeline run`'s first Ctrl-C): processes
  // stopped, exit handlers of what ran still run.
  void cancel_all();
  // Waits for every run it started to end (each is recorded, cancelled ones as "cancelled").
  void join_all();

 private:
  struct Running;
  void reap_locked();

  pipeline::RunStore& store_;
  pipeline::ExecutorOptions executor_;
  pipeline::LoadOptions load_;
  std::function<void(const pipeline::RunSummary&)> on_finished_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Running>> running_;
};

}  // namespace aiotops::schedule
