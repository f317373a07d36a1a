#include "registry/blob_maps.h"

#include <fcntl.h>

#include <gtest/gtest.h>

#include "common/files.h"
#include "support/scratch_dir.h"

namespace aiotops::registry {
namespace {

namespace fs = std::filesystem;

class BlobMapsTest : public ::testing::Test {
 protected:
  // `bytes` written as the blob `name` (replacing any earlier file: a new inode).
  fs::path write(const std::string& name, std::string_view bytes) {
    const fs::path path = dir_ / name;
    EXPECT_TRUE(write_file_atomic(path, bytes)) << path;
    return path;
  }
  static BlobFile open(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0) << path;
    return BlobFile(fd, path, fs::file_size(path));
  }

  // Maps that confirm a kept mapping against the disk once `recheck` has passed since the last
  // time.
  static BlobMaps checking_every(BlobMaps::Clock::duration recheck) {
    return BlobMaps(64, uint64_t{1} << 20, recheck);
  }

  aiotops::testing::ScratchDir dir_{"blob-maps"};
};

TEST_F(BlobMapsTest, KeepsTheMappingForTheNextDownload) {
  BlobMaps maps;
  const fs::path path = write("a", std::string(100000, 'a'));
  EXPECT_EQ(maps.find("a"), nullptr) << "nothing is kept before a first download";
  auto first = maps.map("a", open(path));
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->bytes(), std::string(100000, 'a'));
  EXPECT_EQ(maps.find("a"), first);
}

TEST_F(BlobMapsTest, AKeptMappingStillOnDiskIsKept) {
  BlobMaps maps = checking_every(std::chrono::seconds(0));  // on every find
  const fs::path path = write("a", "bytes");
  auto first = maps.map("a", open(path));
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(first->still_on_disk());
  EXPECT_EQ(maps.find("a"), first);
  EXPECT_EQ(maps.find("a"), first);
}

TEST_F(BlobMapsTest, AReplacedFileIsFoundOnTheNextCheck) {
  BlobMaps maps = checking_every(std::chrono::seconds(0));
  auto old = maps.map("a", open(write("a", "old bytes")));
  ASSERT_NE(old, nullptr);
  write("a", "new bytes, longer");
  EXPECT_FALSE(old->still_on_disk());
  EXPECT_EQ(maps.find("a"), nullptr) << "the replaced file is opened and mapped anew";
  auto replaced = maps.map("a", open(dir_ / "a"));
  ASSERT_NE(replaced, nullptr);
  EXPECT_EQ(replaced->bytes(), "new bytes, longer");
  EXPECT_EQ(maps.find("a"), replaced);
  EXPECT_EQ(old->bytes(), "old bytes") << "a mapping in use stays valid";
}

TEST_F(BlobMapsTest, ARemovedFileIsFoundOnTheNextCheck) {
  BlobMaps maps = checking_every(std::chrono::seconds(0));
  const fs::path path = write("a", "bytes");
  ASSERT_NE(maps.map("a", open(path)), nullptr);
  fs::remove(path);
  EXPECT_EQ(maps.find("a"), nullptr);
}

TEST_F(BlobMapsTest, AKeptMappingIsTrustedUntilItsNextCheck) {
  BlobMaps maps = checking_every(std::chrono::hours(1));
  auto old = maps.map("a", open(write("a", "old bytes")));
  ASSERT_NE(old, nullptr);
  write("a", "new bytes");
  EXPECT_EQ(maps.find("a"), old) << "no stat before the recheck interval has passed";
}

TEST_F(BlobMapsTest, DropsTheLeastRecentlyUsed) {
  BlobMaps maps(2);
  const fs::path a = write("a", "aaaa");
  const fs::path b = write("b", "bbbb");
  const fs::path c = write("c", "cccc");
  auto first_a = maps.map("a", open(a));
  auto first_b = maps.map("b", open(b));
  EXPECT_EQ(maps.find("a"), first_a);  // b is now the least recently used
  auto first_c = maps.map("c", open(c));
  EXPECT_EQ(maps.find("a"), first_a);
  EXPECT_EQ(maps.find("c"), first_c);
  EXPECT_EQ(maps.find("b"), nullptr);
}

TEST_F(BlobMapsTest, LargeBlobsAreMappedButNotKept) {
  BlobMaps maps(4, 10);
  const fs::path path = write("big", std::string(11, 'x'));
  auto first = maps.map("big", open(path));
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->bytes(), std::string(11, 'x'));
  EXPECT_EQ(maps.find("big"), nullptr);
}

TEST_F(BlobMapsTest, EmptyFilesAreNotMapped) {
  BlobMaps maps;
  EXPECT_EQ(maps.map("empty", open(write("empty", ""))), nullptr);
  EXPECT_EQ(maps.find("empty"), nullptr);
}

}  // namespace
}  // namespace aiotops::registry
