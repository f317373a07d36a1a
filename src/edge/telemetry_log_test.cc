#include "edge/telemetry_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/files.h"
#include "support/allocation_counter.h"
#include "support/scratch_dir.h"
#include "telemetry/jsonl_reader.h"
#include "telemetry/log_file_name.h"

namespace aiotops::edge {
namespace {

namespace fs = std::filesystem;
using telemetry::Reading;

const std::vector<std::string> kFeatures{"current", "temperature", "vibration", "sound"};
// 2026-11-26 13:59:59.999 UTC and the millisecond after.
constexpr int64_t kBeforeHour = 1'795'701'599'999;
constexpr int64_t kOnTheHour = kBeforeHour + 1;

Reading reading(std::string device, std::optional<int64_t> timestamp, double current) {
  Reading r;
  r.device_id = std::move(device);
  r.timestamp_ms = timestamp;
  r.values = {current, 36.6, 1235.9, 150.625};
  return r;
}

telemetry::Dataset read_back(const fs::path& file) {
  auto text = read_file(file);
  EXPECT_TRUE(text) << file;
  auto dataset = telemetry::parse_jsonl(text.value_or(""), file.string(), {});
  EXPECT_TRUE(dataset) << dataset.error().message();
  return dataset.value_or(telemetry::Dataset{});
}

TEST(TelemetryLogTest, LinesGoToTheFileOfTheirHourOfReceiptAndParseBack) {
  testing::ScratchDir dir;
  MetricsRegistry metrics;
  auto log = TelemetryLog::start({.dir = dir / "log"}, metrics);
  ASSERT_TRUE(log) << log.error().message();
  std::string line;
  // A device timestamp is kept as it is; the receipt time decides the file.
  (*log)->append(reading("m1", 1000, 412.5), kFeatures, kBeforeHour, line);
  (*log)->append(reading("m2", std::nullopt, 413.0), kFeatures, kBeforeHour, line);
  (*log)->append(reading("m1", std::nullopt, 414.25), kFeatures, kOnTheHour, line);
  (*log)->stop();
  EXPECT_EQ((*log)->lines_written(), 3u);
  EXPECT_EQ((*log)->lines_dropped(), 0u);

  const fs::path first = dir / "log" / "telemetry-20261126T13.jsonl";
  const fs::path second = dir / "log" / "telemetry-20261126T14.jsonl";
  ASSERT_EQ(telemetry::log_file_name(telemetry::hour_of(kBeforeHour)), first.filename());
  const telemetry::Dataset a = read_back(first);
  ASSERT_EQ(a.rows(), 2u);
  EXPECT_EQ(a.feature_names, kFeatures);
  EXPECT_EQ(a.device_ids, (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(a.timestamps_ms, (std::vector<int64_t>{1000, kBeforeHour}));
  EXPECT_DOUBLE_EQ(a.at(1, 0), 413.0);
  EXPECT_DOUBLE_EQ(a.at(1, 3), 150.625);
  const telemetry::Dataset b = read_back(second);
  ASSERT_EQ(b.rows(), 1u);
  EXPECT_EQ(b.timestamps_ms, (std::vector<int64_t>{kOnTheHour}));
  EXPECT_DOUBLE_EQ(b.at(0, 0), 414.25);
}

TEST(TelemetryLogTest, AnHourSeenAgainAppendsToItsFileAndLabelsAreKept) {
  testing::ScratchDir dir;
  MetricsRegistry metrics;
  auto log = TelemetryLog::start({.dir = dir.path()}, metrics);
  ASSERT_TRUE(log);
  std::string line;
  Reading labelled = reading("m1", 5, 1.0);
  labelled.label = 1;
  // Two workers racing at the hour: receipts arrive slightly out of order.
  (*log)->append(labelled, kFeatures, kBeforeHour, line);
  (*log)->append(reading("m2", 6, 2.0), kFeatures, kOnTheHour, line);
  Reading healthy = reading("m3", 7, 3.0);
  healthy.label = 0;
  (*log)->append(healthy, kFeatures, kBeforeHour, line);
  (*log)->flush();
  EXPECT_EQ((*log)->lines_written(), 3u);
  const telemetry::Dataset a = read_back(dir / "telemetry-20261126T13.jsonl");
  EXPECT_EQ(a.device_ids, (std::vector<std::string>{"m1", "m3"}));
  ASSERT_EQ(a.labels.size(), 2u);
  EXPECT_EQ(a.labels, (std::vector<double>{1, 0}));
  EXPECT_EQ(read_back(dir / "telemetry-20261126T14.jsonl").rows(), 1u);
}

TEST(TelemetryLogTest, FlushWritesWithoutStopping) {
  testing::ScratchDir dir;
  MetricsRegistry metrics;
  auto log = TelemetryLog::start({.dir = dir.path()}, metrics);
  ASSERT_TRUE(log);
  std::string line;
  for (int i = 0; i < 100; ++i) {
    (*log)->append(reading("m", i, i), kFeatures, kOnTheHour + i, line);
  }
  (*log)->flush();
  EXPECT_EQ(read_back(dir / "telemetry-20261126T14.jsonl").rows(), 100u);
  std::string text;
  metrics.render(text);
  EXPECT_NE(text.find("aiotops_edge_telemetry_log_lines_total 100"), std::string::npos) << text;
}

TEST(TelemetryLogTest, SmallBuffersAreHandedOverAsTheyFillAndNothingIsLost) {
  testing::ScratchDir dir;
  MetricsRegistry metrics;
  auto log = TelemetryLog::start({.dir = dir.path(), .buffer_bytes = 512}, metrics);
  ASSERT_TRUE(log);
  std::string line;
  for (int i = 0; i < 2000; ++i) {
    (*log)->append(reading("m", i, i), kFeatures, kOnTheHour, line);
    // Waiting for the writer now and then keeps it from falling a whole buffer behind.
    if (i % 3 == 0) (*log)->flush();
  }
  (*log)->stop();
  EXPECT_EQ((*log)->lines_written(), 2000u);
  EXPECT_EQ(read_back(dir / "telemetry-20261126T14.jsonl").rows(), 2000u);
}

TEST(TelemetryLogTest, AWriteErrorIsCountedAndTheLogGoesOn) {
  testing::ScratchDir dir;
  MetricsRegistry metrics;
  auto log = TelemetryLog::start({.dir = dir / "log"}, metrics);
  ASSERT_TRUE(log);
  std::string line;
  // The hour's file name is taken by a directory: it cannot be opened for writing.
  fs::create_directories(dir / "log" / "telemetry-20261126T13.jsonl");
  (*log)->append(reading("m", 1, 1), kFeatures, kBeforeHour, line);
  (*log)->flush();
  EXPECT_EQ((*log)->write_errors(), 1u);
  EXPECT_EQ((*log)->lines_dropped(), 1u);
  (*log)->append(reading("m", 2, 2), kFeatures, kOnTheHour, line);
  (*log)->flush();
  EXPECT_EQ((*log)->lines_written(), 1u);
  EXPECT_EQ(read_back(dir / "log" / "telemetry-20261126T14.jsonl").rows(), 1u);
}

TEST(TelemetryLogTest, AppendingAllocatesNothingOnceWarm) {
  testing::ScratchDir dir;
  MetricsRegistry metrics;
  auto log = TelemetryLog::start({.dir = dir.path()}, metrics);
  ASSERT_TRUE(log);
  std::string line;
  const Reading r = reading("motor-1", std::nullopt, 412.5);
  (*log)->append(r, kFeatures, kOnTheHour, line);
  const size_t before = testing::thread_allocation_count();
  for (int i = 0; i < 1000; ++i) (*log)->append(r, kFeatures, kOnTheHour + i, line);
  EXPECT_EQ(testing::thread_allocation_count(), before);
  (*log)->stop();
  EXPECT_EQ((*log)->lines_written(), 1001u);
}

TEST(TelemetryLogTest, HourFilesOlderThanTheRetentionAreDeletedWhenAnHourStarts) {
  testing::ScratchDir dir;
  const int64_t hour = telemetry::hour_of(kBeforeHour);
  const auto file_of = [&](int64_t h) { return dir / telemetry::log_file_name(h); };
  for (int64_t h : {hour - 30, hour - 3, hour - 2, hour - 1}) {
    ASSERT_TRUE(write_file_atomic(file_of(h), "{}\n"));
  }
  ASSERT_TRUE(write_file_atomic(dir / "notes.txt", "not a log\n"));
  MetricsRegistry metrics;
  auto log = TelemetryLog::start({.dir = dir.path(), .retention = std::chrono::hours(3)}, metrics);
  ASSERT_TRUE(log);
  std::string line;
  (*log)->append(reading("m1", std::nullopt, 1.0), kFeatures, kBeforeHour, line);
  (*log)->flush();
  // Three hours kept: this one and the two before it.
  EXPECT_FALSE(fs::exists(file_of(hour - 30)));
  EXPECT_FALSE(fs::exists(file_of(hour - 3)));
  EXPECT_TRUE(fs::exists(file_of(hour - 2)));
  EXPECT_TRUE(fs::exists(file_of(hour - 1)));
  EXPECT_TRUE(fs::exists(dir / "notes.txt"));
  EXPECT_EQ((*log)->files_removed(), 2u);
  // The next hour moves the horizon; a late line for an older hour deletes nothing.
  (*log)->append(reading("m1", std::nullopt, 2.0), kFeatures, kOnTheHour, line);
  (*log)->flush();
  (*log)->append(reading("m1", std::nullopt, 3.0), kFeatures, kBeforeHour, line);
  (*log)->stop();
  EXPECT_FALSE(fs::exists(file_of(hour - 2)));
  EXPECT_TRUE(fs::exists(file_of(hour - 1)));
  EXPECT_TRUE(fs::exists(file_of(hour)));
  EXPECT_EQ((*log)->files_removed(), 3u);
}

TEST(TelemetryLogTest, ZeroRetentionKeepsEveryFile) {
  testing::ScratchDir dir;
  const fs::path old = dir / telemetry::log_file_name(0);
  ASSERT_TRUE(write_file_atomic(old, "{}\n"));
  MetricsRegistry metrics;
  auto log = TelemetryLog::start({.dir = dir.path(), .retention = std::chrono::hours(0)}, metrics);
  ASSERT_TRUE(log);
  std::string line;
  (*log)->append(reading("m1", std::nullopt, 1.0), kFeatures, kBeforeHour, line);
  (*log)->stop();
  EXPECT_TRUE(fs::exists(old));
  EXPECT_EQ((*log)->files_removed(), 0u);
}

TEST(TelemetryLogTest, BadOptionsAreRefused) {
  testing::ScratchDir dir;
  MetricsRegistry metrics;
  EXPECT_FALSE(TelemetryLog::start({}, metrics));
  EXPECT_FALSE(TelemetryLog::start({.dir = dir.path(), .precision = 12}, metrics));
  EXPECT_FALSE(
      TelemetryLog::start({.dir = dir.path(), .retention = std::chrono::hours(-1)}, metrics));
  ASSERT_TRUE(write_file_atomic(dir / "file", "x"));
  auto not_a_dir = TelemetryLog::start({.dir = dir / "file"}, metrics);
  ASSERT_FALSE(not_a_dir);
  EXPECT_EQ(not_a_dir.error().code(), ErrorCode::kIo);
}

TEST(LogFileNameTest, NamesRoundTripAndOtherFilesAreNotLogs) {
  EXPECT_EQ(telemetry::log_file_name(0), "telemetry-19700101T00.jsonl");
  EXPECT_EQ(telemetry::hour_of(-1), -1);
  EXPECT_EQ(telemetry::log_file_name(-1), "telemetry-19691231T23.jsonl");
  for (int64_t hour : {int64_t{0}, int64_t{490045}, int64_t{-1}, int64_t{500000}}) {
    EXPECT_EQ(telemetry::parse_log_file_name(telemetry::log_file_name(hour)), hour);
  }
  for (std::string_view name :
       {"telemetry-20261126T24.jsonl", "telemetry-20260230T01.jsonl", "telemetry-2026112614.jsonl",
        "telemetry-20261126T14.jsonl.tmp", "other.jsonl", "telemetry-+0261126T14.jsonl"}) {
    EXPECT_FALSE(telemetry::parse_log_file_name(name)) << name;
  }
}

}  // namespace
}  // namespace aiotops::edge
