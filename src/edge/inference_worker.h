#pragma once
// One inference worker's job for each queued message: decode and validate it for the serving
// model, score it, and publish the result (or the dead letter). A worker owns its decoder, its
// scorer lane and its output buffers, so a warm worker allocates nothing per message.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "edge/dead_letter.h"
#include "edge/edge_metrics.h"
#include "edge/loaded_model.h"
#include "edge/message_queue.h"
#include "edge/model_slot.h"
#include "edge/publisher.h"
#include "edge/telemetry_decoder.h"
#include "telemetry/dataset.h"

namespace aiotops::edge {

struct WorkerOptions {
  DecoderOptions decoder;
  DeadLetterOptions dead_letter;
  int result_qos = 0;  // QoS of results, alerts and dead letters
};

// Not thread-safe: one InferenceWorker per worker thread, each with its own lane (< the slot's
// lane count). It reads the slot once per message, so each message is scored entirely by one
// model set and its result names that version.
class InferenceWorker {
 public:
  InferenceWorker(size_t lane, const ModelSlot& models, Publisher& publisher, EdgeMetrics& metrics,
                  WorkerOptions options)
      : lane_(lane),
        models_(models),
        publisher_(publisher),
        metrics_(metrics),
        options_(std::move(options)) {}

  // Handles one message completely: a result, or a dead letter, published.
  void process(const InboundMessage& message);

 private:
  // The decoder for `model`, rebuilt when the serving model changed.
  TelemetryDecoder* decoder_for(const std::shared_ptr<const LoadedModel>& model);
  void dead_letter(const InboundMessage& message, const Rejection& rejection);
  void publish(const std::string& topic, const fmt::memory_buffer& payload);

  size_t lane_;
  const ModelSlot& models_;
  Publisher& publisher_;
  EdgeMetrics& metrics_;
  WorkerOptions options_;

  std::shared_ptr<const LoadedModel> decoder_model_;  // the model decoder_ was built for
  std::unique_ptr<TelemetryDecoder> decoder_;
  telemetry::Reading reading_;
  Rejection rejection_;
  std::string topic_;
  fmt::memory_buffer payload_;
};

}  // namespace aiotops::edge
