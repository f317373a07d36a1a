#include "telemetry/json_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "support/allocation_counter.h"

namespace aiotops::telemetry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class JsonCodecTest : public ::testing::Test {
 protected:
  Status parse(std::string_view message) { return parser_.parse(message, reading_); }
  // Parses `message`, expects kInvalidArgument, returns the message.
  std::string error_of(std::string_view message) {
    auto status = parse(message);
    EXPECT_FALSE(status.has_value()) << message;
    if (status) return "";
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
    return status.error().message();
  }

  JsonReadingParser parser_;
  Reading reading_;
};

TEST_F(JsonCodecTest, ParsesReferenceMessageWithDeviceId) {
  ASSERT_TRUE(parse(R"({"deviceID":"3c61051f1a2c","current":412.50,"temperature":36.60,)"
                    R"("vibration":1235.90,"sound":150.60,"fft_data":"true"})"));
  EXPECT_EQ(reading_.device_id, "3c61051f1a2c");
  EXPECT_THAT(reading_.values, ElementsAre(412.5, 36.6, 1235.9, 150.6));
  EXPECT_FALSE(reading_.timestamp_ms.has_value());
  EXPECT_FALSE(reading_.label.has_value());
}

TEST_F(JsonCodecTest, ParsesChipIdAndTimestamp) {
  ASSERT_TRUE(parse(R"({"chipID":"a1b2","timeStamp":1637000000123,"current":1,)"
                    R"("temperature":2,"vibration":3,"sound":4})"));
  EXPECT_EQ(reading_.device_id, "a1b2");
  EXPECT_EQ(reading_.timestamp_ms, 1637000000123);
  EXPECT_THAT(reading_.values, ElementsAre(1, 2, 3, 4));
}

TEST_F(JsonCodecTest, ParsesMessageWithoutDeviceAndTheHandTypedFault) {
  ASSERT_TRUE(parse(R"({"current":1634.7,"temperature":145.4,"vibration":1235.9,"sound":150.6})"));
  EXPECT_EQ(reading_.device_id, "");
  EXPECT_THAT(reading_.values, ElementsAre(1634.7, 145.4, 1235.9, 150.6));
}

TEST_F(JsonCodecTest, AbsurdSensorMagnitudeIsStillANumber) {
  ASSERT_TRUE(parse(R"({"deviceID":"x","current":412.50,"temperature":36.60,)"
                    R"("vibration":1235.90,"sound": 20971516.0})"));
  EXPECT_EQ(reading_.values[3], 20971516.0);
}

TEST_F(JsonCodecTest, NumericStringsFieldOrderAndExtraFields) {
  ASSERT_TRUE(parse(R"({"sound":"150.60","extra":{"nested":[1,2,{"x":null}]},)"
                    R"("vibration":"1235.90","fft_data":"true","temperature":"36.60",)"
                    R"("current":"412.50","timeStamp":"1637000000000"})"));
  EXPECT_THAT(reading_.values, ElementsAre(412.5, 36.6, 1235.9, 150.6));
  EXPECT_EQ(reading_.timestamp_ms, 1637000000000);
}

TEST_F(JsonCodecTest, NumericDeviceIdKeepsItsDigits) {
  ASSERT_TRUE(parse(R"({"chipID":12345678901,"current":1,"temperature":2,"vibration":3,)"
                    R"("sound":4})"));
  EXPECT_EQ(reading_.device_id, "12345678901");
}

TEST_F(JsonCodecTest, CustomFeaturesLabelAndFaultType) {
  JsonReadingParser parser({.features = {"a", "b"}, .label_field = "label"});
  Reading reading;
  ASSERT_TRUE(parser.parse(R"({"b":2,"a":1,"label":1,"fault_type":"bearing-wear"})", reading));
  EXPECT_THAT(reading.values, ElementsAre(1, 2));
  EXPECT_EQ(reading.label, 1.0);
  EXPECT_EQ(reading.fault_type, "bearing-wear");
  ASSERT_TRUE(parser.parse(R"({"a":1,"b":2,"label":"0"})", reading));
  EXPECT_EQ(reading.label, 0.0);
  EXPECT_EQ(reading.fault_type, "");  // reset between messages
  ASSERT_TRUE(parser.parse(R"({"a":1,"b":2,"label":true})", reading));
  EXPECT_EQ(reading.label, 1.0);
  ASSERT_TRUE(parser.parse(R"({"a":1,"b":2})", reading));
  EXPECT_FALSE(reading.label.has_value());
}

TEST_F(JsonCodecTest, ReusedReadingIsFullyOverwritten) {
  ASSERT_TRUE(parse(R"({"deviceID":"m1","timeStamp":5,"current":1,"temperature":2,)"
                    R"("vibration":3,"sound":4})"));
  ASSERT_TRUE(parse(R"({"current":5,"temperature":6,"vibration":7,"sound":8})"));
  EXPECT_EQ(reading_.device_id, "");
  EXPECT_FALSE(reading_.timestamp_ms.has_value());
  EXPECT_THAT(reading_.values, ElementsAre(5, 6, 7, 8));
}

TEST_F(JsonCodecTest, InvalidJsonIsAnError) {
  EXPECT_THAT(error_of(R"({"current":1,)"), HasSubstr("invalid JSON"));
  EXPECT_EQ(parser_.last_problem(), RowProblem::kInvalidJson);
  EXPECT_THAT(error_of(""), HasSubstr("invalid JSON"));
  EXPECT_THAT(error_of(R"({"current":1,"temperature":2,"vibration":3,"sound":4} x)"),
              HasSubstr("invalid JSON"));
  EXPECT_THAT(error_of(R"({"current":1,"temperature":2,"vibration":3,"sound":4}{})"),
              HasSubstr("invalid JSON"));
  EXPECT_THAT(error_of("{\"current\":\"\xff\"}"), HasSubstr("invalid JSON"));
}

// Found by fuzz_json: an empty first message passed a null buffer to memcpy.
TEST(JsonCodecRegressionTest, EmptyMessageOnAFreshParser) {
  JsonReadingParser parser;
  Reading reading;
  auto status = parser.parse("", reading);
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().message(), HasSubstr("invalid JSON"));
}

TEST_F(JsonCodecTest, NotAnObjectNamesTheType) {
  EXPECT_THAT(error_of("[1,2,3]"), HasSubstr("not a JSON object (got array)"));
  EXPECT_EQ(parser_.last_problem(), RowProblem::kNotAnObject);
  EXPECT_THAT(error_of("42"), HasSubstr("got number"));
}

TEST_F(JsonCodecTest, MissingFeatureIsNamed) {
  EXPECT_EQ(error_of(R"({"current":1,"temperature":2,"sound":4})"), "missing field \"vibration\"");
  EXPECT_EQ(parser_.last_problem(), RowProblem::kMissingField);
}

TEST_F(JsonCodecTest, NonNumericValueNamesFieldAndValue) {
  EXPECT_EQ(error_of(R"({"current":"abc","temperature":2,"vibration":3,"sound":4})"),
            "field \"current\": not a number: \"abc\"");
  EXPECT_EQ(parser_.last_problem(), RowProblem::kNotANumber);
  EXPECT_EQ(error_of(R"({"current":1,"temperature":[2],"vibration":3,"sound":4})"),
            "field \"temperature\": expected a number or numeric string, got array");
  EXPECT_EQ(parser_.last_problem(), RowProblem::kWrongType);
  EXPECT_THAT(error_of(R"({"current":1,"temperature":null,"vibration":3,"sound":4})"),
              HasSubstr("got null"));
  EXPECT_THAT(error_of(R"({"current":1,"temperature":2,"vibration":"","sound":4})"),
              HasSubstr("field \"vibration\": empty value"));
}

TEST_F(JsonCodecTest, NanAndInfinityAreRejected) {
  EXPECT_EQ(error_of(R"({"current":"NaN","temperature":2,"vibration":3,"sound":4})"),
            "field \"current\": not finite: \"NaN\"");
  EXPECT_EQ(parser_.last_problem(), RowProblem::kNotFinite);
  EXPECT_THAT(error_of(R"({"current":1,"temperature":"-inf","vibration":3,"sound":4})"),
              HasSubstr("field \"temperature\": not finite"));
  EXPECT_THAT(error_of(R"({"current":1,"temperature":2,"vibration":1e999,"sound":4})"),
              HasSubstr("field \"vibration\": out of range"));
  // Bare NaN/Infinity tokens are not JSON, but they are reported as what they mean.
  EXPECT_EQ(error_of(R"({"current":1,"temperature":2,"vibration":3,"sound":NaN})"),
            "field \"sound\": not finite: \"NaN\"");
  EXPECT_EQ(parser_.last_problem(), RowProblem::kNotFinite);
  EXPECT_EQ(error_of(R"({"current":Infinity,"temperature":2,"vibration":3,"sound":4})"),
            "field \"current\": not finite: \"Infinity\"");
  EXPECT_EQ(error_of(R"({"current":-Infinity,"temperature":2,"vibration":3,"sound":4})"),
            "field \"current\": not finite: \"-Infinity\"");
  EXPECT_EQ(error_of(R"({"current":1,"temperature":nan,"vibration":3,"sound":4})"),
            "field \"temperature\": not finite: \"nan\"");
  EXPECT_EQ(parser_.last_problem(), RowProblem::kNotFinite);
  // Other bare words stay what they are.
  EXPECT_THAT(error_of(R"({"current":1,"temperature":2,"vibration":3,"sound":Nope})"),
              HasSubstr("invalid JSON"));
  EXPECT_EQ(parser_.last_problem(), RowProblem::kInvalidJson);
  EXPECT_THAT(error_of(R"({"current":1,"temperature":2,"vibration":3,"sound":null})"),
              HasSubstr("got null"));
  EXPECT_EQ(parser_.last_problem(), RowProblem::kWrongType);
}

TEST_F(JsonCodecTest, BadTimestampAndDeviceId) {
  EXPECT_THAT(error_of(R"({"timeStamp":1.5,"current":1,"temperature":2,"vibration":3,)"
                       R"("sound":4})"),
              HasSubstr("field \"timeStamp\": not a number"));
  EXPECT_THAT(error_of(R"({"timeStamp":-5,"current":1,"temperature":2,"vibration":3,)"
                       R"("sound":4})"),
              HasSubstr("Unix milliseconds"));
  EXPECT_THAT(error_of(R"({"deviceID":{},"current":1,"temperature":2,"vibration":3,"sound":4})"),
              HasSubstr("field \"deviceID\": expected a string or non-negative integer"));
  EXPECT_THAT(error_of(R"({"deviceID":"a","chipID":"b","current":1,"temperature":2,)"
                       R"("vibration":3,"sound":4})"),
              HasSubstr("field \"chipID\": device id given twice"));
}

TEST_F(JsonCodecTest, DuplicateFeatureIsRejected) {
  EXPECT_EQ(error_of(R"({"current":1,"current":2,"temperature":2,"vibration":3,"sound":4})"),
            "field \"current\": appears twice");
  EXPECT_EQ(parser_.last_problem(), RowProblem::kDuplicateField);
}

TEST_F(JsonCodecTest, OversizeMessageIsRejectedBeforeParsing) {
  JsonReadingOptions options;
  options.max_message_bytes = 16;
  JsonReadingParser parser(options);
  Reading reading;
  auto status = parser.parse(R"({"current":1,"temperature":2,"vibration":3,"sound":4})", reading);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message(), "message of 53 bytes exceeds the limit of 16 bytes");
  EXPECT_EQ(parser.last_problem(), RowProblem::kTooLarge);
}

TEST_F(JsonCodecTest, ParserRecoversAfterAnError) {
  EXPECT_FALSE(parse("{"));
  ASSERT_TRUE(parse(R"({"current":1,"temperature":2,"vibration":3,"sound":4})"));
  EXPECT_EQ(parser_.last_problem(), RowProblem::kNone);
}

TEST_F(JsonCodecTest, WarmParseDoesNotAllocate) {
  const std::string long_message =
      R"({"deviceID":"3c61051f1a2cabcdefabcdef","timeStamp":1637000000123,"current":"412.50",)"
      R"("temperature":36.60,"vibration":1235.90,"sound":150.60,"fft_data":"true"})";
  const std::string short_message =
      R"({"chipID":"a","current":1634.7,"temperature":145.4,"vibration":1235.9,"sound":150.6})";
  ASSERT_TRUE(parse(long_message));  // warm-up: buffers grow to this size
  size_t before = aiotops::testing::allocation_count();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(parse(i % 2 == 0 ? std::string_view(short_message) : long_message).has_value());
  }
  EXPECT_EQ(aiotops::testing::allocation_count() - before, 0u);
  // The counter works: a bigger message than ever seen must grow the buffers.
  std::string bigger = long_message;
  bigger.insert(1, R"("padding":")" + std::string(4096, 'p') + R"(",)");
  before = aiotops::testing::allocation_count();
  ASSERT_TRUE(parse(bigger));
  EXPECT_GT(aiotops::testing::allocation_count() - before, 0u);
}

}  // namespace
}  // namespace aiotops::telemetry
