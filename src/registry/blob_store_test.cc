#include "registry/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "common/files.h"
#include "common/sha256.h"
#include "registry/store_test_util.h"

namespace aiotops::registry {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

size_t files_in(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
  return n;
}

// Sets a file's mtime `age` before `now`.
void age_file(const fs::path& path, std::chrono::system_clock::time_point now,
              std::chrono::seconds age) {
  auto when = std::chrono::duration_cast<std::chrono::seconds>((now - age).time_since_epoch());
  struct timespec times[2] = {{when.count(), 0}, {when.count(), 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = BlobStore::open(dir_.path() / "blobs");
    ASSERT_TRUE(opened) << opened.error().message();
    store_ = std::make_unique<BlobStore>(std::move(*opened));
  }
  TempDir dir_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(BlobStoreTest, StoresUnderItsHash) {
  auto info = store_->put("hello registry");
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->sha256, sha256_hex("hello registry"));
  EXPECT_EQ(info->size, 14u);
  fs::path expected = store_->root() / info->sha256.substr(0, 2) / info->sha256;
  EXPECT_EQ(store_->path_of(info->sha256).value(), expected);
  EXPECT_EQ(read_file(expected).value(), "hello registry");
  EXPECT_TRUE(store_->exists(info->sha256).value());
  EXPECT_EQ(store_->size_of(info->sha256).value(), 14u);
  EXPECT_EQ(files_in(store_->root() / "tmp"), 0u);

  auto file = store_->open_blob(info->sha256);
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_EQ(file->size(), 14u);
  std::string read(14, '\0');
  ASSERT_EQ(::pread(file->fd(), read.data(), read.size(), 0), 14);
  EXPECT_EQ(read, "hello registry");
}

TEST_F(BlobStoreTest, StreamingEqualsOneShotAndDeduplicates) {
  std::string whole;
  auto writer = store_->begin_write(0);
  ASSERT_TRUE(writer);
  for (int i = 0; i < 100; ++i) {
    std::string chunk = fmt::format("chunk {} {}\n", i, std::string(static_cast<size_t>(i), 'x'));
    whole += chunk;
    ASSERT_TRUE(writer->append(chunk));
  }
  EXPECT_EQ(writer->size(), whole.size());
  auto streamed = writer->commit();
  ASSERT_TRUE(streamed) << streamed.error().message();
  auto again = store_->put(whole);
  ASSERT_TRUE(again);
  EXPECT_EQ(streamed->sha256, again->sha256);
  EXPECT_EQ(streamed->sha256, sha256_hex(whole));
  size_t blobs = 0;
  ASSERT_TRUE(store_->for_each([&](const std::string&) { ++blobs; }));
  EXPECT_EQ(blobs, 1u);
}

TEST_F(BlobStoreTest, SizeLimitRefusesAndLeavesNothing) {
  auto writer = store_->begin_write(10);
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->append("0123456789"));  // exactly the limit is fine
  auto over = writer->append("x");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_FALSE(writer->append("y"));
  EXPECT_FALSE(writer->commit());
  EXPECT_EQ(files_in(store_->root() / "tmp"), 0u);
  auto exact = store_->put("0123456789", 10);
  EXPECT_TRUE(exact);
  auto big = store_->put("0123456789a", 10);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code(), ErrorCode::kResourceExhausted);
}

TEST_F(BlobStoreTest, AbandonedWriterRemovesItsTempFile) {
  {
    auto writer = store_->begin_write(0);
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->append("half an upload"));
    EXPECT_EQ(files_in(store_->root() / "tmp"), 1u);
  }
  EXPECT_EQ(files_in(store_->root() / "tmp"), 0u);
  size_t blobs = 0;
  ASSERT_TRUE(store_->for_each([&](const std::string&) { ++blobs; }));
  EXPECT_EQ(blobs, 0u);
}

TEST_F(BlobStoreTest, VerifyFindsDamageAndAbsence) {
  auto info = store_->put("original bytes");
  ASSERT_TRUE(info);
  EXPECT_TRUE(store_->verify(info->sha256));
  fs::path path = store_->path_of(info->sha256).value();
  {
    std::ofstream out(path, std::ios::binary | std::ios::in);
    out.seekp(3);
    out << 'X';
  }
  auto damaged = store_->verify(info->sha256);
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(damaged.error().message().find(info->sha256), std::string::npos);
  // Uploading the same bytes again repairs the copy.
  ASSERT_TRUE(store_->put("original bytes"));
  EXPECT_TRUE(store_->verify(info->sha256));

  fs::remove(path);
  auto missing = store_->verify(info->sha256);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(store_->exists(info->sha256).value());
  EXPECT_EQ(store_->open_blob(info->sha256).error().code(), ErrorCode::kNotFound);
}

TEST_F(BlobStoreTest, RefusesMalformedHashes) {
  const std::string upper_case = std::string(63, 'a') + "F";
  for (std::string_view bad : {std::string_view("../../etc/passwd"), std::string_view(),
                               std::string_view("ABCDEF"), std::string_view(upper_case)}) {
    auto path = store_->path_of(bad);
    ASSERT_FALSE(path) << bad;
    EXPECT_EQ(path.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_FALSE(store_->open_blob(bad));
  }
  EXPECT_TRUE(is_sha256_hex(sha256_hex("x")));
}

TEST_F(BlobStoreTest, GcRemovesOnlyOldUnreferencedBlobsAndTemps) {
  auto now = std::chrono::system_clock::now();
  const auto grace = std::chrono::seconds(3600);
  auto kept = store_->put("referenced").value();
  auto old_garbage = store_->put("old garbage").value();
  auto young_garbage = store_->put("young garbage").value();
  age_file(store_->path_of(kept.sha256).value(), now, std::chrono::hours(48));
  age_file(store_->path_of(old_garbage.sha256).value(), now, std::chrono::hours(2));
  // An upload in progress (young temp) and an abandoned one (old temp, e.g. after a crash).
  auto in_progress = store_->begin_write(0);
  ASSERT_TRUE(in_progress);
  ASSERT_TRUE(in_progress->append("still uploading"));
  fs::path abandoned = store_->root() / "tmp" / "upload-1-dead";
  ASSERT_TRUE(write_file_atomic(abandoned, "torn"));
  age_file(abandoned, now, std::chrono::hours(2));

  auto report = store_->gc({kept.sha256}, grace, now);
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->removed_blobs, 1u);
  EXPECT_EQ(report->removed_bytes, old_garbage.size);
  EXPECT_EQ(report->removed_temps, 1u);
  EXPECT_EQ(report->kept_young, 1u);
  EXPECT_TRUE(store_->exists(kept.sha256).value());
  EXPECT_FALSE(store_->exists(old_garbage.sha256).value());
  EXPECT_TRUE(store_->exists(young_garbage.sha256).value());
  EXPECT_FALSE(fs::exists(abandoned));
  auto finished = in_progress->commit();
  ASSERT_TRUE(finished) << finished.error().message();
  EXPECT_TRUE(store_->verify(finished->sha256));
}

TEST_F(BlobStoreTest, ManyWritersAtOnce) {
  std::vector<std::thread> threads;
  std::vector<std::string> hashes(8);
  for (size_t t = 0; t < hashes.size(); ++t) {
    threads.emplace_back([&, t] {
      auto info = store_->put(fmt::format("writer {} {}", t % 4, std::string(4096, 'z')));
      if (info) hashes[t] = info->sha256;
    });
  }
  for (auto& thread : threads) thread.join();
  for (size_t t = 0; t < hashes.size(); ++t) {
    ASSERT_FALSE(hashes[t].empty());
    EXPECT_EQ(hashes[t], hashes[t % 4]);
    EXPECT_TRUE(store_->verify(hashes[t]));
  }
  EXPECT_EQ(files_in(store_->root() / "tmp"), 0u);
}

}  // namespace
}  // namespace aiotops::registry
