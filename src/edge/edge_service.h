#pragma once
// The edge inference service: one MQTT connection ingests telemetry into a bounded queue,
// inference workers decode, score and hand results to a second connection that publishes them
// (so a slow publish never holds up ingest), a loader swaps models in off the hot path, and a
// status endpoint serves /metrics, /healthz and /readyz.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "edge/alert_policy.h"
#include "edge/deadband.h"
#include "edge/drift_monitor.h"
#include "edge/inference_worker.h"
#include "edge/message_queue.h"
#include "edge/registry_follower.h"
#include "edge/status_server.h"
#include "edge/telemetry_log.h"
#include "transport/mqtt_options.h"

namespace aiotops::edge {

struct EdgeServiceOptions {
  // Broker, TLS, credentials, client id, session, backoff. Subscriptions are set by the service
  // from telemetry_filters, qos and control_topic.
  transport::MqttOptions mqtt;
  std::vector<std::string> telemetry_filters{"shaded-pole-motor-sensor_data"};
  int qos = 0;  // of the telemetry subscription; 1 with a persistent session keeps readings
                // published while the service is away
  // The reference's command topic ({"command":"download-model","payload":"<file>"}); empty: none.
  std::string control_topic = "control-message";
  std::filesystem::path model_path;  // the model served at start; may be empty with `registry`
  // Follow a model alias in the registry (edge/registry_follower.h): without model_path its
  // version is loaded at start; with it, it replaces model_path's once fetched. Unset: none.
  std::optional<RegistryFollowerOptions> registry;
  // A second model consulted when the first's score is uncertain (worker.cascade's band); empty:
  // none.
  std::filesystem::path cascade_model_path;
  // Where download-model payloads (plain file names) are looked up; empty: model_path's dir.
  std::filesystem::path model_dir;
  bool watch = false;  // reload model_path when its contents change
  std::chrono::milliseconds watch_interval{1000};
  QueueOptions queue;
  size_t workers = 1;  // inference threads, each with its own scorer lane
  // How long a worker waits for the results connection to come back before it drops a result
  // (counted in publish failures); at shutdown, how long the remaining results may wait in all.
  std::chrono::milliseconds publish_patience{30'000};
  WorkerOptions worker;
  AlertOptions alerts;       // levels per device class, N of M persistence
  DeadbandOptions deadband;  // empty epsilon: every reading is scored
  bool status_enabled = true;
  StatusServerOptions status;
  // The streaming drift monitor (edge/drift_monitor.h); unset: none.
  std::optional<DriftMonitorOptions> drift;
  TelemetryLogOptions telemetry_log;  // accepted readings as JSON lines; empty dir: no log
};

// Checks the options without loading or connecting anything: kInvalidArgument naming the
// first bad one. EdgeService::start() runs it first. Thread-safe.
Status check_options(const EdgeServiceOptions& options);

class EdgeService {
 public:
  // Loads and verifies the model (fails with its error: kNotFound, kCorrupt, kInvalidArgument),
  // checks the options (kInvalidArgument), binds the status endpoint (kUnavailable), then starts
  // the threads and connects in the background (a broker that is down is retried, not an error).
  static Result<std::unique_ptr<EdgeService>> start(EdgeServiceOptions options);
  // Stops ingest, lets the workers finish every queued message, publishes their results, then
  // disconnects. Idempotent; not thread-safe with itself.
  void stop();
  ~EdgeService();
  EdgeService(const EdgeService&) = delete;
  EdgeService& operator=(const EdgeService&) = delete;

  // Subscribed to telemetry, publisher connected, a model serving.
  Probe readiness() const;
  Probe health() const;
  // The Prometheus text of every metric, gauges refreshed. Thread-safe.
  std::string metrics_text() const;
  uint16_t status_port() const;
  std::string model_version() const;

 private:
  struct State;
  explicit EdgeService(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace aiotops::edge
