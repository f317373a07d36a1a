#pragma once
// One inference worker's job for each queued message: decode and validate it for the serving
// model, score it, and publish the result (or the dead letter). A worker owns its decoder, its
// scorer lane and its output buffers, so a warm worker allocates nothing per message.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "edge/cascade.h"
#include "edge/dead_letter.h"
#include "edge/device_stages.h"
#include "edge/drift_monitor.h"
#include "edge/edge_metrics.h"
#include "edge/loaded_model.h"
#include "edge/message_queue.h"
#include "edge/model_slot.h"
#include "edge/outbound_json.h"
#include "edge/publisher.h"
#include "edge/telemetry_decoder.h"
#include "edge/telemetry_log.h"
#include "telemetry/dataset.h"

namespace aiotops::edge {

struct WorkerOptions {
  DecoderOptions decoder;
  DeadLetterOptions dead_letter;
  CascadeOptions cascade;  // the uncertain band, when the model set has a cascade model
  // Dead-letter values outside the model's training range (widened by decoder.range_widening);
  // false, or a model without ranges: no range check.
  bool check_training_range = true;
  int result_qos = 0;                     // QoS of results, alerts and dead letters
  DriftMonitor* drift = nullptr;          // counts every accepted reading; null: none (not owned)
  TelemetryLog* telemetry_log = nullptr;  // scored readings go here; null: none (not owned)
};

// Not thread-safe: one InferenceWorker per worker thread, each with its own lane (< the slot's
// lane count). It reads the slot once per message, so each message is scored entirely by one
// model set and its result names that version.
class InferenceWorker {
 public:
  // kInvalidArgument for bad cascade options.
  static Result<InferenceWorker> create(size_t lane, const ModelSlot& models, DeviceStages& stages,
                                        Publisher& publisher, EdgeMetrics& metrics,
                                        WorkerOptions options);

  // Handles one message completely: a dead letter, a deadband skip, or a result (and an alert
  // when one is due) published.
  void process(const InboundMessage& message);
  // Processes what `queue` delivers, taking every queued message at once (up to a batch), until
  // the queue is closed and drained. Allocates nothing per batch once the buffers are warm.
  void run(MessageQueue& queue);

 private:
  // The decoder for `model`, rebuilt when the serving model changed.
  InferenceWorker(size_t lane, const ModelSlot& models, DeviceStages& stages, Publisher& publisher,
                  EdgeMetrics& metrics, WorkerOptions options, CascadeScorer cascade)
      : lane_(lane),
        models_(models),
        stages_(stages),
        publisher_(publisher),
        metrics_(metrics),
        options_(std::move(options)),
        cascade_(std::move(cascade)),
        batch_(kBatch) {
    if (options_.drift) drift_.emplace(*options_.drift);
  }
  TelemetryDecoder* decoder_for(const std::shared_ptr<const LoadedModel>& model);
  // Publishes the result and, when due, the alert for a decided reading. Holds stages_.mutex.
  void publish_decision(const InboundMessage& message, const ModelSet& models,
                        const Decision& decision);
  void dead_letter(const InboundMessage& message, const Rejection& rejection);
  void publish(const std::string& topic, const fmt::memory_buffer& payload);

  // Messages taken from the queue at once: one hand-over (and at most one wake-up) per batch.
  static constexpr size_t kBatch = 64;

  size_t lane_;
  const ModelSlot& models_;
  DeviceStages& stages_;
  Publisher& publisher_;
  EdgeMetrics& metrics_;
  WorkerOptions options_;
  CascadeScorer cascade_;
  std::optional<DriftLane> drift_;  // with a drift monitor

  std::shared_ptr<const LoadedModel> decoder_model_;  // the model decoder_ was built for
  std::unique_ptr<TelemetryDecoder> decoder_;
  telemetry::Reading reading_;
  Rejection rejection_;
  std::string topic_;
  std::string log_line_;  // the telemetry log's line, reused
  fmt::memory_buffer payload_;
  std::vector<AlertReading> alert_readings_;
  std::vector<InboundMessage> batch_;  // kBatch buffers, swapped with the queue's
};

}  // namespace aiotops::edge
