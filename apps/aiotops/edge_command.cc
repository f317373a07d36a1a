// aiotops edge: the inference service of a gateway. Subscribes to telemetry on an MQTT broker,
// scores every reading with the serving model (native or .tflite, the same inference core as the
// devices), publishes results, alerts and dead letters, swaps models live, and serves /metrics,
// /healthz and /readyz. Runs until SIGINT or SIGTERM, then drains its queue and exits 0.

#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "apps/aiotops/command.h"
#include "apps/aiotops/yaml_config.h"
#include "common/duration.h"
#include "common/files.h"
#include "edge/edge_service.h"

namespace aiotops::cli {
namespace {

struct EdgeFlags {
  edge::EdgeServiceOptions service;
  std::string config;         // --config: a YAML file of these options
  bool check_config = false;  // validate the options, print them, exit
  std::string model;
  std::string model_dir;
  std::string overflow = "drop-oldest";
  std::string watch_interval = "1s";
  std::string password_file;
  std::string status_listen = edge::StatusServerOptions().listen;
  bool no_status = false;
  bool persistent_session = false;
  std::string cascade_model;
  std::vector<double> uncertain_band;
  std::vector<double> deadband;
  std::string persist = "3/5";
  std::vector<std::string> device_classes;    // NAME=PATTERN
  std::vector<std::string> class_thresholds;  // NAME=THRESHOLD
  std::string registry_url;
  std::string registry_model;  // NAME[@ALIAS]
  std::string registry_token_file;
  std::string registry_key_file;
  std::string registry_ca;
  std::string registry_retry_max = "30s";
  std::string drift_reference;  // turns the drift monitor on
  edge::DriftMonitorOptions drift;
  std::string drift_cooldown = "1h";
  std::string telemetry_log_retention = "7d";
};

// A secret or key file's text without its trailing line break; errors name the flag.
Result<std::string> read_secret(std::string_view flag, const std::string& path) {
  auto text = read_file(path);
  if (!text) return fail(text.error().with_context(flag));
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
  return text;
}

// --registry, --registry-model and friends: the registry model the service follows.
Status apply_registry_flags(const EdgeFlags& flags, edge::EdgeServiceOptions& s) {
  if (flags.registry_url.empty() && flags.registry_model.empty()) return {};
  if (flags.registry_url.empty() || flags.registry_model.empty() ||
      flags.registry_key_file.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "a registry model needs --registry, --registry-model and --registry-key");
  }
  auto model = edge::parse_registry_model(flags.registry_model);
  if (!model) return fail(model.error());
  edge::RegistryFollowerOptions& r = s.registry.emplace();
  r.source.url = flags.registry_url;
  r.source.model = model->first;
  r.source.alias = model->second;
  r.source.ca_file = flags.registry_ca;
  auto key = read_secret("--registry-key", flags.registry_key_file);
  if (!key) return fail(key.error());
  r.source.public_key = std::move(*key);
  if (!flags.registry_token_file.empty()) {
    auto token = read_secret("--registry-token-file", flags.registry_token_file);
    if (!token) return fail(token.error());
    r.source.token = std::move(*token);
  }
  auto retry_max = parse_duration(flags.registry_retry_max);
  if (!retry_max) return fail(retry_max.error().with_context("--registry-retry-max"));
  r.backoff.max = *retry_max;
  if (r.backoff.initial > r.backoff.max) r.backoff.initial = r.backoff.max;
  if (Status st = transport::check_backoff_options(r.backoff); !st) {
    return fail(st.error().with_context("--registry-retry-max"));
  }
  return {};
}

// "NAME=VALUE" split at the first '='; kInvalidArgument naming the flag otherwise.
Result<std::pair<std::string, std::string>> name_value(std::string_view flag,
                                                       const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    return fail(ErrorCode::kInvalidArgument, "{} '{}': expected NAME=VALUE", flag, text);
  }
  return std::pair{text.substr(0, eq), text.substr(eq + 1)};
}

// --device-class NAME=PATTERN (a device-id glob, or topic:FILTER) and
// --class-threshold NAME=X build the device classes, in the order first named.
Result<std::vector<edge::DeviceClass>> device_classes(const EdgeFlags& flags) {
  std::vector<edge::DeviceClass> classes;
  auto find = [&classes](const std::string& name) -> edge::DeviceClass& {
    for (auto& c : classes) {
      if (c.name == name) return c;
    }
    classes.emplace_back().name = name;
    return classes.back();
  };
  for (const std::string& text : flags.device_classes) {
    auto pair = name_value("--device-class", text);
    if (!pair) return fail(pair.error());
    constexpr std::string_view kTopic = "topic:";
    edge::DeviceClass& c = find(pair->first);
    if (pair->second.starts_with(kTopic)) {
      c.topics.push_back(pair->second.substr(kTopic.size()));
    } else {
      c.device_ids.push_back(pair->second);
    }
  }
  for (const std::string& text : flags.class_thresholds) {
    auto pair = name_value("--class-threshold", text);
    if (!pair) return fail(pair.error());
    double value = 0;
    auto [end, ec] =
        std::from_chars(pair->second.data(), pair->second.data() + pair->second.size(), value);
    if (ec != std::errc() || end != pair->second.data() + pair->second.size()) {
      return fail(ErrorCode::kInvalidArgument, "--class-threshold '{}': '{}' is not a number", text,
                  pair->second);
    }
    find(pair->first).threshold = value;
  }
  if (Status s = edge::check_device_classes(classes); !s) return fail(s.error());
  return classes;
}

// "N/M": N faulty readings among the last M.
Status parse_persist(const std::string& text, edge::AlertOptions& alerts) {
  size_t n = 0, m = 0;
  const char* last = text.data() + text.size();
  auto [slash, ec] = std::from_chars(text.data(), last, n);
  if (ec == std::errc() && slash != last && *slash == '/') {
    auto [end, ec2] = std::from_chars(slash + 1, last, m);
    if (ec2 == std::errc() && end == last && n >= 1 && n <= m) {
      alerts.persist_count = n;
      alerts.window = m;
      return {};
    }
  }
  return fail(ErrorCode::kInvalidArgument, "--persist '{}': expected N/M with 1 <= N <= M", text);
}

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
    auto password = read_secret("--password-file", flags.password_file);
    if (!password) return fail(password.error());
    s.mqtt.password = std::move(*password);
  }
  if (Status st = apply_registry_flags(flags, s); !st) return st;
  s.mqtt.clean_session = !flags.persistent_session;
  // 0 turns the training-range check off; otherwise values beyond the range by more than this
  // many range widths are dead-lettered.
  s.worker.check_training_range = s.worker.decoder.range_widening > 0;
  s.cascade_model_path = flags.cascade_model;
  if (!flags.uncertain_band.empty()) {
    if (flags.uncertain_band.size() != 2) {
      return fail(ErrorCode::kInvalidArgument, "--uncertain-band: expected LOW,HIGH");
    }
    s.worker.cascade = {flags.uncertain_band[0], flags.uncertain_band[1]};
  }
  s.deadband.epsilon = flags.deadband;
  s.deadband.max_devices = s.alerts.max_devices;
  if (Status st = parse_persist(flags.persist, s.alerts); !st) return st;
  auto classes = device_classes(flags);
  if (!classes) return fail(classes.error());
  s.alerts.classes = std::move(*classes);
  if (!flags.drift_reference.empty()) {
    edge::DriftMonitorOptions& drift = s.drift.emplace(flags.drift);
    // "model": each serving model's own training data, which its registry lineage names.
    if (flags.drift_reference == "model") {
      drift.reference_from_model = true;
    } else {
      drift.reference = flags.drift_reference;
    }
    auto cooldown = parse_duration(flags.drift_cooldown);
    if (!cooldown) return fail(cooldown.error().with_context("--drift-cooldown"));
    drift.trigger.cooldown = *cooldown;
  }
  auto retention = parse_duration(flags.telemetry_log_retention);
  if (!retention) return fail(retention.error().with_context("--telemetry-log-retention"));
  // Whole hour files are kept or deleted: a part of an hour keeps that hour.
  s.telemetry_log.retention = std::chrono::ceil<std::chrono::hours>(*retention);
  s.status_enabled = !flags.no_status;
  s.status.listen = flags.status_listen;
  // A QoS 1 subscriber keeps its session unless told otherwise: readings published while the
  // service is away are kept by the broker.
  return {};
}

int run_edge(CLI::App& command, EdgeFlags& flags) {
  if (!flags.config.empty()) {
    if (Status s = apply_config_file(command, flags.config); !s) return report_error(s.error());
  }
  if (Status s = apply_flags(flags); !s) return report_error(s.error());
  if (Status s = edge::check_options(flags.service); !s) return report_error(s.error());
  if (flags.check_config) {
    std::printf(
        "# aiotops edge: configuration ok; the options set by the command line or the file:\n%s",
        set_options_yaml(command).c_str());
    return kExitOk;
  }
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
  add_config_option(*cmd, flags->config);
  cmd->add_flag("--check-config", flags->check_config,
                "Check every option (and --config's file) without loading models or connecting: "
                "print the options set as YAML and exit 0, or exit 2 naming the first bad one")
      ->configurable(false);
  cmd->add_option("--broker", s.mqtt.broker_url, "mqtt://host[:port] or mqtts://host[:port]")
      ->capture_default_str();
  cmd->add_option("--model", flags->model,
                  "Model to serve: a model file or a .tflite file (required without "
                  "--registry-model)");
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
  cmd->add_flag("--persistent-session", flags->persistent_session,
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
                  "Dead-letter values beyond the model's training range by more than this many "
                  "range widths (0: no range check)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--label-field", s.worker.decoder.label_field,
                  "Field a reading may carry its label in, kept in the telemetry log for "
                  "training (\"\": not read)")
      ->capture_default_str();
  cmd->add_option("--max-payload", s.worker.decoder.max_payload_bytes,
                  "Bytes; longer telemetry is dead-lettered unread")
      ->capture_default_str();
  cmd->add_option("--cascade-model", flags->cascade_model,
                  "Second model, consulted when the first's score is in --uncertain-band");
  cmd->add_option("--uncertain-band", flags->uncertain_band,
                  "LOW,HIGH: primary scores in [LOW, HIGH) consult --cascade-model")
      ->delimiter(',')
      ->expected(2);
  cmd->add_option("--deadband", flags->deadband,
                  "Skip a reading when every feature moved less than this since the device's "
                  "last scored one (one value, or one per feature, comma-separated; units of "
                  "each feature)")
      ->delimiter(',');
  cmd->add_option("--persist", flags->persist,
                  "N/M: alert when N of a device's last M readings are faults")
      ->capture_default_str();
  cmd->add_option("--max-devices", s.alerts.max_devices,
                  "Devices whose state is kept; the least recently seen is forgotten beyond")
      ->check(CLI::Range(size_t{1}, size_t{10'000'000}))
      ->capture_default_str();
  cmd->add_option("--device-class", flags->device_classes,
                  "NAME=PATTERN: devices whose id matches the glob (or topic:FILTER) form class "
                  "NAME (repeatable)");
  cmd->add_option("--class-threshold", flags->class_thresholds,
                  "NAME=X: fault threshold of device class NAME (the reference's MCUs: 0.7)");
  cmd->add_option("--registry", flags->registry_url,
                  "Registry to follow a model in: http(s)://host[:port]");
  cmd->add_option("--registry-model", flags->registry_model,
                  "NAME[@ALIAS]: serve the version ALIAS (default production) points to, and swap "
                  "when it moves; replaces --model's once fetched");
  cmd->add_option("--registry-key", flags->registry_key_file,
                  "The registry's ed25519 public key (its keys/ed25519.pub, or /api/v1/keys "
                  "saved); every version's signed manifest is checked against it");
  cmd->add_option("--registry-token-file", flags->registry_token_file,
                  "File holding the registry token (a device token suffices)");
  cmd->add_option("--registry-ca", flags->registry_ca, "PEM CA file for an https:// registry");
  cmd->add_option("--registry-retry-max", flags->registry_retry_max,
                  "Longest wait between attempts to reach the registry (backoff cap)")
      ->capture_default_str();
  cmd->add_option("--status-listen", flags->status_listen,
                  "host:port of /metrics, /healthz, /readyz (port 0: any free port)")
      ->capture_default_str();
  cmd->add_flag("--no-status", flags->no_status, "Serve no status endpoint");
  edge::DriftMonitorOptions& drift = flags->drift;
  cmd->add_option("--drift-reference", flags->drift_reference,
                  "Statistics (aiotops stats) of the serving model's training data, or "
                  "\"model\": those of the dataset each model from the registry names in its "
                  "lineage. Turns the drift monitor on (PSI and KS per feature on /metrics, "
                  "train-model on drift)");
  cmd->add_option("--drift-window", drift.window, "Readings per drift window, per worker")
      ->check(CLI::Range(10, 1'000'000'000))
      ->capture_default_str();
  cmd->add_option("--drift-psi-threshold", drift.psi_threshold,
                  "A window drifts when a feature's PSI reaches this")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--drift-ks-threshold", drift.ks_threshold,
                  "A window also drifts when a feature's binned KS statistic reaches this (0: KS "
                  "is only reported)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--drift-persist", drift.trigger.persist_windows,
                  "Drifting windows in a row that publish train-model on the control topic")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--drift-cooldown", flags->drift_cooldown,
                  "Least time between two train-model requests")
      ->capture_default_str();
  cmd->add_option("--drift-dataset", drift.dataset,
                  "Dataset name the train-model payload carries (\"dataset\"), for the "
                  "pipeline (default with --drift-reference model: the training dataset's name)");
  cmd->add_option("--telemetry-log", s.telemetry_log.dir,
                  "Directory for the telemetry log: every scored reading as a JSON line in "
                  "telemetry-YYYYMMDDTHH.jsonl (UTC hour of receipt), for aiotops extract");
  cmd->add_option("--telemetry-log-retention", flags->telemetry_log_retention,
                  "Hour files of the telemetry log older than this (from the newest) are "
                  "deleted; 0 keeps them all")
      ->capture_default_str();
  cmd->callback([&run, flags, cmd] { run = [flags, cmd] { return run_edge(*cmd, *flags); }; });
}

}  // namespace aiotops::cli
