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

  aiotops::testing::ScratchDir dir_{"blob-maps"};
};

TEST_F(BlobMapsTest, KeepsTheMappingOfTheSameFile) {
  BlobMaps maps;
  const fs::path path = write("a", std::string(100000, 'a'));
  auto first = maps.map("a", open(path));
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->bytes(), std::string(100000, 'a'));
  EXPECT_EQ(maps.map("a", open(path)), first);
}

TEST_F(BlobMapsTest, MapsAReplacedFileAnew) {
  BlobMaps maps;
  auto old = maps.map("a", open(write("a", "old bytes")));
  ASSERT_NE(old, nullptr);
  auto replaced = maps.map("a", open(write("a", "new bytes, longer")));
  ASSERT_NE(replaced, nullptr);
  EXPECT_EQ(replaced->bytes(), "new bytes, longer");
  EXPECT_EQ(old->bytes(), "old bytes") << "a mapping in use stays valid";
}

TEST_F(BlobMapsTest, DropsTheLeastRecentlyUsed) {
  BlobMaps maps(2);
  const fs::path a = write("a", "aaaa");
  const fs::path b = write("b", "bbbb");
  const fs::path c = write("c", "cccc");
  auto first_a = maps.map("a", open(a));
  auto first_b = maps.map("b", open(b));
  EXPECT_EQ(maps.map("a", open(a)), first_a);  // b is now the least recently used
  auto first_c = maps.map("c", open(c));
  EXPECT_EQ(maps.map("a", open(a)), first_a);
  EXPECT_EQ(maps.map("c", open(c)), first_c);
  auto second_b = maps.map("b", open(b));
  ASSERT_NE(second_b, nullptr);
  EXPECT_NE(second_b, first_b);
  EXPECT_EQ(second_b->bytes(), "bbbb");
}

TEST_F(BlobMapsTest, LargeBlobsAreMappedButNotKept) {
  BlobMaps maps(4, 10);
  const fs::path path = write("big", std::string(11, 'x'));
  auto first = maps.map("big", open(path));
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->bytes(), std::string(11, 'x'));
  EXPECT_NE(maps.map("big", open(path)), first);
}

TEST_F(BlobMapsTest, EmptyFilesAreNotMapped) {
  BlobMaps maps;
  EXPECT_EQ(maps.map("empty", open(write("empty", ""))), nullptr);
}

}  // namespace
}  // namespace aiotops::registry
