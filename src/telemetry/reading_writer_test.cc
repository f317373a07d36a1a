#include "telemetry/reading_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "support/scratch_dir.h"

namespace aiotops::telemetry {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kFeatures{"current", "temperature", "vibration", "sound"};

Reading motor_reading() {
  Reading reading;
  reading.device_id = "motor-1";
  reading.timestamp_ms = 1700000000000;
  reading.values = {412.5, 36.6, 1235.9, 150.6};
  reading.label = 0.0;
  reading.fault_type = std::string(kNoFault);
  return reading;
}

std::string json(const Reading& reading, const ReadingFormatOptions& options = {}) {
  std::string out;
  auto status = format_reading_json(reading, kFeatures, options, out);
  EXPECT_TRUE(status.has_value()) << status.error().message();
  return out;
}

TEST(FormatReadingJson, MatchesReferenceMessageWithTwoDecimals) {
  EXPECT_EQ(json(motor_reading()),
            R"({"deviceID":"motor-1","timeStamp":1700000000000,"current":412.50,)"
            R"("temperature":36.60,"vibration":1235.90,"sound":150.60,"label":0,)"
            R"("fault_type":"none"})");
}

TEST(FormatReadingJson, OmitsAbsentDeviceTimestampLabelAndDroppedFields) {
  Reading reading;
  reading.values = {1634.7, std::numeric_limits<double>::quiet_NaN(), 1235.9, 150.6};
  EXPECT_EQ(json(reading), R"({"current":1634.70,"vibration":1235.90,"sound":150.60})");
}

TEST(FormatReadingJson, FftFlagAndUnlabelledOption) {
  ReadingFormatOptions options;
  options.fft_data_flag = true;
  options.labels = false;
  EXPECT_EQ(json(motor_reading(), options),
            R"({"deviceID":"motor-1","timeStamp":1700000000000,"current":412.50,)"
            R"("temperature":36.60,"vibration":1235.90,"sound":150.60,"fft_data":"true"})");
}

TEST(FormatReadingJson, PrecisionRoundsHalfAwayFromZeroAndNeverPrintsNegativeZero) {
  Reading reading = motor_reading();
  reading.values = {-0.001, 2.5, -2.5, 0.125};
  ReadingFormatOptions options;
  options.labels = false;
  options.precision = 0;
  EXPECT_THAT(json(reading, options),
              ::testing::HasSubstr(R"("current":0,"temperature":3,"vibration":-3,"sound":0})"));
  options.precision = 3;
  EXPECT_THAT(json(reading, options),
              ::testing::HasSubstr(
                  R"("current":-0.001,"temperature":2.500,"vibration":-2.500,"sound":0.125})"));
  reading.values = {-0.004, 1e20, 7.0, 0.0};
  options.precision = 2;
  EXPECT_THAT(json(reading, options),
              ::testing::HasSubstr(
                  R"("current":0.00,"temperature":100000000000000000000.00,"vibration":7.00,)"));
}

TEST(FormatReadingJson, EscapesStringsAndPrintsFractionalLabels) {
  Reading reading = motor_reading();
  reading.device_id = "a\"b\\c\n\x01";
  reading.label = 0.25;
  EXPECT_THAT(json(reading), ::testing::StartsWith(R"({"deviceID":"a\"b\\c\n\u0001",)"));
  EXPECT_THAT(json(reading), ::testing::HasSubstr(R"("label":0.25,)"));
}

TEST(FormatReadingJson, RejectsWrongCountInfinityAndBadPrecision) {
  std::string out = "untouched";
  Reading reading = motor_reading();
  reading.values.pop_back();
  auto status = format_reading_json(reading, kFeatures, {}, out);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.error().message(), ::testing::HasSubstr("motor-1"));
  EXPECT_EQ(out, "untouched");

  reading = motor_reading();
  reading.values[2] = std::numeric_limits<double>::infinity();
  status = format_reading_json(reading, kFeatures, {}, out);
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().message(), ::testing::HasSubstr("vibration"));

  ReadingFormatOptions options;
  options.precision = 10;
  EXPECT_FALSE(format_reading_json(motor_reading(), kFeatures, options, out).has_value());
}

TEST(FormatReadingJson, ReusesTheOutputString) {
  std::string out;
  ASSERT_TRUE(format_reading_json(motor_reading(), kFeatures, {}, out).has_value());
  const char* storage = out.data();
  Reading shorter = motor_reading();
  shorter.fault_type.clear();
  ASSERT_TRUE(format_reading_json(shorter, kFeatures, {}, out).has_value());
  EXPECT_EQ(out.data(), storage);
  EXPECT_THAT(out, ::testing::EndsWith(R"("label":0})"));
}

TEST(ParseReadingFormat, AcceptsCsvAndJsonl) {
  EXPECT_EQ(parse_reading_format("csv").value(), ReadingFormat::kCsv);
  EXPECT_EQ(parse_reading_format("jsonl").value(), ReadingFormat::kJsonLines);
  EXPECT_EQ(to_string(ReadingFormat::kJsonLines), "jsonl");
  auto bad = parse_reading_format("json");
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error().message(), ::testing::HasSubstr("'json'"));
}

class ReadingWriterTest : public ::testing::Test {
 protected:
  std::string contents(const fs::path& path) const {
    auto text = read_file(path);
    EXPECT_TRUE(text.has_value());
    return text.value_or("");
  }
  aiotops::testing::ScratchDir dir_{"reading-writer-test"};
};

TEST_F(ReadingWriterTest, CsvHeaderRowsDropoutAndQuoting) {
  fs::path path = dir_ / "out.csv";
  auto writer = ReadingWriter::open(path, kFeatures, ReadingFormat::kCsv);
  ASSERT_TRUE(writer.has_value());
  ASSERT_TRUE(writer->write(motor_reading()).has_value());
  Reading faulty = motor_reading();
  faulty.device_id = "motor,\"2\"";
  faulty.timestamp_ms = 1700000001000;
  faulty.values[1] = std::numeric_limits<double>::quiet_NaN();
  faulty.label = 1.0;
  faulty.fault_type = "bearing-wear";
  ASSERT_TRUE(writer->write(faulty).has_value());
  Reading bare;
  bare.values = {1, 2, 3, 4};
  ASSERT_TRUE(writer->write(bare).has_value());
  EXPECT_FALSE(fs::exists(path));  // nothing visible before commit
  ASSERT_TRUE(writer->commit().has_value());
  EXPECT_EQ(writer->rows(), 3u);
  EXPECT_EQ(contents(path),
            "deviceID,timeStamp,current,temperature,vibration,sound,label,fault_type\n"
            "motor-1,1700000000000,412.50,36.60,1235.90,150.60,0,none\n"
            "\"motor,\"\"2\"\"\",1700000001000,412.50,,1235.90,150.60,1,bearing-wear\n"
            ",,1.00,2.00,3.00,4.00,,\n");
}

TEST_F(ReadingWriterTest, CsvWithoutLabelColumns) {
  fs::path path = dir_ / "raw.csv";
  ReadingFormatOptions options;
  options.labels = false;
  options.precision = 1;
  auto writer = ReadingWriter::open(path, kFeatures, ReadingFormat::kCsv, options);
  ASSERT_TRUE(writer.has_value());
  ASSERT_TRUE(writer->write(motor_reading()).has_value());
  ASSERT_TRUE(writer->commit().has_value());
  EXPECT_EQ(contents(path),
            "deviceID,timeStamp,current,temperature,vibration,sound\n"
            "motor-1,1700000000000,412.5,36.6,1235.9,150.6\n");
}

TEST_F(ReadingWriterTest, JsonLinesOneMessagePerLine) {
  fs::path path = dir_ / "out.jsonl";
  auto writer = ReadingWriter::open(path, kFeatures, ReadingFormat::kJsonLines);
  ASSERT_TRUE(writer.has_value());
  ASSERT_TRUE(writer->write(motor_reading()).has_value());
  ASSERT_TRUE(writer->write(motor_reading()).has_value());
  ASSERT_TRUE(writer->commit().has_value());
  std::string line = json(motor_reading()) + "\n";
  EXPECT_EQ(contents(path), line + line);
}

TEST_F(ReadingWriterTest, LargeOutputSpansManyFlushes) {
  fs::path path = dir_ / "big.csv";
  auto writer = ReadingWriter::open(path, kFeatures, ReadingFormat::kCsv);
  ASSERT_TRUE(writer.has_value());
  constexpr int kRows = 20000;
  Reading reading = motor_reading();
  for (int i = 0; i < kRows; ++i) {
    reading.timestamp_ms = 1700000000000 + i;
    ASSERT_TRUE(writer->write(reading).has_value());
  }
  ASSERT_TRUE(writer->commit().has_value());
  std::string text = contents(path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), kRows + 1);
  EXPECT_THAT(text,
              ::testing::EndsWith("motor-1,1700000019999,412.50,36.60,1235.90,150.60,0,none\n"));
}

TEST_F(ReadingWriterTest, RejectedRowWritesNothingAndAbandonLeavesNoFile) {
  fs::path path = dir_ / "bad.csv";
  {
    auto writer = ReadingWriter::open(path, kFeatures, ReadingFormat::kCsv);
    ASSERT_TRUE(writer.has_value());
    Reading short_row = motor_reading();
    short_row.values.resize(3);
    auto status = writer->write(short_row);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(writer->rows(), 0u);
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(ReadingWriterTest, OpenRejectsNoFeaturesBadPrecisionAndMissingDirectory) {
  EXPECT_EQ(ReadingWriter::open(dir_ / "a.csv", {}, ReadingFormat::kCsv).error().code(),
            ErrorCode::kInvalidArgument);
  ReadingFormatOptions options;
  options.precision = -1;
  EXPECT_EQ(
      ReadingWriter::open(dir_ / "a.csv", kFeatures, ReadingFormat::kCsv, options).error().code(),
      ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadingWriter::open(dir_ / "missing" / "a.csv", kFeatures, ReadingFormat::kCsv)
                .error()
                .code(),
            ErrorCode::kIo);
}

}  // namespace
}  // namespace aiotops::telemetry
