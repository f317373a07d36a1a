#include "schedule/executor_launcher.h"

#include <spdlog/spdlog.h>

namespace aiotops::schedule {

struct ExecutorLauncher::Running {
  pipeline::LoadedWorkflow loaded;                   // must stay put while the run uses it
  std::unique_ptr<pipeline::CancelToken> cancel;     // Argo's stop: exit handlers still run
  std::unique_ptr<pipeline::CancelToken> terminate;  // Argo's terminate: they do not
  pipeline::ExecutorOptions options;
  std::atomic<bool> done{false};
  std::thread thread;
};

ExecutorLauncher::ExecutorLauncher(pipeline::RunStore& store, pipeline::ExecutorOptions executor,
                                   pipeline::LoadOptions load,
                                   std::function<void(const pipeline::RunSummary&)> on_finished)
    : store_(store),
      executor_(std::move(executor)),
      load_(std::move(load)),
      on_finished_(std::move(on_finished)) {}

ExecutorLauncher::~ExecutorLauncher() {
  cancel_all();
  join_all();
}

void ExecutorLauncher::reap_locked() {
  for (auto it = running_.begin(); it != running_.end();) {
    if (it->second->done.load(std::memory_order_acquire)) {
      it->second->thread.join();
      it = running_.erase(it);
    } else {
      ++it;
    }
  }
}

Result<std::string> ExecutorLauncher::start(const std::filesystem::path& file,
                                            const pipeline::NamedValues& parameters) {
  pipeline::LoadOptions load = load_;
  load.parameters = parameters;
  auto loaded = pipeline::load_workflow(file, load);
  if (!loaded) return fail(loaded.error());
  if (auto runnable = pipeline::check_runnable(*loaded, executor_); !runnable) {
    return fail(runnable.error());
  }
  auto token = pipeline::CancelToken::create();
  if (!token) return fail(token.error());
  auto terminate = pipeline::CancelToken::create();
  if (!terminate) return fail(terminate.error());
  auto run =
      store_.create_run(loaded->workflow.display_name(), std::filesystem::absolute(file).string(),
                        pipeline::resolved_workflow_text(*loaded), parameters);
  if (!run) return fail(run.error());

  auto running = std::make_unique<Running>();
  running->loaded = std::move(*loaded);
  running->cancel = std::move(*token);
  running->terminate = std::move(*terminate);
  running->options = executor_;
  running->options.terminate = running->terminate.get();
  Running* raw = running.get();
  std::lock_guard lock(mutex_);
  reap_locked();
  raw->thread = std::thread([this, raw, id = run->id] {
    auto summary = pipeline::run_workflow(raw->loaded, store_, id, *raw->cancel, raw->options);
    if (!summary) {
      spdlog::error("run {}: {}", id, summary.error().message());
      summary = pipeline::RunSummary{id, pipeline::NodePhase::kError, summary.error().message()};
    }
    spdlog::info("run {} {}{}", id, pipeline::to_string(summary->phase),
                 summary->message.empty() ? "" : ": " + summary->message);
    raw->done.store(true, std::memory_order_release);
    if (on_finished_) on_finished_(*summary);
  });
  running_.emplace(run->id, std::move(running));
  return run->id;
}

void ExecutorLauncher::cancel(const std::string& run_id) {
  std::lock_guard lock(mutex_);
  auto it = running_.find(run_id);
  if (it == running_.end()) return;
  it->second->terminate->cancel();
  it->second->cancel->cancel();
}

bool ExecutorLauncher::active(const std::string& run_id) {
  std::lock_guard lock(mutex_);
  auto it = running_.find(run_id);
  return it != running_.end() && !it->second->done.load(std::memory_order_acquire);
}

void ExecutorLauncher::cancel_all() {
  std::lock_guard lock(mutex_);
  for (auto& [id, running] : running_) running->cancel->cancel();
}

void ExecutorLauncher::join_all() {
  std::map<std::string, std::unique_ptr<Running>> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(running_);
  }
  for (auto& [id, running] : all) running->thread.join();
}

}  // namespace aiotops::schedule
