#include "edge/inference_worker.h"

#include <utility>

#include <spdlog/spdlog.h>

#include "edge/topics.h"

namespace aiotops::edge {

Result<InferenceWorker> InferenceWorker::create(size_t lane, const ModelSlot& models,
                                                DeviceStages& stages, Publisher& publisher,
                                                EdgeMetrics& metrics, WorkerOptions options) {
  auto cascade = CascadeScorer::create(lane, options.cascade);
  if (!cascade) return fail(cascade.error());
  return InferenceWorker(lane, models, stages, publisher, metrics, std::move(options),
                         std::move(*cascade));
}

TelemetryDecoder* InferenceWorker::decoder_for(const std::shared_ptr<const LoadedModel>& model) {
  if (model == decoder_model_ && decoder_) return decoder_.get();
  decoder_model_ = model;
  const ModelInfo& info = model->info();
  const std::span<const ValueRange> ranges = options_.check_training_range
                                                 ? std::span<const ValueRange>(info.training_ranges)
                                                 : std::span<const ValueRange>();
  auto decoder = TelemetryDecoder::create(info.feature_names, ranges, options_.decoder);
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
  // Before the deadband: readings it skips are part of the distribution all the same.
  if (drift_) drift_->observe(models->primary, reading_.values, publisher_);
  if (stages_.deadband) {
    std::lock_guard lock(stages_.mutex);
    if (stages_.deadband->skip(reading_.device_id, reading_.values, models->generation)) {
      metrics_.deadband_skipped->inc();
      return;
    }
  }
  auto decision = cascade_.decide(*models, reading_.values);
  if (!decision) {
    spdlog::error("model {}: scoring failed: {}", models->primary->info().version,
                  decision.error().message());
    metrics_.dropped->inc();
    return;
  }
  if (decision->cascade_score) metrics_.cascade_consulted->inc();
  publish_decision(message, *models, *decision);
  if (options_.telemetry_log) {
    options_.telemetry_log->append(reading_, decoder->feature_names(), message.received_ms,
                                   log_line_);
  }
}

void InferenceWorker::run(MessageQueue& queue) {
  for (size_t taken = 0; (taken = queue.pop_batch(batch_)) > 0;) {
    for (size_t i = 0; i < taken; ++i) process(batch_[i]);
    publisher_.end_batch();
  }
}

void InferenceWorker::publish_decision(const InboundMessage& message, const ModelSet& models,
                                       const Decision& decision) {
  const ModelInfo& primary = models.primary->info();
  const std::string& version = decision.model->info().version;
  const int64_t timestamp_ms = reading_.timestamp_ms.value_or(message.received_ms);
  std::lock_guard lock(stages_.mutex);  // the check's views live until the next observe()
  const AlertCheck& check =
      stages_.alerts.observe(reading_.device_id, message.topic, timestamp_ms, reading_.values,
                             decision.score, primary.alert_levels, primary.threshold);
  const int64_t latency_ns = steady_clock_ns() - message.received_ns;
  InferenceResult result;
  result.device_id = reading_.device_id;
  result.timestamp_ms = timestamp_ms;
  result.score = decision.score;
  result.level = check.level;
  result.threshold = check.threshold;
  result.model_version = version;
  result.stage = decision.stage;
  result.latency_us = latency_ns / 1000;
  encode_result(result, payload_);
  inference_topic(topic_, reading_.device_id);
  publish(topic_, payload_);
  metrics_.results->inc();
  metrics_.latency->observe(static_cast<double>(latency_ns) * 1e-9);
  if (!check.raise) return;
  alert_readings_.clear();
  for (const WindowReading& r : check.readings) {
    alert_readings_.push_back({r.timestamp_ms, r.values, r.score});
  }
  AlertMessage alert;
  alert.device_id = reading_.device_id;
  alert.level = check.level;
  alert.previous_level = check.previous_level;
  alert.score = decision.score;
  alert.reason = check.reason;
  alert.model_version = version;
  alert.feature_names = primary.feature_names;
  alert.readings = alert_readings_;
  encode_alert(alert, payload_);
  alert_topic(topic_, reading_.device_id);
  publish(topic_, payload_);
  metrics_.alerts->inc();
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
