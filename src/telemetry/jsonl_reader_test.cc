#include "telemetry/jsonl_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace aiotops::telemetry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Dataset parse_ok(std::string_view text, const ReadOptions& options = {}) {
  auto result = parse_jsonl(text, "data.jsonl", options);
  EXPECT_TRUE(result.has_value()) << result.error().message();
  return result ? std::move(*result) : Dataset();
}

std::string error_of(std::string_view text, const ReadOptions& options = {}) {
  auto result = parse_jsonl(text, "data.jsonl", options);
  EXPECT_FALSE(result.has_value());
  return result ? "" : result.error().message();
}

TEST(JsonlReaderTest, InfersFeaturesAndOptionalColumnsFromTheFirstObject) {
  Dataset data = parse_ok(
      "\xEF\xBB\xBF{\"deviceID\":\"m1\",\"timeStamp\":1000,\"current\":412.5,\"temperature\":\"36."
      "6\","
      "\"vibration\":1235.9,\"sound\":150.6,\"fft_data\":\"true\",\"label\":0,"
      "\"fault_type\":\"none\"}\r\n"
      "\n"
      "{\"chipID\":\"m2\",\"timeStamp\":2000,\"current\":1,\"temperature\":2,\"vibration\":3,"
      "\"sound\":4,\"label\":1,\"fault_type\":\"bearing-wear\"}\n");
  EXPECT_THAT(data.feature_names, ElementsAre("current", "temperature", "vibration", "sound"));
  EXPECT_EQ(data.label_name, "label");
  EXPECT_THAT(data.features, ElementsAre(412.5, 36.6, 1235.9, 150.6, 1, 2, 3, 4));
  EXPECT_THAT(data.labels, ElementsAre(0, 1));
  EXPECT_THAT(data.device_ids, ElementsAre("m1", "m2"));
  EXPECT_THAT(data.timestamps_ms, ElementsAre(1000, 2000));
  EXPECT_THAT(data.fault_types, ElementsAre("none", "bearing-wear"));
}

TEST(JsonlReaderTest, MissingDeviceIdIsEmptyButMissingTimestampOrLabelIsBad) {
  Dataset data = parse_ok("{\"deviceID\":\"m1\",\"a\":1}\n{\"a\":2}\n");
  EXPECT_THAT(data.device_ids, ElementsAre("m1", ""));
  EXPECT_THAT(data.timestamps_ms, IsEmpty());
  EXPECT_EQ(error_of("{\"timeStamp\":1,\"a\":1}\n{\"a\":2}\n"),
            "data.jsonl:2: missing field \"timeStamp\"");
  EXPECT_EQ(error_of("{\"a\":1,\"label\":0}\n{\"a\":2}\n"),
            "data.jsonl:2: missing field \"label\"");
}

TEST(JsonlReaderTest, MissingAsNanKeepsNullAndAbsentFeatures) {
  ReadOptions options;
  options.missing_as_nan = true;
  Dataset data = parse_ok("{\"a\":1,\"b\":2,\"label\":0}\n{\"a\":null,\"label\":1}\n", options);
  ASSERT_EQ(data.rows(), 2u);
  EXPECT_TRUE(std::isnan(data.at(1, 0)));
  EXPECT_TRUE(std::isnan(data.at(1, 1)));
  EXPECT_EQ(error_of("{\"a\":1,\"label\":0}\n{\"a\":null}\n", options),
            "data.jsonl:2: missing field \"label\"");
  EXPECT_THAT(error_of("{\"a\":1}\n{\"a\":null}\n"), HasSubstr("field \"a\""));
}

TEST(JsonlReaderTest, NamedFeaturesAndLabelMustExistInTheFirstObject) {
  ReadOptions options;
  options.features = {"b"};
  options.label = "y";
  Dataset data = parse_ok("{\"a\":1,\"b\":2,\"y\":1}\n", options);
  EXPECT_THAT(data.features, ElementsAre(2));
  EXPECT_THAT(data.labels, ElementsAre(1));
  options.features = {"c"};
  EXPECT_EQ(error_of("{\"a\":1,\"b\":2,\"y\":1}\n", options),
            "data.jsonl:1: no feature field \"c\"; fields: \"a\", \"b\", \"y\"");
}

TEST(JsonlReaderTest, BadLinesNameLineAndField) {
  EXPECT_EQ(error_of("{\"a\":1}\n{\"a\":\"x\"}\n"),
            "data.jsonl:2: field \"a\": not a number: \"x\"");
  EXPECT_THAT(error_of("{\"a\":1}\n{\"a\":1\n"), HasSubstr("data.jsonl:2: invalid JSON"));
  EXPECT_THAT(error_of("[1]\n"), HasSubstr("data.jsonl:1: cannot read the first object"));
  EXPECT_THAT(error_of("{\"name\":\"x\"}\n"), HasSubstr("no numeric feature fields"));
  EXPECT_THAT(error_of("  \n"), HasSubstr("empty"));
}

// Found by fuzz_json: a repeated field in the first object became two features of one name.
TEST(JsonlReaderTest, RepeatedFieldInTheFirstObjectIsAnError) {
  EXPECT_EQ(error_of("{\"a\":1,\"sound\":2,\"sound\":3}\n"),
            "data.jsonl:1: cannot read the first object: field \"sound\" appears twice");
}

TEST(JsonlReaderTest, SkipBadRowsCountsReasons) {
  ReadOptions options;
  options.skip_bad_rows = true;
  BadRowReport report;
  auto data = parse_jsonl("{\"a\":1}\n{\"a\":\"x\"}\n{\"b\":1}\n[]\n{\"a\":\"NaN\"}\n{\"a\":2}\n",
                          "data.jsonl", options, &report);
  ASSERT_TRUE(data.has_value()) << data.error().message();
  EXPECT_THAT(data->features, ElementsAre(1, 2));
  EXPECT_EQ(report.rows_read, 6u);
  EXPECT_EQ(report.rows_skipped, 4u);
  EXPECT_EQ(
      report.skipped_by_reason,
      (std::map<std::string, size_t>{
          {"not a number", 1}, {"missing field", 1}, {"not a JSON object", 1}, {"not finite", 1}}));
  EXPECT_EQ(report.examples.front(), "data.jsonl:2: field \"a\": not a number: \"x\"");
}

}  // namespace
}  // namespace aiotops::telemetry
