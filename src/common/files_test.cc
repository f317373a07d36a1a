#include "common/files.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/sha256.h"
#include "support/scratch_dir.h"

namespace aiotops {
namespace {

namespace fs = std::filesystem;

class FilesTest : public ::testing::Test {
 protected:
  size_t entries() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }
  aiotops::testing::ScratchDir dir_{"files-test"};
};

TEST_F(FilesTest, AtomicWriteReplacesAndReadsBack) {
  fs::path target = dir_ / "model.json";
  ASSERT_TRUE(write_file_atomic(target, "first").has_value());
  ASSERT_TRUE(write_file_atomic(target, "second").has_value());
  EXPECT_EQ(read_file(target).value(), "second");
  EXPECT_EQ(entries(), 1u);  // no temp file left behind
}

TEST_F(FilesTest, AbandonedWriterLeavesNothing) {
  fs::path target = dir_ / "data.csv";
  {
    auto writer = AtomicFileWriter::open(target);
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE(writer->write("partial").has_value());
  }
  EXPECT_FALSE(fs::exists(target));
  EXPECT_EQ(entries(), 0u);
}

TEST_F(FilesTest, ReadMissingFileIsNotFoundNamingPath) {
  auto result = read_file(dir_ / "absent.csv");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(result.error().message().find("absent.csv"), std::string::npos);
}

TEST_F(FilesTest, WriteIntoMissingDirectoryFailsWithIo) {
  auto status = write_file_atomic(dir_ / "no" / "such" / "file", "x");
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code(), ErrorCode::kIo);
}

TEST(Sha256, MatchesKnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 incremental;
  incremental.update("ab");
  incremental.update("c");
  EXPECT_EQ(incremental.hex_digest(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace aiotops
