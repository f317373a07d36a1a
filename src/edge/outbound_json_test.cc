#include "edge/outbound_json.h"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/allocation_counter.h"

namespace aiotops::edge {
namespace {

InferenceResult sample_result() {
  return {.device_id = "esp32-1a2b",
          .timestamp_ms = 1700000000123,
          .score = 0.8312,
          .level = "immediate-failure",
          .threshold = 0.5,
          .model_version = "lr-2024-06-01",
          .stage = kPrimaryStage,
          .latency_us = 42};
}

TEST(OutboundJsonTest, ResultHasEveryField) {
  fmt::memory_buffer out;
  encode_result(sample_result(), out);
  EXPECT_EQ(fmt::to_string(out),
            R"({"deviceID":"esp32-1a2b","timeStamp":1700000000123,"score":0.8312,)"
            R"("level":"immediate-failure","threshold":0.5,"model_version":"lr-2024-06-01",)"
            R"("stage":"primary","latency_us":42})");
}

TEST(OutboundJsonTest, ResultEscapesNetworkStringsAndRoundTripsNumbers) {
  InferenceResult result = sample_result();
  result.device_id = "evil\",\"score\":1,\"x\":\"\n\xFF";
  result.score = 0.1 + 0.2;  // 0.30000000000000004
  result.stage = kCascadeStage;
  fmt::memory_buffer out;
  encode_result(result, out);
  nlohmann::json json = nlohmann::json::parse(fmt::to_string(out));
  EXPECT_EQ(json["deviceID"], "evil\",\"score\":1,\"x\":\"\n\xEF\xBF\xBD");
  EXPECT_EQ(json["score"].get<double>(), 0.1 + 0.2);
  EXPECT_EQ(json["stage"], "cascade");
  EXPECT_EQ(json.size(), 8u);

  result.score = std::numeric_limits<double>::quiet_NaN();
  encode_result(result, out);
  EXPECT_TRUE(nlohmann::json::parse(fmt::to_string(out))["score"].is_null());
}

TEST(OutboundJsonTest, AlertCarriesTheReadings) {
  std::vector<std::string> features{"current", "temperature", "vibration", "sound"};
  std::vector<double> first{412.5, 36.6, 1235.9, 150.6};
  std::vector<double> second{1634.7, 145.4, 1235.9, 150.6};
  std::vector<AlertReading> readings{{1700000000000, first, 0.12}, {1700000001000, second, 0.97}};
  AlertMessage alert{.device_id = "esp32-1a2b",
                     .level = "immediate-failure",
                     .previous_level = "no-fault",
                     .score = 0.97,
                     .reason = kLevelChangeReason,
                     .model_version = "v3",
                     .feature_names = features,
                     .readings = readings};
  fmt::memory_buffer out;
  encode_alert(alert, out);
  EXPECT_EQ(fmt::to_string(out),
            R"({"deviceID":"esp32-1a2b","level":"immediate-failure","previous_level":"no-fault",)"
            R"("score":0.97,"reason":"level-change","model_version":"v3","readings":[)"
            R"({"timeStamp":1700000000000,"current":412.5,"temperature":36.6,"vibration":1235.9,)"
            R"("sound":150.6,"score":0.12},)"
            R"({"timeStamp":1700000001000,"current":1634.7,"temperature":145.4,)"
            R"("vibration":1235.9,"sound":150.6,"score":0.97}]})");

  alert.previous_level = {};
  alert.reason = kPersistentFaultReason;
  alert.readings = {};
  encode_alert(alert, out);
  nlohmann::json json = nlohmann::json::parse(fmt::to_string(out));
  EXPECT_TRUE(json["previous_level"].is_null());
  EXPECT_EQ(json["reason"], "persistent-fault");
  EXPECT_TRUE(json["readings"].empty());
}

TEST(OutboundJsonTest, WarmEncodingDoesNotAllocate) {
  std::vector<std::string> features{"current", "temperature", "vibration", "sound"};
  std::vector<double> values{1634.7, 145.4, 1235.9, 150.6};
  std::vector<AlertReading> readings(5, AlertReading{1700000000000, values});
  AlertMessage alert{.device_id = "esp32-1a2b",
                     .level = "immediate-failure",
                     .previous_level = "potential-failure",
                     .score = 0.97,
                     .model_version = "v3",
                     .feature_names = features,
                     .readings = readings};
  fmt::memory_buffer result_out;
  fmt::memory_buffer alert_out;
  encode_result(sample_result(), result_out);
  encode_alert(alert, alert_out);
  size_t before = aiotops::testing::allocation_count();
  for (int i = 0; i < 1000; ++i) {
    InferenceResult result = sample_result();
    result.score = i / 1000.0;
    encode_result(result, result_out);
    encode_alert(alert, alert_out);
  }
  EXPECT_EQ(aiotops::testing::allocation_count() - before, 0u);
}

}  // namespace
}  // namespace aiotops::edge
