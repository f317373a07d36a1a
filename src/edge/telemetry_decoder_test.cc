#include "edge/telemetry_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/allocation_counter.h"

namespace aiotops::edge {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kTopic = "shaded-pole-motor-sensor_data";

std::vector<std::string> motor_features() {
  return {"current", "temperature", "vibration", "sound"};
}

class TelemetryDecoderTest : public ::testing::Test {
 protected:
  // Decodes and returns the reason name, or "ok".
  std::string_view decode(TelemetryDecoder& decoder, std::string_view payload) {
    return decoder.decode(kTopic, payload, reading_, rejection_) ? "ok"
                                                                 : to_string(rejection_.reason);
  }

  TelemetryDecoder decoder_ = *TelemetryDecoder::create(motor_features(), {});
  telemetry::Reading reading_;
  Rejection rejection_;
};

TEST_F(TelemetryDecoderTest, ReferenceMessagesDecode) {
  EXPECT_EQ(decode(decoder_, R"({"deviceID":"esp32-1a2b","current":412.50,"temperature":36.60,)"
                             R"("vibration":1235.90,"sound":150.60,"fft_data":"true"})"),
            "ok");
  EXPECT_EQ(reading_.device_id, "esp32-1a2b");
  EXPECT_THAT(reading_.values, ElementsAre(412.5, 36.6, 1235.9, 150.6));
  EXPECT_FALSE(reading_.timestamp_ms.has_value());

  EXPECT_EQ(decode(decoder_, R"({"chipID":12345,"timeStamp":1700000000123,"current":"1",)"
                             R"("temperature":2,"vibration":3,"sound":4})"),
            "ok");
  EXPECT_EQ(reading_.device_id, "12345");
  EXPECT_EQ(reading_.timestamp_ms, 1700000000123);
}

TEST_F(TelemetryDecoderTest, MessageWithoutDeviceIdIsKeyedByTopic) {
  // The reference's hand-typed fault message.
  EXPECT_EQ(decode(decoder_,
                   R"({"current":1634.7,"temperature":145.4,"vibration":1235.9,"sound":150.6})"),
            "ok");
  EXPECT_EQ(reading_.device_id, kTopic);
  EXPECT_EQ(decode(decoder_, R"({"deviceID":"","current":1,"temperature":2,"vibration":3,)"
                             R"("sound":4})"),
            "ok");
  EXPECT_EQ(reading_.device_id, kTopic);
}

TEST_F(TelemetryDecoderTest, ALabelIsKeptForTheLogAndABadOneIsRefused) {
  EXPECT_EQ(decode(decoder_, R"({"deviceID":"m1","current":1,"temperature":2,"vibration":3,)"
                             R"("sound":4,"label":1})"),
            "ok");
  EXPECT_EQ(reading_.label, 1);
  EXPECT_THAT(reading_.values, ElementsAre(1, 2, 3, 4));
  EXPECT_EQ(decode(decoder_, R"({"deviceID":"m1","current":1,"temperature":2,"vibration":3,)"
                             R"("sound":4})"),
            "ok");
  EXPECT_FALSE(reading_.label.has_value());
  EXPECT_EQ(decode(decoder_, R"({"deviceID":"m1","current":1,"temperature":2,"vibration":3,)"
                             R"("sound":4,"label":"broken"})"),
            "non_numeric");
  EXPECT_THAT(rejection_.detail, HasSubstr("label"));

  // Not read at all when no label field is configured.
  auto unlabelled =
      TelemetryDecoder::create(motor_features(), {}, DecoderOptions{.label_field = ""});
  ASSERT_TRUE(unlabelled);
  EXPECT_EQ(decode(*unlabelled, R"({"deviceID":"m1","current":1,"temperature":2,)"
                                R"("vibration":3,"sound":4,"label":"broken"})"),
            "ok");
  EXPECT_FALSE(reading_.label.has_value());
}

TEST_F(TelemetryDecoderTest, FeaturesComeOutInTheModelsOrder) {
  auto decoder = TelemetryDecoder::create({"sound", "current"}, {});
  ASSERT_TRUE(decoder);
  EXPECT_EQ(decode(*decoder, R"({"current":1,"temperature":2,"vibration":3,"sound":4})"), "ok");
  EXPECT_THAT(reading_.values, ElementsAre(4, 1));
}

TEST_F(TelemetryDecoderTest, EveryReasonIsToldApart) {
  const std::string valid_tail = R"("temperature":2,"vibration":3,"sound":4})";
  EXPECT_EQ(decode(decoder_, std::string(70000, ' ')), "too_large");
  EXPECT_EQ(decode(decoder_, std::string_view("\x00\x01\x02\x03", 4)), "binary");
  EXPECT_EQ(decode(decoder_, "{\"current\":\"\xFF\"," + valid_tail), "binary");
  EXPECT_EQ(decode(decoder_, "{\"current\":1,\x01" + valid_tail), "binary");
  EXPECT_EQ(decode(decoder_, ""), "invalid_json");
  EXPECT_EQ(decode(decoder_, R"({"current":1,)"), "invalid_json");
  EXPECT_EQ(decode(decoder_, "{\"current\":1,\n\t" + valid_tail + "}"), "invalid_json");
  EXPECT_EQ(decode(decoder_, "[1,2,3]"), "not_an_object");
  EXPECT_EQ(decode(decoder_, R"({"current":1,"temperature":2,"vibration":3})"), "missing_field");
  EXPECT_EQ(rejection_.detail, R"(missing field "sound")");
  EXPECT_EQ(decode(decoder_, R"({"current":1,"current":1,)" + valid_tail), "duplicate_field");
  EXPECT_EQ(decode(decoder_, R"({"current":[1],)" + valid_tail), "wrong_type");
  EXPECT_EQ(decode(decoder_, R"({"current":null,)" + valid_tail), "wrong_type");
  EXPECT_EQ(decode(decoder_, R"({"current":"abc",)" + valid_tail), "non_numeric");
  EXPECT_EQ(rejection_.detail, R"(field "current": not a number: "abc")");
  EXPECT_EQ(decode(decoder_, R"({"current":"",)" + valid_tail), "non_numeric");
  EXPECT_EQ(decode(decoder_, R"({"timeStamp":"soon","current":1,)" + valid_tail), "non_numeric");
  EXPECT_EQ(decode(decoder_, R"({"current":"NaN",)" + valid_tail), "non_finite");
  EXPECT_EQ(decode(decoder_, R"({"current":NaN,)" + valid_tail), "non_finite");
  EXPECT_EQ(decode(decoder_, R"({"current":-Infinity,)" + valid_tail), "non_finite");
  EXPECT_EQ(decode(decoder_, R"({"current":"inf",)" + valid_tail), "non_finite");
  EXPECT_EQ(decode(decoder_, R"({"current":1e400,)" + valid_tail), "out_of_range");
  EXPECT_EQ(decode(decoder_,
                   "{\"deviceID\":\"" + std::string(129, 'd') + "\",\"current\":1," + valid_tail),
            "bad_device_id");
  EXPECT_EQ(decode(decoder_,
                   "{\"deviceID\":\"" + std::string(128, 'd') + "\",\"current\":1," + valid_tail),
            "ok");
}

TEST_F(TelemetryDecoderTest, ValuesOutsideTheWidenedTrainingRangeAreRefused) {
  // Widening 0.5: current in [0 - 50, 100 + 50]; sound constant 150 in training: width |150|.
  std::vector<ValueRange> ranges{{0, 100}, {20, 40}, {1000, 1500}, {150, 150}};
  auto decoder = TelemetryDecoder::create(motor_features(), ranges, {.range_widening = 0.5});
  ASSERT_TRUE(decoder);
  auto message = [](double current, double sound) {
    return fmt::format(R"({{"current":{},"temperature":30,"vibration":1200,"sound":{}}})", current,
                       sound);
  };
  EXPECT_EQ(decode(*decoder, message(150, 150)), "ok");
  EXPECT_EQ(decode(*decoder, message(-50, 150)), "ok");
  EXPECT_EQ(decode(*decoder, message(150.001, 150)), "out_of_range");
  EXPECT_EQ(rejection_.detail,
            R"(field "current": 150.001 is outside the accepted range [-50, 150])");
  EXPECT_EQ(decode(*decoder, message(-50.5, 150)), "out_of_range");
  EXPECT_EQ(decode(*decoder, message(10, 225)), "ok");
  EXPECT_EQ(decode(*decoder, message(10, 225.5)), "out_of_range");
  // The reference's sensor bug.
  EXPECT_EQ(decode(*decoder, message(10, 20971516.0)), "out_of_range");
  EXPECT_THAT(rejection_.detail, HasSubstr("\"sound\""));
}

TEST(TelemetryDecoderCreateTest, RefusesBadArguments) {
  std::vector<ValueRange> two{{0, 1}, {0, 1}};
  EXPECT_FALSE(TelemetryDecoder::create({}, {}));
  EXPECT_FALSE(TelemetryDecoder::create({"a", "a"}, {}));
  EXPECT_FALSE(TelemetryDecoder::create({"a"}, two));
  std::vector<ValueRange> inverted{{2, 1}};
  EXPECT_FALSE(TelemetryDecoder::create({"a"}, inverted));
  std::vector<ValueRange> infinite{{0, std::numeric_limits<double>::infinity()}};
  EXPECT_FALSE(TelemetryDecoder::create({"a"}, infinite));
  auto negative = TelemetryDecoder::create({"a"}, {}, {.range_widening = -1});
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(negative.error().message(), HasSubstr("range widening"));
}

TEST_F(TelemetryDecoderTest, WarmAcceptDoesNotAllocate) {
  std::vector<ValueRange> ranges{{0, 2000}, {0, 200}, {0, 3000}, {0, 500}};
  auto decoder = TelemetryDecoder::create(motor_features(), ranges);
  ASSERT_TRUE(decoder);
  const std::string with_id = R"({"deviceID":"esp32-1a2b","current":412.50,"temperature":36.60,)"
                              R"("vibration":1235.90,"sound":150.60,"fft_data":"true"})";
  const std::string without_id =
      R"({"current":1634.7,"temperature":145.4,"vibration":1235.9,"sound":150.6})";
  ASSERT_EQ(decode(*decoder, with_id), "ok");
  ASSERT_EQ(decode(*decoder, without_id), "ok");
  size_t before = aiotops::testing::allocation_count();
  for (int i = 0; i < 1000; ++i) {
    decoder->decode(kTopic, with_id, reading_, rejection_);
    decoder->decode(kTopic, without_id, reading_, rejection_);
  }
  EXPECT_EQ(aiotops::testing::allocation_count() - before, 0u);
}

}  // namespace
}  // namespace aiotops::edge
