// aiotops pipeline run | list | show | logs | retry: Argo Workflows files run on this host
// (src/pipeline), with runs kept in a state directory. Guide: docs/pipeline.md.

#include <signal.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/aiotops/command.h"
#include "apps/aiotops/pipeline_setup.h"
#include "common/files.h"
#include "pipeline/executor.h"

namespace aiotops::cli {
namespace {

using nlohmann::json;
using pipeline::NodePhase;

struct PipelineFlags {
  std::string file;
  std::string run_id;
  std::string node;
  bool host_exec = false;
  std::vector<std::string> parameters;  // k=v
  std::string templates_dir;
  std::string image_map;
  size_t parallelism = 0;
  std::string state_dir;
  bool memoize = false;
  bool json_output = false;
};

// The run's cancel tokens, for the SIGINT/SIGTERM handler (cancel() and cancelled() are
// async-signal-safe).
pipeline::CancelToken* g_stop = nullptr;
pipeline::CancelToken* g_terminate = nullptr;

void on_signal(int) {
  if (g_stop == nullptr) return;
  if (g_stop->cancelled()) g_terminate->cancel();
  g_stop->cancel();
}

// The first Ctrl-C or SIGTERM stops the run as `argo stop` does: processes stopped, nothing new
// starts but the exit handlers, the run recorded as cancelled. A second one also stops the exit
// handlers, as `argo terminate`.
class CancelOnSignal {
 public:
  CancelOnSignal(pipeline::CancelToken& stop, pipeline::CancelToken& terminate) {
    g_terminate = &terminate;
    g_stop = &stop;
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~CancelOnSignal() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    g_stop = nullptr;
    g_terminate = nullptr;
  }
  CancelOnSignal(const CancelOnSignal&) = delete;
  CancelOnSignal& operator=(const CancelOnSignal&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

Result<std::unique_ptr<pipeline::RunStore>> open_store(const PipelineFlags& flags) {
  return open_run_store(flags.state_dir);
}

// One stderr line per node state change: "12:00:01 Running   train (dag-x7k2p.train)".
void print_progress(const pipeline::NodeRecord& node) {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char clock[16];
  std::strftime(clock, sizeof clock, "%H:%M:%S", &local);
  std::string line = fmt::format("{} {:<9} {} ({})", clock, pipeline::to_string(node.phase),
                                 node.display_name, node.id);
  if (!node.message.empty() && node.phase != NodePhase::kRunning) line += ": " + node.message;
  std::fprintf(stderr, "%s\n", line.c_str());
}

Result<pipeline::ExecutorOptions> executor_options(const PipelineFlags& flags,
                                                   std::optional<pipeline::ImageMap>& images) {
  pipeline::ExecutorOptions options;
  options.host_exec = flags.host_exec;
  options.memoize = flags.memoize;
  options.parallelism = flags.parallelism;
  if (Status s = configure_images(options, flags.image_map, images); !s) return fail(s.error());
  options.on_node_change = print_progress;
  return options;
}

// Runs `loaded` as `run_id` with signals cancelling it; prints the outcome. Exit code.
int execute(const pipeline::LoadedWorkflow& loaded, pipeline::RunStore& store,
            const std::string& run_id, const PipelineFlags& flags) {
  std::optional<pipeline::ImageMap> images;
  auto options = executor_options(flags, images);
  if (!options) return report_error(options.error());
  if (auto runnable = pipeline::check_runnable(loaded, *options); !runnable) {
    (void)store.set_run_phase(run_id, NodePhase::kError, runnable.error().message());
    return report_error(runnable.error());
  }
  auto ignored = pipeline::ignored_fields(loaded);
  if (!ignored.empty()) {
    std::fprintf(stderr, "aiotops: ignored locally (kept for export): %s\n",
                 fmt::format("{}", fmt::join(ignored, ", ")).c_str());
  }
  auto token = pipeline::CancelToken::create();
  if (!token) return report_error(token.error());
  auto terminate = pipeline::CancelToken::create();
  if (!terminate) return report_error(terminate.error());
  options->terminate = terminate->get();
  std::printf("%s\n", run_id.c_str());
  std::fflush(stdout);
  pipeline::RunSummary summary;
  {
    CancelOnSignal signals(**token, **terminate);
    auto ran = pipeline::run_workflow(loaded, store, run_id, **token, *options);
    if (!ran) return report_error(ran.error());
    summary = std::move(*ran);
  }
  std::fprintf(stderr, "%s %s%s\n", run_id.c_str(), pipeline::to_string(summary.phase).data(),
               summary.message.empty() ? "" : (": " + summary.message).c_str());
  return summary.phase == NodePhase::kSucceeded ? kExitOk : kExitInternal;
}

int run_pipeline(const PipelineFlags& flags) {
  auto parameters = parse_parameters(flags.parameters);
  if (!parameters) return report_error(parameters.error());
  auto loaded = pipeline::load_workflow(
      flags.file, {.templates_dir = flags.templates_dir, .parameters = *parameters});
  if (!loaded) return report_error(loaded.error());
  auto store = open_store(flags);
  if (!store) return report_error(store.error());
  auto run = (*store)->create_run(loaded->workflow.display_name(),
                                  std::filesystem::absolute(flags.file).string(),
                                  pipeline::resolved_workflow_text(*loaded), *parameters);
  if (!run) return report_error(run.error());
  return execute(*loaded, **store, run->id, flags);
}

int retry_pipeline(const PipelineFlags& flags) {
  auto store = open_store(flags);
  if (!store) return report_error(store.error());
  auto run = (*store)->retry(flags.run_id);
  if (!run) return report_error(run.error());
  // The run's own text (workflow and WorkflowTemplates), so the retry runs what ran.
  const auto file = (*store)->run_dir(run->id) / "workflow.yaml";
  if (auto written = write_file_atomic(file, run->workflow_text); !written) {
    return report_error(written.error());
  }
  pipeline::LoadOptions load;
  load.parameters = run->parameters;
  auto loaded = pipeline::load_workflow(file, load);
  if (!loaded) return report_error(loaded.error());
  return execute(*loaded, **store, run->id, flags);
}

int list_pipelines(const PipelineFlags& flags) {
  auto store = open_store(flags);
  if (!store) return report_error(store.error());
  auto runs = (*store)->list_runs();
  if (!runs) return report_error(runs.error());
  for (const auto& run : *runs) {
    std::printf("%-32s %-10s %s\n", run.id.c_str(), pipeline::to_string(run.phase).data(),
                run.workflow_path.c_str());
  }
  return kExitOk;
}

json outputs_json(const pipeline::NodeRecord& node) {
  json outputs = json::object();
  if (!node.output_parameters.empty()) {
    outputs["parameters"] = json::array();
    for (const auto& [name, value] : node.output_parameters) {
      outputs["parameters"].push_back({{"name", name}, {"value", value}});
    }
  }
  if (node.result) outputs["result"] = *node.result;
  if (!node.artifacts.empty()) {
    outputs["artifacts"] = json::array();
    for (const auto& [name, path] : node.artifacts) {
      outputs["artifacts"].push_back({{"name", name}, {"path", path}});
    }
  }
  return outputs;
}

int show_pipeline(const PipelineFlags& flags) {
  auto store = open_store(flags);
  if (!store) return report_error(store.error());
  auto run = (*store)->get_run(flags.run_id);
  if (!run) return report_error(run.error());
  if (flags.json_output) {
    json nodes = json::array();
    for (const auto& node : run->nodes) {
      auto ms = [](const std::optional<int64_t>& value) { return value ? json(*value) : json(); };
      nodes.push_back({{"name", node.name},
                       {"displayName", node.display_name},
                       {"templateName", node.template_name},
                       {"type", node.type},
                       {"phase", pipeline::to_string(node.phase)},
                       {"message", node.message},
                       {"startedAt", ms(node.started_ms)},
                       {"finishedAt", ms(node.finished_ms)},
                       {"exitCode", node.exit_code ? json(*node.exit_code) : json(nullptr)},
                       {"outputs", outputs_json(node)}});
    }
    json out = {{"id", run->id}, {"phase", pipeline::to_string(run->phase)}, {"nodes", nodes}};
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%s %s%s\n", run->id.c_str(), pipeline::to_string(run->phase).data(),
              run->message.empty() ? "" : (": " + run->message).c_str());
  for (const auto& node : run->nodes) {
    std::printf("  %-10s %-40s %s\n", pipeline::to_string(node.phase).data(), node.name.c_str(),
                node.message.c_str());
  }
  return kExitOk;
}

int show_logs(const PipelineFlags& flags) {
  auto store = open_store(flags);
  if (!store) return report_error(store.error());
  auto node = (*store)->find_node(flags.run_id, flags.node);
  if (!node) return report_error(node.error());
  if (node->stdout_path.empty()) {
    return report_error(
        Error(ErrorCode::kNotFound, fmt::format("node {} of run {} has no logs (it ran no process)",
                                                node->name, flags.run_id)));
  }
  for (const auto& [path, stream] :
       {std::pair{node->stdout_path, stdout}, std::pair{node->stderr_path, stderr}}) {
    auto text = read_file(path);
    if (!text) return report_error(text.error());
    std::fwrite(text->data(), 1, text->size(), stream);
  }
  return kExitOk;
}

void add_state_dir(CLI::App* cmd, PipelineFlags& flags) {
  cmd->add_option("--state-dir", flags.state_dir,
                  "Where runs are kept (default $XDG_STATE_HOME/aiotops/runs, else "
                  "~/.local/state/aiotops/runs)");
}

void add_execution_flags(CLI::App* cmd, PipelineFlags& flags) {
  cmd->add_flag("--host-exec", flags.host_exec,
                "Run container/script templates that are not built-in steps as host processes");
  cmd->add_option("--image-map", flags.image_map,
                  "YAML file mapping images to built-in steps or host commands");
  cmd->add_option("--parallelism", flags.parallelism,
                  "Host processes running at once (0: the number of cores)")
      ->capture_default_str();
  cmd->add_flag("--memoize", flags.memoize,
                "Reuse the outputs of a succeeded node with the same template and inputs");
}

}  // namespace

void add_pipeline_command(CLI::App& pipeline, Action& run) {
  auto flags = std::make_shared<PipelineFlags>();

  CLI::App* run_cmd = pipeline.add_subcommand(
      "run", "Run a workflow file; prints the run id, exits 0 when it Succeeded");
  run_cmd->add_option("file", flags->file, "Workflow file (Argo YAML)")->required();
  run_cmd->add_option("-p,--parameter", flags->parameters, "Workflow parameter name=value");
  run_cmd->add_option("--templates", flags->templates_dir,
                      "Directory of WorkflowTemplates that templateRef names");
  add_execution_flags(run_cmd, *flags);
  add_state_dir(run_cmd, *flags);
  run_cmd->callback([flags, &run] { run = [flags] { return run_pipeline(*flags); }; });

  CLI::App* list_cmd = pipeline.add_subcommand("list", "List runs, newest first");
  add_state_dir(list_cmd, *flags);
  list_cmd->callback([flags, &run] { run = [flags] { return list_pipelines(*flags); }; });

  CLI::App* show_cmd = pipeline.add_subcommand("show", "Show a run and its nodes");
  show_cmd->add_option("run", flags->run_id, "Run id")->required();
  show_cmd->add_flag("--json", flags->json_output,
                     "JSON: {id, phase, nodes: [{name, displayName, templateName, type, phase, "
                     "message, startedAt, finishedAt (Unix ms), exitCode, outputs}]}");
  add_state_dir(show_cmd, *flags);
  show_cmd->callback([flags, &run] { run = [flags] { return show_pipeline(*flags); }; });

  CLI::App* logs_cmd = pipeline.add_subcommand("logs", "Print a node's stdout and stderr");
  logs_cmd->add_option("run", flags->run_id, "Run id")->required();
  logs_cmd->add_option("node", flags->node, "Node id, name or display name")->required();
  add_state_dir(logs_cmd, *flags);
  logs_cmd->callback([flags, &run] { run = [flags] { return show_logs(*flags); }; });

  CLI::App* retry_cmd =
      pipeline.add_subcommand("retry", "Run a failed run again, keeping its succeeded nodes");
  retry_cmd->add_option("run", flags->run_id, "Run id")->required();
  add_execution_flags(retry_cmd, *flags);
  add_state_dir(retry_cmd, *flags);
  retry_cmd->callback([flags, &run] { run = [flags] { return retry_pipeline(*flags); }; });
}

}  // namespace aiotops::cli
