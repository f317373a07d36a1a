#pragma once
// Every metric the edge service exports on /metrics, registered once; the workers and the
// network thread update them lock-free through the pointers here.

#include <array>
#include <memory>

#include "common/error.h"
#include "edge/dead_letter_reason.h"
#include "edge/metrics.h"
#include "edge/metrics_registry.h"

namespace aiotops::edge {

struct EdgeMetrics {
  MetricsRegistry registry;
  Counter* received = nullptr;           // telemetry messages handed over by the broker
  Counter* dropped = nullptr;            // dropped by a full queue (drop-oldest) or at shutdown
  Gauge* queue_depth = nullptr;          // refreshed when /metrics is rendered
  Counter* results = nullptr;            // inference results published
  Counter* alerts = nullptr;             // alerts published
  Counter* deadband_skipped = nullptr;   // readings not scored: inside the deadband
  Counter* cascade_consulted = nullptr;  // readings the second model decided
  std::array<Counter*, kDeadLetterReasonCount> dead_letters{};  // by reason
  Counter* publish_failures = nullptr;  // results, alerts, dead letters the client refused
  Histogram* latency = nullptr;         // receive to result published, seconds
  InfoGauge* model_info = nullptr;      // version, format, sha256 of the serving model
  Counter* model_swaps = nullptr;       // models loaded and swapped in
  Counter* model_refusals = nullptr;    // models that failed verification (old one kept)
  Counter* reconnects = nullptr;        // broker reconnects (both connections), synced at render
  Gauge* connected = nullptr;           // 1 while telemetry is subscribed, at render time

  // Registers every series. Fails only on a programming error (kInternal).
  static Result<std::unique_ptr<EdgeMetrics>> create();
};

}  // namespace aiotops::edge
