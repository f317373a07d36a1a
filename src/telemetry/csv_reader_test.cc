#include "telemetry/csv_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "common/files.h"
#include "support/scratch_dir.h"

namespace aiotops::telemetry {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

ReadOptions with_features(std::vector<std::string> features) {
  ReadOptions options;
  options.features = std::move(features);
  return options;
}

Dataset parse_ok(std::string_view text, const ReadOptions& options = {}) {
  auto result = parse_csv(text, "data.csv", options);
  EXPECT_TRUE(result.has_value()) << result.error().message();
  return result ? std::move(*result) : Dataset();
}

std::string error_of(std::string_view text, const ReadOptions& options = {}) {
  auto result = parse_csv(text, "data.csv", options);
  EXPECT_FALSE(result.has_value());
  if (result) return "";
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
  return result.error().message();
}

TEST(CsvReaderTest, ReadsHeaderAndInfersNumericColumns) {
  Dataset data = parse_ok(
      "deviceID,timeStamp,current,temperature,vibration,sound,fault_type,label\n"
      "m1,1000,412.5,36.6,1235.9,150.6,none,0\n"
      "m2,2000,1634.7,145.4,1235.9,150.6,cooling-failure,1\n");
  EXPECT_THAT(data.feature_names, ElementsAre("current", "temperature", "vibration", "sound"));
  EXPECT_EQ(data.label_name, "label");
  ASSERT_EQ(data.rows(), 2u);
  EXPECT_THAT(data.row(1), ElementsAre(1634.7, 145.4, 1235.9, 150.6));
  EXPECT_THAT(data.labels, ElementsAre(0, 1));
  EXPECT_THAT(data.device_ids, ElementsAre("m1", "m2"));
  EXPECT_THAT(data.timestamps_ms, ElementsAre(1000, 2000));
  EXPECT_THAT(data.fault_types, ElementsAre("none", "cooling-failure"));
}

TEST(CsvReaderTest, SelectedFeaturesKeepTheirOrderAndOtherColumnsAreNotValidated) {
  ReadOptions options;
  options.features = {"b", "a"};
  options.label = "y";
  Dataset data = parse_ok("id,a,b,y,notes\nx1,1,2,0,anything\n,3,4,1,\n", options);
  EXPECT_THAT(data.feature_names, ElementsAre("b", "a"));
  EXPECT_THAT(data.features, ElementsAre(2, 1, 4, 3));
  EXPECT_EQ(data.label_name, "y");
  EXPECT_THAT(data.labels, ElementsAre(0, 1));
  EXPECT_THAT(data.device_ids, IsEmpty());
}

TEST(CsvReaderTest, LabelValuesAreKeptAsNumbers) {
  Dataset data = parse_ok("a,label\n1,2\n2,0.5\n");
  EXPECT_THAT(data.labels, ElementsAre(2, 0.5));
}

TEST(CsvReaderTest, ByteOrderMarkIsIgnored) {
  Dataset data = parse_ok(
      "\xEF\xBB\xBF"
      "a,b\n1,2\n");
  EXPECT_THAT(data.feature_names, ElementsAre("a", "b"));
  // Columns in messages count from the first visible character.
  EXPECT_EQ(error_of("\xEF\xBB\xBF"
                     "a,b\n1,2\nx,2\n"),
            "data.csv:3:1: column \"a\" (field 1): not a number: \"x\"");
}

TEST(CsvReaderTest, CrlfLineEnds) {
  Dataset data = parse_ok("a,b\r\n1,2\r\n3,4\r\n");
  EXPECT_THAT(data.feature_names, ElementsAre("a", "b"));
  EXPECT_THAT(data.features, ElementsAre(1, 2, 3, 4));
  EXPECT_EQ(error_of("a,b\r\n1,2\r\n3\r\n"), "data.csv:3:2: expected 2 fields, found 1");
}

TEST(CsvReaderTest, QuotedFieldsWithCommaDoubledQuoteAndNewline) {
  Dataset data = parse_ok(
      "deviceID,\"a\",b\n"
      "\"motor, left\",\"1.5\",2\n"
      "\"say \"\"hi\"\"\",3,4\n"
      "\"two\nlines\",5,6\n"
      "m4,7,x\n",
      with_features({"a"}));
  EXPECT_THAT(data.device_ids, ElementsAre("motor, left", "say \"hi\"", "two\nlines", "m4"));
  EXPECT_THAT(data.features, ElementsAre(1.5, 3, 5, 7));
  // Line numbers count the line break inside the quotes.
  EXPECT_EQ(error_of("a,b\n\"x\ny\",1\n2,z\n", with_features({"b"})),
            "data.csv:4:3: column \"b\" (field 2): not a number: \"z\"");
}

TEST(CsvReaderTest, BlankLinesAreIgnored) {
  Dataset data = parse_ok("a\n1\n\n2\n\n");
  EXPECT_THAT(data.features, ElementsAre(1, 2));
  EXPECT_EQ(parse_ok("a\r\n1\r\n\r\n").rows(), 1u);
}

TEST(CsvReaderTest, HeaderlessReferenceLayout) {
  Dataset data = parse_ok(
      "3c61051f1a2c,1637000000000,412.50,36.60,1235.90,150.60\n"
      "3c61051f1a2c,1637000000100,413.00,36.70,1236.00,150.00\n");
  EXPECT_THAT(data.feature_names, ElementsAre("current", "temperature", "vibration", "sound"));
  EXPECT_EQ(data.label_name, "");
  EXPECT_EQ(data.rows(), 2u);
  EXPECT_THAT(data.timestamps_ms, ElementsAre(1637000000000, 1637000000100));
  EXPECT_THAT(data.device_ids, ElementsAre("3c61051f1a2c", "3c61051f1a2c"));
  EXPECT_THAT(data.row(0), ElementsAre(412.5, 36.6, 1235.9, 150.6));
}

TEST(CsvReaderTest, HeaderlessReferenceLayoutWithLabel) {
  Dataset data = parse_ok("a1,1,1,2,3,4,0\na1,2,5,6,7,8,1\n");
  EXPECT_EQ(data.label_name, "label");
  EXPECT_THAT(data.labels, ElementsAre(0, 1));
  EXPECT_THAT(data.features, ElementsAre(1, 2, 3, 4, 5, 6, 7, 8));
  ReadOptions options;
  options.features = {"sound", "current"};
  EXPECT_THAT(parse_ok("a1,1,1,2,3,4,0\n", options).features, ElementsAre(4, 1));
  // Its errors name the reference's column names.
  EXPECT_EQ(error_of("a1,1,1,2,3,4,0\na1,2,5,x,7,8,1\n"),
            "data.csv:2:8: column \"temperature\" (field 4): not a number: \"x\"");
}

TEST(CsvReaderTest, WrongFieldCountNamesPosition) {
  EXPECT_EQ(error_of("a,b,c\n1,2,3\n4,5,6,7\n"), "data.csv:3:7: expected 3 fields, found 4");
  EXPECT_EQ(error_of("a,b,c\n1,2,3\n4,5\n"), "data.csv:3:4: expected 3 fields, found 2");
}

TEST(CsvReaderTest, NonNumericValueNamesLineColumnAndName) {
  EXPECT_EQ(error_of("a,b\n1,2\n3,4.5.6\n"),
            "data.csv:3:3: column \"b\" (field 2): not a number: \"4.5.6\"");
}

TEST(CsvReaderTest, NanAndInfinityAreRejected) {
  EXPECT_EQ(error_of("a,b\n1,2\n1,nan\n"),
            "data.csv:3:3: column \"b\" (field 2): not finite: \"nan\"");
  EXPECT_EQ(error_of("a,b\n1,2\n-inf,2\n"),
            "data.csv:3:1: column \"a\" (field 1): not finite: \"-inf\"");
  EXPECT_EQ(error_of("a,b\n1,2\n1e999,2\n"),
            "data.csv:3:1: column \"a\" (field 1): out of range: \"1e999\"");
}

TEST(CsvReaderTest, EmptyValueInSelectedColumn) {
  EXPECT_EQ(error_of("a,b,c\n1,2,3\n4,,6\n"), "data.csv:3:3: column \"b\" (field 2): empty value");
}

TEST(CsvReaderTest, MissingAsNanKeepsEmptyNanAndNullFeatureValues) {
  ReadOptions options;
  options.missing_as_nan = true;
  Dataset dataset = parse_ok("a,b,label\n1,2,0\n,NaN,1\n null ,4,0\n", options);
  ASSERT_EQ(dataset.rows(), 3u);
  EXPECT_TRUE(std::isnan(dataset.at(1, 0)));
  EXPECT_TRUE(std::isnan(dataset.at(1, 1)));
  EXPECT_TRUE(std::isnan(dataset.at(2, 0)));
  EXPECT_EQ(dataset.at(2, 1), 4.0);
  // Infinity is not missing, and labels stay required.
  EXPECT_THAT(error_of("a,b,label\n1,2,0\n1,inf,0\n", options), HasSubstr("not finite"));
  EXPECT_THAT(error_of("a,b,label\n1,2,0\n1,2,\n", options), HasSubstr("empty value"));
}

TEST(CsvReaderTest, BadLabelAndTimestamp) {
  EXPECT_EQ(error_of("a,label\n1,yes\n"),
            "data.csv:2:3: column \"label\" (field 2): not a number: \"yes\"");
  EXPECT_EQ(error_of("timeStamp,a\n1.5,2\n"),
            "data.csv:2:1: column \"timeStamp\" (field 1): not a number: \"1.5\"");
}

TEST(CsvReaderTest, BadQuoting) {
  EXPECT_EQ(error_of("a,b\n\"1\"x,2\n"), "data.csv:2:4: text after a closing quote");
  EXPECT_EQ(error_of("a,b\n1,2\n3,\"4\n5,6\n"), "data.csv:3:3: quoted field never closes");
  // Points at the opening quote even when the record had another problem first.
  EXPECT_EQ(error_of("a,b\n1,2\n\"3\"x,\"4\n"), "data.csv:3:6: quoted field never closes");
  ReadOptions skip;
  skip.skip_bad_rows = true;
  EXPECT_THAT(error_of("a,b\n1,2\n3,\"4\n", skip), HasSubstr("never closes"));
}

TEST(CsvReaderTest, SkipBadRowsCountsReasonsAndKeepsExamples) {
  ReadOptions options;
  options.skip_bad_rows = true;
  options.max_error_examples = 2;
  BadRowReport report;
  auto result =
      parse_csv("a,b\n1,2\n3\nx,4\n5,6\n,7\nnan,8\n9,inf\n10,11\n", "data.csv", options, &report);
  ASSERT_TRUE(result.has_value()) << result.error().message();
  EXPECT_THAT(result->features, ElementsAre(1, 2, 5, 6, 10, 11));
  EXPECT_EQ(report.rows_read, 8u);
  EXPECT_EQ(report.rows_skipped, 5u);
  EXPECT_EQ(
      report.skipped_by_reason,
      (std::map<std::string, size_t>{
          {"wrong field count", 1}, {"not a number", 1}, {"empty value", 1}, {"not finite", 2}}));
  EXPECT_THAT(report.examples,
              ElementsAre("data.csv:3:2: expected 2 fields, found 1",
                          "data.csv:4:1: column \"a\" (field 1): not a number: \"x\""));
}

TEST(CsvReaderTest, ReportCountsRowsWithoutSkipping) {
  BadRowReport report;
  ASSERT_TRUE(parse_csv("a\n1\n2\n", "data.csv", {}, &report).has_value());
  EXPECT_EQ(report.rows_read, 2u);
  EXPECT_EQ(report.rows_skipped, 0u);
}

TEST(CsvReaderTest, UnknownColumnsListWhatIsAvailable) {
  ReadOptions options;
  options.features = {"a", "nope"};
  EXPECT_EQ(error_of("a,b,y\n1,2,3\n", options),
            "data.csv: no feature column \"nope\"; available columns: \"a\", \"b\", \"y\"");
  options.features = {"a"};
  options.label = "target";
  EXPECT_EQ(error_of("a,b,y\n1,2,3\n", options),
            "data.csv: no label column \"target\"; available columns: \"a\", \"b\", \"y\"");
}

TEST(CsvReaderTest, InvalidSelections) {
  ReadOptions options;
  options.features = {"a", "y"};
  options.label = "y";
  EXPECT_THAT(error_of("a,y\n1,0\n", options), HasSubstr("\"y\" is the label"));
  options.features = {"a", "a"};
  options.label = "";
  EXPECT_THAT(error_of("a,y\n1,0\n", options), HasSubstr("named twice"));
  EXPECT_THAT(error_of("a,a\n1,0\n"), HasSubstr("column \"a\" appears more than once"));
  EXPECT_THAT(error_of("a,b\n"), HasSubstr("no data rows"));
  EXPECT_THAT(error_of("name,kind\nx,y\n"), HasSubstr("no numeric feature columns"));
  EXPECT_THAT(error_of(""), HasSubstr("empty"));
  EXPECT_THAT(error_of("\n\n"), HasSubstr("empty"));
}

// Found by fuzz_csv: a header name that is not UTF-8 made the statistics JSON throw.
TEST(CsvReaderTest, SelectedColumnNamesMustBeUtf8) {
  EXPECT_EQ(error_of("a1,\xf8,1,2,3,4,0\na1,2,5,6,7,8,1\n"),
            "data.csv: the name of column 2 is not valid UTF-8: \"\\xf8\"");
  ReadOptions options;
  options.features = {"a"};
  EXPECT_EQ(parse_ok("a,\xf8\n1,2\n", options).rows(), 1u);  // unselected: not checked
}

TEST(CsvReaderTest, HeaderOnlyWithNamedFeaturesIsAnEmptyDataset) {
  ReadOptions options;
  options.features = {"a"};
  Dataset data = parse_ok("a,b\n", options);
  EXPECT_EQ(data.rows(), 0u);
  EXPECT_THAT(data.feature_names, ElementsAre("a"));
}

TEST(CsvReaderTest, NumbersWithSpacesSignsAndExponents) {
  Dataset data = parse_ok("a,b,c\n +1.5 ,-2e3,.25\n");
  EXPECT_THAT(data.features, ElementsAre(1.5, -2000, 0.25));
}

TEST(CsvReaderTest, ReadsAi4iDataset) {
  ReadOptions options;
  options.features = {"Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]",
                      "Torque [Nm]", "Tool wear [min]"};
  options.label = "Machine failure";
  auto data = read_dataset(fs::path(AIOTOPS_SHARED_DATA_DIR) / "ai4i2020.csv", options);
  ASSERT_TRUE(data.has_value()) << data.error().message();
  EXPECT_EQ(data->rows(), 10000u);
  EXPECT_EQ(std::count(data->labels.begin(), data->labels.end(), 1.0), 339);
  EXPECT_THAT(data->row(0), ElementsAre(298.1, 308.6, 1551, 42.8, 0));
}

class ReadDatasetTest : public ::testing::Test {
 protected:
  aiotops::testing::ScratchDir dir_{"csv-reader-test"};
};

TEST_F(ReadDatasetTest, ChoosesFormatByExtension) {
  ASSERT_TRUE(write_file_atomic(dir_ / "d.CSV", "a,b\n1,2\n").has_value());
  ASSERT_TRUE(write_file_atomic(dir_ / "d.jsonl", "{\"a\":1,\"b\":2}\n").has_value());
  auto csv = read_dataset(dir_ / "d.CSV", {});
  auto jsonl = read_dataset(dir_ / "d.jsonl", {});
  ASSERT_TRUE(csv.has_value()) << csv.error().message();
  ASSERT_TRUE(jsonl.has_value()) << jsonl.error().message();
  EXPECT_EQ(csv->features, jsonl->features);
  EXPECT_EQ(csv->feature_names, jsonl->feature_names);
}

TEST_F(ReadDatasetTest, ErrorsNameThePath) {
  auto missing = read_dataset(dir_ / "absent.csv", {});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(write_file_atomic(dir_ / "d.csv", "a\nx\n").has_value());
  ReadOptions options;
  options.features = {"a"};
  auto bad = read_dataset(dir_ / "d.csv", options);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(),
            (dir_ / "d.csv").string() + ":2:1: column \"a\" (field 1): not a number: \"x\"");
  auto unknown = read_dataset(dir_ / "d.parquet", {});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_THAT(unknown.error().message(), HasSubstr("unknown dataset format"));
}

}  // namespace
}  // namespace aiotops::telemetry
