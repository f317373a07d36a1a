#include "edge/edge_metrics.h"

#include <string>

namespace aiotops::edge {
namespace {

// Unwraps a registration, remembering the first failure.
template <typename T>
T* take(Result<T*> metric, Status& status) {
  if (!metric) {
    if (status) status = fail(metric.error());
    return nullptr;
  }
  return *metric;
}

}  // namespace

Result<std::unique_ptr<EdgeMetrics>> EdgeMetrics::create() {
  auto metrics = std::make_unique<EdgeMetrics>();
  MetricsRegistry& r = metrics->registry;
  Status status;
  metrics->received = take(
      r.counter("aiotops_edge_messages_received_total", "Telemetry messages received"), status);
  metrics->dropped = take(r.counter("aiotops_edge_queue_dropped_total",
                                    "Messages dropped by a full queue or at shutdown"),
                          status);
  metrics->queue_depth =
      take(r.gauge("aiotops_edge_queue_depth", "Messages waiting for a worker"), status);
  metrics->results = take(
      r.counter("aiotops_edge_results_published_total", "Inference results published"), status);
  metrics->alerts =
      take(r.counter("aiotops_edge_alerts_published_total", "Alerts published"), status);
  metrics->deadband_skipped =
      take(r.counter("aiotops_edge_deadband_skipped_total",
                     "Readings not scored because no feature left the deadband"),
           status);
  metrics->cascade_consulted = take(
      r.counter("aiotops_edge_cascade_decisions_total",
                "Readings whose primary score fell in the uncertain band, decided by the cascade"),
      status);
  for (DeadLetterReason reason : kAllDeadLetterReasons) {
    metrics->dead_letters[static_cast<size_t>(reason)] =
        take(r.counter("aiotops_edge_dead_letters_total", "Telemetry refused, by reason",
                       {{"reason", std::string(to_string(reason))}}),
             status);
  }
  metrics->publish_failures =
      take(r.counter("aiotops_edge_publish_failures_total", "Publishes the MQTT client refused"),
           status);
  metrics->latency =
      take(r.histogram("aiotops_edge_inference_latency_seconds",
                       "From receipt to result published (queueing, parsing, scoring)",
                       kLatencyBucketsSeconds),
           status);
  metrics->model_info =
      take(r.info("aiotops_edge_model_info", "The serving model", {"version", "format", "sha256"}),
           status);
  metrics->model_swaps =
      take(r.counter("aiotops_edge_model_swaps_total", "Models loaded and swapped in"), status);
  metrics->model_refusals = take(
      r.counter("aiotops_edge_model_refusals_total", "Models refused; the old one kept serving"),
      status);
  metrics->reconnects =
      take(r.counter("aiotops_edge_reconnects_total", "Reconnects to the broker"), status);
  metrics->connected =
      take(r.gauge("aiotops_edge_connected", "1 while subscribed to telemetry, else 0"), status);
  if (!status) return fail(ErrorCode::kInternal, "edge metrics: {}", status.error().message());
  return metrics;
}

}  // namespace aiotops::edge
