#include "extract/sources.h"

#include <gtest/gtest.h>

#include "common/files.h"
#include "support/scratch_dir.h"
#include "telemetry/log_file_name.h"

namespace aiotops::extract {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// 2026-11-26T14:00:00Z
constexpr int64_t kT = 1'795'701'600'000;
constexpr int64_t kHour = 3'600'000;

std::vector<std::string> names(const SourceFiles& files) {
  std::vector<std::string> out;
  for (const auto& f : files.files) out.push_back(f.filename().string());
  return out;
}

class SourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Hours 12 to 16 of the log, and files that are not part of it.
    for (int h = 12; h <= 16; ++h) {
      ASSERT_TRUE(write_file_atomic(
          dir_ / telemetry::log_file_name(telemetry::hour_of(kT) + h - 14), "{}\n"));
    }
    ASSERT_TRUE(write_file_atomic(dir_ / "notes.txt", "x"));
    ASSERT_TRUE(write_file_atomic(dir_ / "telemetry-20261126T14.jsonl.part", "x"));
  }
  testing::ScratchDir dir_;
};

TEST_F(SourcesTest, OnlyTheHoursOverlappingTheWindowAreOpened) {
  auto files = list_source_files(dir_.path(), {.from_ms = kT, .to_ms = kT + kHour});
  ASSERT_TRUE(files) << files.error().message();
  EXPECT_EQ(files->kind, SourceKind::kTelemetryLog);
  EXPECT_EQ(names(*files), (std::vector<std::string>{"telemetry-20261126T14.jsonl"}));
  EXPECT_EQ(files->files_skipped, 4u);

  auto across = list_source_files(dir_.path(), {.from_ms = kT - 1, .to_ms = kT + kHour + 1});
  ASSERT_TRUE(across);
  EXPECT_EQ(names(*across),
            (std::vector<std::string>{"telemetry-20261126T13.jsonl", "telemetry-20261126T14.jsonl",
                                      "telemetry-20261126T15.jsonl"}));
}

TEST_F(SourcesTest, SlackWidensTheHoursAndOpenWindowsTakeEverything) {
  auto slack = list_source_files(dir_.path(), {.from_ms = kT, .to_ms = kT + kHour}, 10min);
  ASSERT_TRUE(slack);
  EXPECT_EQ(names(*slack).size(), 3u);
  auto from = list_source_files(dir_.path(), {.from_ms = kT + kHour});
  ASSERT_TRUE(from);
  EXPECT_EQ(names(*from), (std::vector<std::string>{"telemetry-20261126T15.jsonl",
                                                    "telemetry-20261126T16.jsonl"}));
  auto all = list_source_files(dir_.path(), {});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->files.size(), 5u);
}

TEST(SourcesFilesTest, DirectoriesOfDatasetsAndSingleFiles) {
  testing::ScratchDir dir;
  ASSERT_TRUE(write_file_atomic(dir / "b.csv", "x"));
  ASSERT_TRUE(write_file_atomic(dir / "a.JSONL", "x"));
  ASSERT_TRUE(write_file_atomic(dir / "readme.md", "x"));
  auto files = list_source_files(dir.path(), {});
  ASSERT_TRUE(files) << files.error().message();
  EXPECT_EQ(files->kind, SourceKind::kDirectory);
  EXPECT_EQ(names(*files), (std::vector<std::string>{"a.JSONL", "b.csv"}));
  auto one = list_source_files(dir / "readme.md", {});
  ASSERT_TRUE(one);
  EXPECT_EQ(one->kind, SourceKind::kFile);
  auto missing = list_source_files(dir / "nope", {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  fs::create_directory(dir / "empty");
  auto empty = list_source_files(dir / "empty", {});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace aiotops::extract
