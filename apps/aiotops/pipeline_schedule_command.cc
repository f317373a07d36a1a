// aiotops pipeline schedule: runs CronWorkflows on their schedules and, with --mqtt, a training
// workflow on the reference's train-model control command, as a long-running service
// (src/schedule). Guide: docs/pipeline.md, "Schedules and triggers".

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "apps/aiotops/command.h"
#include "apps/aiotops/pipeline_setup.h"
#include "common/duration.h"
#include "pipeline/executor.h"
#include "schedule/executor_launcher.h"
#include "schedule/scheduler.h"
#include "transport/mqtt_client.h"

namespace aiotops::cli {
namespace {

struct ScheduleFlags {
  std::vector<std::string> files;
  std::string templates_dir;
  bool host_exec = false;
  std::string image_map;
  size_t parallelism = 0;
  std::string state_dir;
  std::string mqtt_url;
  std::string on_train_model;
  std::string train_parameter = "dataset";
  std::vector<std::string> train_parameters;  // -p name=value
  std::string cooldown = "1h";
};

// Every file must be a CronWorkflow whose workflow loads and validates now, so a bad file is
// refused at start, not at 2 a.m.
Result<std::vector<schedule::ScheduledWorkflow>> load_cron_workflows(const ScheduleFlags& flags) {
  std::vector<schedule::ScheduledWorkflow> out;
  for (const auto& file : flags.files) {
    pipeline::LoadOptions load;
    load.templates_dir = flags.templates_dir;
    auto loaded = pipeline::load_workflow(file, load);
    if (!loaded) return fail(loaded.error());
    auto plan = schedule::make_cron_plan(loaded->workflow);
    if (!plan) return fail(plan.error());
    out.push_back({std::move(*plan), std::filesystem::absolute(file)});
  }
  return out;
}

Result<std::optional<schedule::TrainTrigger>> train_trigger(const ScheduleFlags& flags) {
  if (flags.on_train_model.empty()) return std::optional<schedule::TrainTrigger>();
  if (flags.mqtt_url.empty()) {
    return fail(ErrorCode::kInvalidArgument, "--on-train-model needs --mqtt");
  }
  auto cooldown = parse_duration(flags.cooldown);
  if (!cooldown) return fail(cooldown.error().with_context("--cooldown"));
  auto parameters = parse_parameters(flags.train_parameters);
  if (!parameters) return fail(parameters.error());
  // Every parameter must exist: load with them set, as a start will.
  pipeline::NamedValues check = *parameters;
  check.emplace_back(flags.train_parameter, "");
  auto loaded = pipeline::load_workflow(
      flags.on_train_model, {.templates_dir = flags.templates_dir, .parameters = std::move(check)});
  if (!loaded) return fail(loaded.error());
  return std::optional<schedule::TrainTrigger>(schedule::TrainTrigger{
      .file = std::filesystem::absolute(flags.on_train_model),
      .parameter = flags.train_parameter,
      .cooldown = std::chrono::duration_cast<std::chrono::seconds>(*cooldown),
      .parameters = std::move(*parameters)});
}

// SIGINT and SIGTERM are blocked in every thread (set before any starts) and taken by one
// thread with sigwait, which stops the scheduler: no async-signal-safety puzzles.
class StopOnSignal {
 public:
  StopOnSignal() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  void start(schedule::Scheduler& scheduler) {
    thread_ = std::thread([this, &scheduler] {
      int signal = 0;
      sigwait(&set_, &signal);
      if (closing_.load()) return;  // the destructor's own wake-up
      spdlog::info("signal {}: stopping; running runs are cancelled", signal);
      scheduler.stop();
    });
  }
  ~StopOnSignal() {
    if (thread_.joinable()) {
      closing_.store(true);
      pthread_kill(thread_.native_handle(), SIGTERM);
      thread_.join();
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  sigset_t set_{};
  sigset_t old_{};
  std::atomic<bool> closing_{false};
  std::thread thread_;
};

int schedule_pipelines(const ScheduleFlags& flags) {
  if (flags.files.empty() && flags.on_train_model.empty()) {
    return report_error(Error(ErrorCode::kInvalidArgument,
                              "nothing to schedule: give CronWorkflow files or --on-train-model"));
  }
  auto workflows = load_cron_workflows(flags);
  if (!workflows) return report_error(workflows.error());
  auto train = train_trigger(flags);
  if (!train) return report_error(train.error());
  pipeline::ExecutorOptions executor;
  executor.host_exec = flags.host_exec;
  executor.parallelism = flags.parallelism;
  std::optional<pipeline::ImageMap> images;
  if (Status s = configure_images(executor, flags.image_map, images); !s) {
    return report_error(s.error());
  }
  auto store = open_run_store(flags.state_dir);
  if (!store) return report_error(store.error());

  StopOnSignal signals;  // before any thread starts
  schedule::Scheduler* scheduler_ptr = nullptr;
  std::mutex scheduler_mutex;
  pipeline::LoadOptions load;
  load.templates_dir = flags.templates_dir;
  schedule::ExecutorLauncher launcher(**store, executor, load, [&](const pipeline::RunSummary&) {
    std::lock_guard lock(scheduler_mutex);
    if (scheduler_ptr != nullptr) scheduler_ptr->wake();  // prune its history now
  });
  schedule::SchedulerOptions options;
  options.state_file = (*store)->state_dir() / "schedule.json";
  options.train = std::move(*train);
  auto scheduler =
      schedule::Scheduler::create(std::move(options), std::move(*workflows), launcher, **store);
  if (!scheduler) return report_error(scheduler.error());
  {
    std::lock_guard lock(scheduler_mutex);
    scheduler_ptr = scheduler->get();
  }
  signals.start(**scheduler);

  std::unique_ptr<transport::MqttClient> mqtt;
  if (!flags.mqtt_url.empty()) {
    transport::MqttOptions mqtt_options;
    mqtt_options.broker_url = flags.mqtt_url;
    mqtt_options.subscriptions.push_back({std::string(schedule::kControlTopic), 1});
    auto client = transport::MqttClient::create(
        std::move(mqtt_options),
        [&scheduler](const transport::IncomingMessage& message) {
          (void)(*scheduler)->on_control_message(message.payload);
        },
        [](transport::ConnectionState state, std::string_view detail) {
          spdlog::info("mqtt: {}{}{}", transport::to_string(state), detail.empty() ? "" : ": ",
                       detail);
        });
    if (!client) return report_error(client.error());
    mqtt = std::move(*client);
    if (auto started = mqtt->start(); !started) return report_error(started.error());
  }
  spdlog::info("scheduling {} CronWorkflow(s){}; state in {}", flags.files.size(),
               flags.on_train_model.empty() ? "" : " and train-model commands",
               (*store)->state_dir().string());
  Status served = (*scheduler)->serve();
  if (mqtt) mqtt->stop();
  launcher.cancel_all();
  launcher.join_all();
  {
    std::lock_guard lock(scheduler_mutex);
    scheduler_ptr = nullptr;
  }
  if (!served) return report_error(served.error());
  const auto counters = (*scheduler)->counters();
  spdlog::info(
      "stopped: {} runs started, {} replaced, skipped {} missed / {} forbidden / {} suspended, "
      "{} pruned; train-model: {} started, {} cooling down; {} commands ignored, {} malformed",
      counters.runs_started, counters.replaced, counters.skipped_missed, counters.skipped_forbidden,
      counters.skipped_suspended, counters.pruned, counters.train_started,
      counters.train_cooling_down, counters.commands_ignored, counters.commands_malformed);
  return kExitOk;
}

}  // namespace

void add_pipeline_schedule_command(CLI::App& pipeline, Action& run) {
  auto flags = std::make_shared<ScheduleFlags>();
  CLI::App* cmd = pipeline.add_subcommand(
      "schedule",
      "Run CronWorkflows on their schedules (and a workflow on train-model commands) until "
      "SIGTERM/SIGINT");
  cmd->add_option("files", flags->files, "CronWorkflow files (Argo YAML)");
  cmd->add_option("--templates", flags->templates_dir,
                  "Directory of WorkflowTemplates that templateRef names");
  cmd->add_flag("--host-exec", flags->host_exec,
                "Run container/script templates that are not built-in steps as host processes");
  cmd->add_option("--image-map", flags->image_map,
                  "YAML file mapping images to built-in steps or host commands");
  cmd->add_option("--parallelism", flags->parallelism,
                  "Host processes running at once per run (0: the number of cores)")
      ->capture_default_str();
  cmd->add_option("--state-dir", flags->state_dir,
                  "Run store and scheduler state (default $XDG_STATE_HOME/aiotops/runs, else "
                  "~/.local/state/aiotops/runs)");
  cmd->add_option("--mqtt", flags->mqtt_url,
                  "Broker whose control-message topic carries train-model commands "
                  "(mqtt://host:port)");
  cmd->add_option("--on-train-model", flags->on_train_model,
                  "Workflow to start on {\"command\":\"train-model\",\"payload\":P}");
  cmd->add_option("--train-parameter", flags->train_parameter,
                  "Workflow parameter that gets the payload (-p NAME=P)")
      ->capture_default_str();
  cmd->add_option("-p,--parameter", flags->train_parameters,
                  "Parameter name=value of every --on-train-model run (the payload's comes after)");
  cmd->add_option("--cooldown", flags->cooldown,
                  "At most one train-model start per this long, across restarts")
      ->capture_default_str();
  cmd->callback([flags, &run] { run = [flags] { return schedule_pipelines(*flags); }; });
}

}  // namespace aiotops::cli
