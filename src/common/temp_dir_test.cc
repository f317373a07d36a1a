#include "common/temp_dir.h"

#include <filesystem>
#include <utility>

#include <gtest/gtest.h>

#include "common/files.h"

namespace aiotops {
namespace {

TEST(TempDirTest, MakesAFreshDirectoryAndRemovesItWithItsContents) {
  std::filesystem::path kept;
  {
    auto first = TempDir::create("temp-dir-test");
    ASSERT_TRUE(first) << first.error().message();
    auto second = TempDir::create("temp-dir-test");
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_NE(first->path(), second->path());
    EXPECT_TRUE(std::filesystem::is_directory(first->path()));
    std::filesystem::create_directory(first->path() / "sub");
    ASSERT_TRUE(write_file_atomic(first->path() / "sub" / "f.txt", "x").has_value());
    TempDir moved = std::move(*first);
    kept = moved.path();
    EXPECT_TRUE(first->path().empty());
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

}  // namespace
}  // namespace aiotops
