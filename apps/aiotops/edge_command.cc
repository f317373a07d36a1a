// aiotops edge: the inference service of a gateway. Subscribes to telemetry on an MQTT broker,
// scores every reading with the serving model (native or .tflite, the same inference core as the
// devices), publishes results, alerts and dead letters, swaps models live, and serves /metrics,
// /healthz and /readyz. Runs until SIGINT or SIGTERM, then drains its queue and exits 0.

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "apps/aiotops/command.h"
#include "common/duration.h"
#include "common/files.h"
#include "edge/edge_service.h"

namespace aiotops::cli {
namespace {

struct EdgeFlags {
  edge::EdgeServiceOptions service;
  std::string model;
  std::string model_dir;
  std::string overflow = "drop-oldest";
  std::string watch_interval = "1s";
  std::string password_file;
  std::string status_listen = edge::StatusServerOptions().listen;
  bool no_status = false;
};

Status apply_flags(EdgeFlags& flags) {
  edge::EdgeServiceOptions& s = flags.service;
  s.model_path = flags.model;
  s.model_dir = flags.model_dir;
  if (flags.overflow == "drop-oldest") {
    s.queue.overflow = edge::OverflowPolicy::kDropOldest;
  } else if (flags.overflow == "block") {
    s.queue.overflow = edge::OverflowPolicy::kBlock;
  } else {
    return fail(ErrorCode::kInvalidArgument, "--overflow '{}': expected drop-oldest or block",
                flags.overflow);
  }
  auto interval = parse_duration(flags.watch_interval);
  if (!interval) return fail(interval.error().with_context("--watch-interval"));
  if (interval->count() <= 0) {
    return fail(ErrorCode::kInvalidArgument, "--watch-interval must be longer than 0");
  }
  s.watch_interval = *interval;
  if (!flags.password_file.empty()) {
    auto password = read_file(flags.password_file);
    if (!password) return fail(password.error().with_context("--password-file"));
    while (!password->empty() && (password->back() == '\n' || password->back() == '\r')) {
      password->pop_back();
    }
    s.mqtt.password = std::move(*password);
  }
  s.status_enabled = !flags.no_status;
  s.status.listen = flags.status_listen;
  // A QoS 1 subscriber keeps its session unless told otherwise: readings published while the
  // service is away are kept by the broker.
  return {};
}

int run_edge(EdgeFlags& flags) {
  if (Status s = apply_flags(flags); !s) return report_error(s.error());
  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto service = edge::EdgeService::start(std::move(flags.service));
  if (!service) return report_error(service.error());
  spdlog::info("edge service started, model {}; waiting for SIGINT or SIGTERM",
               (*service)->model_version());
  int signal = 0;
  sigwait(&stop_signals, &signal);
  spdlog::info("signal {}: draining and stopping", signal);
  (*service)->stop();
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace

void add_edge_command(CLI::App& root, Action& run) {
  auto flags = std::make_shared<EdgeFlags>();
  edge::EdgeServiceOptions& s = flags->service;
  CLI::App* cmd = root.add_subcommand(
      "edge", "Run the inference service: MQTT telemetry in, scores, alerts and dead letters out");
  cmd->add_option("--broker", s.mqtt.broker_url, "mqtt://host[:port] or mqtts://host[:port]")
      ->capture_default_str();
  cmd->add_option("--model", flags->model, "Model to serve: a model file or a .tflite file")
      ->required();
  cmd->add_option("--topic", s.telemetry_filters,
                  "Telemetry topic filter (repeatable; + and # wildcards)")
      ->capture_default_str();
  cmd->add_option("--qos", s.qos, "QoS of the telemetry subscription")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  cmd->add_option("--result-qos", s.worker.result_qos, "QoS of results, alerts and dead letters")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  cmd->add_option("--client-id", s.mqtt.client_id,
                  "MQTT client id (a persistent session needs a stable one)");
  cmd->add_flag("!--persistent-session", s.mqtt.clean_session,
                "Keep the broker session (subscriptions, queued QoS 1 readings) across "
                "disconnects; needs --client-id");
  cmd->add_option("--username", s.mqtt.username, "MQTT user name");
  cmd->add_option("--password-file", flags->password_file,
                  "File holding the MQTT password (first line)");
  cmd->add_option("--tls-ca", s.mqtt.tls.ca_file, "PEM CA file for mqtts://");
  cmd->add_option("--tls-cert", s.mqtt.tls.cert_file, "PEM client certificate for mqtts://");
  cmd->add_option("--tls-key", s.mqtt.tls.key_file, "PEM key of --tls-cert");
  cmd->add_option("--control-topic", s.control_topic,
                  "Topic of {\"command\":\"download-model\",\"payload\":FILE}; empty: none")
      ->capture_default_str();
  cmd->add_option("--model-dir", flags->model_dir,
                  "Directory download-model files are taken from (default: --model's)");
  cmd->add_flag("--watch", s.watch, "Reload --model when the file changes");
  cmd->add_option("--watch-interval", flags->watch_interval, "How often --watch looks")
      ->capture_default_str();
  cmd->add_option("--queue-capacity", s.queue.capacity, "Readings waiting for a worker, at most")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  cmd->add_option("--overflow", flags->overflow,
                  "Full queue: drop-oldest (counted) or block (backpressure to the broker)")
      ->capture_default_str();
  cmd->add_option("--workers", s.workers, "Inference threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--range-factor", s.worker.decoder.range_widening,
                  "Dead-letter values beyond the training range by more than this many range "
                  "widths")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--max-payload", s.worker.decoder.max_payload_bytes,
                  "Bytes; longer telemetry is dead-lettered unread")
      ->capture_default_str();
  cmd->add_option("--status-listen", flags->status_listen,
                  "host:port of /metrics, /healthz, /readyz (port 0: any free port)")
      ->capture_default_str();
  cmd->add_flag("--no-status", flags->no_status, "Serve no status endpoint");
  cmd->callback([&run, flags] { run = [flags] { return run_edge(*flags); }; });
}

}  // namespace aiotops::cli
