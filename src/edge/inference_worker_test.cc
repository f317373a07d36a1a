#include "edge/inference_worker.h"

#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "edge/test_models.h"

namespace aiotops::edge {
namespace {

struct Published {
  std::string topic;
  nlohmann::json payload;
};

class RecordingPublisher : public Publisher {
 public:
  Status publish(std::string_view topic, std::string_view payload, int) override {
    messages.push_back({std::string(topic), nlohmann::json::parse(payload)});
    return {};
  }
  void end_batch() override { batch_ends.push_back(messages.size()); }
  std::vector<Published> messages;
  std::vector<size_t> batch_ends;  // messages published when each batch ended
};

// A worker on a slot serving the test logistic regression, publishing into a recorder.
class InferenceWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto metrics = EdgeMetrics::create();
    ASSERT_TRUE(metrics);
    metrics_ = std::move(*metrics);
    ASSERT_TRUE(slot_.load_bytes(ModelRole::kPrimary,
                                 testing::native_bytes(testing::native_model(-3.4)), "v1.json"));
  }

  InferenceWorker make_worker(AlertOptions alerts = {}, DeadbandOptions deadband = {}) {
    auto stages = DeviceStages::create(alerts, deadband);
    EXPECT_TRUE(stages);
    stages_ = std::move(*stages);
    auto worker = InferenceWorker::create(0, slot_, *stages_, publisher_, *metrics_, {});
    EXPECT_TRUE(worker);
    return std::move(*worker);
  }

  // A message for `device` with the given raw features (the model's order).
  static InboundMessage message(std::string_view device, const std::vector<double>& row,
                                int64_t timestamp) {
    const auto& names = tflite::testing::make_metadata().feature_names;
    std::string payload = fmt::format(R"({{"deviceID":"{}","timeStamp":{})", device, timestamp);
    for (size_t i = 0; i < names.size(); ++i)
      payload += fmt::format(R"(,"{}":{})", names[i], row[i]);
    payload += "}";
    InboundMessage m;
    m.assign("shaded-pole-motor-sensor_data", payload, 1700000000000, 0);
    return m;
  }

  ModelSlot slot_{LoadOptions{}};
  std::unique_ptr<EdgeMetrics> metrics_;
  std::unique_ptr<DeviceStages> stages_;
  RecordingPublisher publisher_;
};

TEST_F(InferenceWorkerTest, PublishesTheScoreOfTheServingModel) {
  InferenceWorker worker = make_worker();
  const auto rows = testing::rows(20);
  const ml::Model reference = testing::native_model(-3.4);
  for (size_t i = 0; i < rows.size(); ++i) worker.process(message("m1", rows[i], 100 + i));
  size_t results = 0;
  for (const Published& p : publisher_.messages) {
    if (p.topic != "aiotops/inference/m1") continue;
    const int64_t ts = p.payload["timeStamp"];
    EXPECT_DOUBLE_EQ(p.payload["score"].get<double>(), reference.score(rows[ts - 100]));
    EXPECT_EQ(p.payload["model_version"], slot_.current()->primary->info().version);
    EXPECT_EQ(p.payload["stage"], "primary");
    ++results;
  }
  EXPECT_EQ(results, rows.size());
  EXPECT_EQ(metrics_->results->value(), rows.size());
}

TEST_F(InferenceWorkerTest, RunTakesQueuedMessagesInBatchesUntilTheQueueIsClosedAndDrained) {
  InferenceWorker worker = make_worker();
  MessageQueue queue({.capacity = 256});
  const auto rows = testing::rows(100);
  for (size_t i = 0; i < rows.size(); ++i) {
    InboundMessage m = message("m1", rows[i], static_cast<int64_t>(i));
    ASSERT_EQ(queue.push(m), PushResult::kQueued);
  }
  queue.close();
  worker.run(queue);            // returns once the closed queue is empty
  std::vector<size_t> results;  // the timestamps of results (alerts come in between)
  for (const Published& p : publisher_.messages) {
    if (p.topic.starts_with("aiotops/inference/")) results.push_back(p.payload["timeStamp"]);
  }
  ASSERT_EQ(results.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(results[i], i);  // in order, once each
  // 100 queued messages are more than one batch; each batch ends with its results handed over.
  ASSERT_GE(publisher_.batch_ends.size(), 2u);
  EXPECT_LT(publisher_.batch_ends.size(), rows.size());
  EXPECT_EQ(publisher_.batch_ends.back(), publisher_.messages.size());
  EXPECT_EQ(queue.depth(), 0u);
}

TEST_F(InferenceWorkerTest, ResultsNameTheVersionThatScoredThemAcrossASwap) {
  InferenceWorker worker = make_worker();
  const auto rows = testing::rows(10);
  for (size_t i = 0; i < 5; ++i) worker.process(message("m1", rows[i], i));
  const std::string first = slot_.current()->primary->info().version;
  ASSERT_TRUE(slot_.load_bytes(
      ModelRole::kPrimary,
      testing::native_bytes(testing::native_model(1.0, "2025-02-01T00:00:00Z")), "v2.json"));
  const std::string second = slot_.current()->primary->info().version;
  ASSERT_NE(first, second);
  for (size_t i = 5; i < 10; ++i) worker.process(message("m1", rows[i], i));
  for (const Published& p : publisher_.messages) {
    if (!p.topic.starts_with("aiotops/inference/")) continue;
    EXPECT_EQ(p.payload["model_version"], p.payload["timeStamp"].get<int>() < 5 ? first : second);
  }
}

TEST_F(InferenceWorkerTest, BadTelemetryIsDeadLetteredAndCounted) {
  InferenceWorker worker = make_worker();
  InboundMessage bad;
  bad.assign("plant/motors", "{not json", 1700000000000, 0);
  worker.process(bad);
  ASSERT_EQ(publisher_.messages.size(), 1u);
  EXPECT_EQ(publisher_.messages[0].topic, "plant/motors/dead-letter");
  EXPECT_EQ(publisher_.messages[0].payload["reason"], "invalid_json");
  EXPECT_EQ(publisher_.messages[0].payload["payload"], "{not json");
  EXPECT_EQ(metrics_->dead_letters[static_cast<size_t>(DeadLetterReason::kInvalidJson)]->value(),
            1u);
  EXPECT_EQ(metrics_->results->value(), 0u);
}

TEST_F(InferenceWorkerTest, DeadbandSkipsReadingsThatBarelyMoved) {
  DeadbandOptions deadband;
  deadband.epsilon = {1e-3};
  InferenceWorker worker = make_worker({}, deadband);
  const std::vector<double> row = testing::rows(1)[0];
  std::vector<double> nudged = row;
  nudged[0] += 1e-4;
  worker.process(message("m1", row, 1));
  worker.process(message("m1", nudged, 2));
  worker.process(message("m2", nudged, 3));  // another device: scored
  EXPECT_EQ(metrics_->deadband_skipped->value(), 1u);
  EXPECT_EQ(metrics_->results->value(), 2u);
}

TEST_F(InferenceWorkerTest, AlertsCarryTheReadingsThatRaisedThem) {
  // Every reading at or above a 0.0 threshold is a fault: the third of three persists.
  AlertOptions alerts;
  alerts.window = 3;
  alerts.persist_count = 3;
  alerts.classes.push_back({.name = "all",
                            .device_ids = {"*"},
                            .topics = {},
                            .threshold = 0.0,
                            .levels = {{"ok", 0.0}, {"high", 0.999999}}});
  InferenceWorker worker = make_worker(alerts);
  const auto rows = testing::rows(3);
  for (size_t i = 0; i < rows.size(); ++i) worker.process(message("m1", rows[i], 10 + i));
  std::vector<nlohmann::json> raised;
  for (const Published& p : publisher_.messages) {
    if (p.topic == "aiotops/alerts/m1") raised.push_back(p.payload);
  }
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0]["reason"], "persistent-fault");
  ASSERT_EQ(raised[0]["readings"].size(), 3u);
  EXPECT_EQ(raised[0]["readings"][2]["timeStamp"], 12);
  EXPECT_EQ(metrics_->alerts->value(), 1u);
}

}  // namespace
}  // namespace aiotops::edge
