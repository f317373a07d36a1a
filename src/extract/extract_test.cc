#include "extract/extract.h"

#include <gtest/gtest.h>

#include "common/files.h"
#include "common/sha256.h"
#include "support/scratch_dir.h"

namespace aiotops::extract {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kHeader = "deviceID,timeStamp,current,temperature,vibration,sound\n";

class ExtractTest : public ::testing::Test {
 protected:
  fs::path write(const std::string& name, const std::string& text) {
    EXPECT_TRUE(write_file_atomic(dir_ / name, text));
    return dir_ / name;
  }
  testing::ScratchDir dir_;
};

TEST_F(ExtractTest, FilesAreWindowedMergedDeduplicatedAndSorted) {
  ExtractOptions options;
  options.sources = {
      write("a.csv", std::string(kHeader) + "m2,1000,1,2,3,4\nm1,2000,1,2,3,4\nm1,9000,1,2,3,4\n"),
      write(
          "b.jsonl",
          R"({"deviceID":"m1","timeStamp":2000,"current":1,"temperature":2,"vibration":3,"sound":4})"
          "\n"
          R"({"deviceID":"m1","timeStamp":1500,"current":5,"temperature":2,"vibration":3,"sound":4})"
          "\n")};
  options.window = {.from_ms = 1000, .to_ms = 9000};
  auto result = run_extract(options);
  ASSERT_TRUE(result) << result.error().message();
  const telemetry::Dataset& d = result->dataset;
  EXPECT_EQ(d.device_ids, (std::vector<std::string>{"m1", "m1", "m2"}));
  EXPECT_EQ(d.timestamps_ms, (std::vector<int64_t>{1500, 2000, 1000}));
  EXPECT_FALSE(d.has_labels());
  const ExtractReport& r = result->report;
  EXPECT_EQ(r.rows_read, 5u);
  EXPECT_EQ(r.rows_outside_window, 1u);
  EXPECT_EQ(r.dedup.duplicates, 1u);
  EXPECT_EQ(r.dedup.conflicts, 0u);
  EXPECT_EQ(r.label_source, "none");
  EXPECT_EQ(r.devices, (std::vector<std::string>{"m1", "m2"}));
  ASSERT_EQ(r.sources.size(), 2u);
  EXPECT_EQ(r.sources[0].rows_in_window, 2u);

  const nlohmann::json lineage = lineage_json(options, r, d.rows());
  EXPECT_EQ(lineage["rows"], 3);
  EXPECT_EQ(lineage["duplicates"], 1);
  EXPECT_EQ(lineage["window"]["from"]["unix_ms"], 1000);
  EXPECT_EQ(lineage["window"]["to"]["utc"], "1970-01-01T00:00:09.000Z");
  EXPECT_EQ(lineage["sources"][1]["kind"], "file");
}

TEST_F(ExtractTest, AnnotationsLabelTheReadingsAndAreHashed) {
  const std::string maintenance = "device,from,to,label,fault_type\nm1,1000,3000,1,overheat\n";
  ExtractOptions options;
  options.sources = {
      write("a.csv", std::string(kHeader) + "m1,999,1,2,3,4\nm1,1000,1,2,3,4\nm1,3000,1,2,3,4\n")};
  options.annotations = write("maint.csv", maintenance);
  auto result = run_extract(options);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->dataset.labels, (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(result->dataset.fault_types, (std::vector<std::string>{"none", "overheat", "none"}));
  EXPECT_EQ(result->report.label_source, "annotations");
  EXPECT_EQ(result->report.annotations_sha256, sha256_hex(maintenance));
  const nlohmann::json lineage = lineage_json(options, result->report, 3);
  EXPECT_EQ(lineage["labels"]["annotations_sha256"], sha256_hex(maintenance));
  EXPECT_EQ(lineage["labels"]["rows_in_intervals"], 1);
}

TEST_F(ExtractTest, OwnLabelsAreKeptOnlyWhenEveryReadingHasOne) {
  ExtractOptions options;
  options.sources = {write("l.csv", std::string("deviceID,timeStamp,current,temperature,vibration,"
                                                "sound,label\nm1,1,1,2,3,4,1\n"))};
  auto labelled = run_extract(options);
  ASSERT_TRUE(labelled) << labelled.error().message();
  EXPECT_EQ(labelled->dataset.labels, (std::vector<double>{1}));
  EXPECT_EQ(labelled->report.label_source, "readings");

  options.sources.push_back(write("u.csv", std::string(kHeader) + "m2,1,1,2,3,4\n"));
  auto mixed = run_extract(options);
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(mixed.error().message().find("1 of 2 readings carry no label (e.g. device m2"),
            std::string::npos)
      << mixed.error().message();
}

TEST_F(ExtractTest, BadRowsNameFileAndLineAndAreSkippedOnlyWhenAsked) {
  ExtractOptions options;
  options.sources = {
      write("bad.csv", std::string(kHeader) + "m1,1,1,2,3,4\nm1,2,1,abc,3,4\nm1,3,1,2,3,4\n")};
  auto refused = run_extract(options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message().find("bad.csv:3:"), std::string::npos)
      << refused.error().message();
  options.skip_bad_rows = true;
  auto skipped = run_extract(options);
  ASSERT_TRUE(skipped) << skipped.error().message();
  EXPECT_EQ(skipped->dataset.rows(), 2u);
  EXPECT_EQ(skipped->report.rows_skipped, 1u);
  ASSERT_EQ(skipped->report.sources[0].bad_row_examples.size(), 1u);
  EXPECT_NE(skipped->report.sources[0].bad_row_examples[0].find("bad.csv:3:"), std::string::npos);
}

TEST_F(ExtractTest, SourcesWithoutTimeOrDeviceAreRefused) {
  ExtractOptions options;
  options.sources = {write("t.csv", "deviceID,current,temperature,vibration,sound\nm1,1,2,3,4\n")};
  auto no_time = run_extract(options);
  ASSERT_FALSE(no_time);
  EXPECT_NE(no_time.error().message().find("no timeStamp column"), std::string::npos);
  options.sources = {write("d.csv", "timeStamp,current,temperature,vibration,sound\n1,1,2,3,4\n")};
  EXPECT_FALSE(run_extract(options));
  options.sources = {dir_ / "missing.csv"};
  auto missing = run_extract(options);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_F(ExtractTest, AnEmptyWindowIsAnEmptyResultNotAnError) {
  ExtractOptions options;
  options.sources = {write("a.csv", std::string(kHeader) + "m1,5,1,2,3,4\n")};
  options.window = {.from_ms = 10};
  auto result = run_extract(options);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->dataset.rows(), 0u);
  EXPECT_EQ(result->report.rows_outside_window, 1u);
}

}  // namespace
}  // namespace aiotops::extract
