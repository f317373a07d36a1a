#include "edge/file_watch.h"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "common/sha256.h"
#include "support/scratch_dir.h"

namespace aiotops::edge {
namespace {

namespace fs = std::filesystem;

class FileWatchTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = dir_ / "model.tflite"; }

  void write(std::string_view bytes) { ASSERT_TRUE(write_file_atomic(path_, bytes)); }
  static std::optional<std::string> polled(FileWatch& watch) {
    auto change = watch.poll();
    EXPECT_TRUE(change) << change.error().message();
    if (!change || !change->has_value()) return std::nullopt;
    return (*change)->bytes;
  }

  aiotops::testing::ScratchDir dir_{"file-watch-test"};
  fs::path path_;
};

TEST_F(FileWatchTest, ReportsAChangeOnceItHasSettled) {
  FileWatch watch(path_, "");
  EXPECT_EQ(polled(watch), std::nullopt);  // missing
  write("version 1");
  EXPECT_EQ(polled(watch), std::nullopt);  // first sight: not settled yet
  auto change = watch.poll();
  ASSERT_TRUE(change && change->has_value());
  EXPECT_EQ((*change)->bytes, "version 1");
  EXPECT_EQ((*change)->origin, path_.string());
  EXPECT_EQ(polled(watch), std::nullopt);  // reported once
  EXPECT_EQ(polled(watch), std::nullopt);

  write("version 2, longer");
  EXPECT_EQ(polled(watch), std::nullopt);
  EXPECT_EQ(polled(watch), "version 2, longer");
  EXPECT_EQ(polled(watch), std::nullopt);
}

TEST_F(FileWatchTest, AFileStillBeingWrittenIsLeftUntilQuiet) {
  FileWatch watch(path_, "");
  {
    std::ofstream out(path_, std::ios::binary);
    out << "first half" << std::flush;
    EXPECT_EQ(polled(watch), std::nullopt);
    out << ", second half" << std::flush;
    EXPECT_EQ(polled(watch), std::nullopt);  // grew since the previous poll
  }
  EXPECT_EQ(polled(watch), "first half, second half");
}

TEST_F(FileWatchTest, SameContentIsNotAChange) {
  write("model");
  FileWatch watch(path_, sha256_hex("model"));  // already serving
  EXPECT_EQ(polled(watch), std::nullopt);
  EXPECT_EQ(polled(watch), std::nullopt);
  // Touched, and replaced by a copy of the same bytes: new times, same content.
  fs::last_write_time(path_, fs::last_write_time(path_) + std::chrono::seconds(5));
  EXPECT_EQ(polled(watch), std::nullopt);
  EXPECT_EQ(polled(watch), std::nullopt);
  write("model");
  EXPECT_EQ(polled(watch), std::nullopt);
  EXPECT_EQ(polled(watch), std::nullopt);
  // A same-sized rewrite with new content is a change.
  write("MODEL");
  fs::last_write_time(path_, fs::last_write_time(path_) + std::chrono::seconds(10));
  EXPECT_EQ(polled(watch), std::nullopt);
  EXPECT_EQ(polled(watch), "MODEL");
}

TEST_F(FileWatchTest, ReadFailuresAreReportedOncePerVersion) {
  write("a model too large for the limit");
  FileWatch watch(path_, "", 8);
  EXPECT_EQ(polled(watch), std::nullopt);
  auto refused = watch.poll();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_THAT(refused.error().message(), ::testing::HasSubstr(path_.string()));
  EXPECT_EQ(polled(watch), std::nullopt);
  write("small");
  EXPECT_EQ(polled(watch), std::nullopt);
  EXPECT_EQ(polled(watch), "small");
}

TEST_F(FileWatchTest, WatcherThreadHandsChangesToTheCallback) {
  write("first");
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> seen;
  auto watcher = FileWatcher::start(
      FileWatch(path_, sha256_hex("first")), FileWatcherOptions{std::chrono::milliseconds(5)},
      [&](ModelBytes bytes) {
        std::lock_guard lock(mutex);
        seen.push_back(std::move(bytes.bytes));
        changed.notify_all();
      },
      [](const Error& error) { ADD_FAILURE() << error.message(); });
  ASSERT_TRUE(watcher) << watcher.error().message();
  write("second");
  {
    std::unique_lock lock(mutex);
    // A generous deadline: the change itself is what the test waits for.
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(60), [&] { return !seen.empty(); }));
    EXPECT_EQ(seen, std::vector<std::string>{"second"});
  }
  EXPECT_GE((*watcher)->polls(), 2u);
  watcher->reset();  // stops and joins
}

TEST(FileWatcherTest, RefusesBadOptions) {
  const auto ignore_change = [](ModelBytes) {};
  const auto ignore_error = [](const Error&) {};
  EXPECT_FALSE(FileWatcher::start(FileWatch("m", ""),
                                  FileWatcherOptions{std::chrono::milliseconds(0)}, ignore_change,
                                  ignore_error));
  EXPECT_FALSE(FileWatcher::start(FileWatch("m", ""), {}, nullptr, ignore_error));
}

}  // namespace
}  // namespace aiotops::edge
