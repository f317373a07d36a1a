#include "edge/inference_worker.h"

#include <chrono>
#include <utility>

#include <spdlog/spdlog.h>

#include "edge/outbound_json.h"
#include "edge/topics.h"

namespace aiotops::edge {
namespace {

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TelemetryDecoder* InferenceWorker::decoder_for(const std::shared_ptr<const LoadedModel>& model) {
  if (model == decoder_model_ && decoder_) return decoder_.get();
  decoder_model_ = model;
  const ModelInfo& info = model->info();
  auto decoder =
      TelemetryDecoder::create(info.feature_names, info.training_ranges, options_.decoder);
  if (!decoder) {
    // The loader checked the model's features and ranges; reaching this is a bug.
    spdlog::error("model {}: cannot decode telemetry for it: {}", info.version,
                  decoder.error().message());
    decoder_.reset();
    return nullptr;
  }
  decoder_ = std::make_unique<TelemetryDecoder>(std::move(*decoder));
  return decoder_.get();
}

void InferenceWorker::process(const InboundMessage& message) {
  const std::shared_ptr<const ModelSet> models = models_.current();
  TelemetryDecoder* decoder = models ? decoder_for(models->primary) : nullptr;
  if (decoder == nullptr) {
    metrics_.dropped->inc();
    return;
  }
  if (!decoder->decode(message.topic, message.payload, reading_, rejection_)) {
    dead_letter(message, rejection_);
    return;
  }
  const LoadedModel& model = *models->primary;
  const ModelInfo& info = model.info();
  auto score = model.score(lane_, reading_.values);
  if (!score) {
    spdlog::error("model {}: scoring failed: {}", info.version, score.error().message());
    metrics_.dropped->inc();
    return;
  }
  const int64_t latency_ns = steady_now_ns() - message.received_ns;
  InferenceResult result;
  result.device_id = reading_.device_id;
  result.timestamp_ms = reading_.timestamp_ms.value_or(message.received_ms);
  result.score = *score;
  result.level = level_for(info.alert_levels, *score).name;
  result.threshold = info.threshold;
  result.model_version = info.version;
  result.stage = kPrimaryStage;
  result.latency_us = latency_ns / 1000;
  encode_result(result, payload_);
  inference_topic(topic_, reading_.device_id);
  publish(topic_, payload_);
  metrics_.results->inc();
  metrics_.latency->observe(static_cast<double>(latency_ns) * 1e-9);
}

void InferenceWorker::dead_letter(const InboundMessage& message, const Rejection& rejection) {
  metrics_.dead_letters[static_cast<size_t>(rejection.reason)]->inc();
  DeadLetter letter;
  letter.reason = rejection.reason;
  letter.detail = rejection.detail;
  letter.topic = message.topic;
  letter.received_ms = message.received_ms;
  letter.payload = message.payload;
  encode_dead_letter(letter, options_.dead_letter, payload_);
  dead_letter_topic(topic_, message.topic);
  publish(topic_, payload_);
}

void InferenceWorker::publish(const std::string& topic, const fmt::memory_buffer& payload) {
  const Status status = publisher_.publish(topic, std::string_view(payload.data(), payload.size()),
                                           options_.result_qos);
  if (!status) metrics_.publish_failures->inc();
}

}  // namespace aiotops::edge
