#include "edge/model_source.h"

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "support/scratch_dir.h"

namespace aiotops::edge {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class DirectorySourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(root_ / "models" / "2025");
    fs::create_directories(root_ / "elsewhere");
    ASSERT_TRUE(write_file_atomic(root_ / "models" / "m.tflite", "model bytes"));
    ASSERT_TRUE(write_file_atomic(root_ / "models" / "2025" / "m.json", "{}"));
    ASSERT_TRUE(write_file_atomic(root_ / "elsewhere" / "secret", "secret"));
  }

  void expect_refused(const DirectorySource& source, std::string_view reference,
                      std::string_view why) {
    auto path = source.resolve(reference);
    ASSERT_FALSE(path) << reference << " -> " << path->string();
    EXPECT_EQ(path.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(path.error().message(), HasSubstr(why)) << reference;
  }

  aiotops::testing::ScratchDir root_{"model-source-test"};
};

TEST_F(DirectorySourceTest, ResolvesNamesInsideTheDirectory) {
  DirectorySource source(root_ / "models");
  EXPECT_EQ(source.resolve("m.tflite").value(), root_ / "models" / "m.tflite");
  EXPECT_EQ(source.resolve("2025/m.json").value(), root_ / "models" / "2025" / "m.json");
  EXPECT_EQ(source.resolve("./2025//m.json").value(), root_ / "models" / "2025" / "m.json");
  EXPECT_EQ(source.resolve((root_ / "models" / "m.tflite").string()).value(),
            root_ / "models" / "m.tflite");
  // A trailing slash on the directory changes nothing.
  DirectorySource slashed(root_.path().string() + "/models/");
  EXPECT_EQ(slashed.resolve("m.tflite").value(), root_ / "models" / "m.tflite");

  auto bytes = source.fetch({ModelRole::kCascade, "m.tflite"});
  ASSERT_TRUE(bytes) << bytes.error().message();
  EXPECT_EQ(bytes->bytes, "model bytes");
  EXPECT_EQ(bytes->origin, (root_ / "models" / "m.tflite").string());
}

TEST_F(DirectorySourceTest, RefusesWhatLeavesTheDirectory) {
  DirectorySource source(root_ / "models");
  expect_refused(source, "", "empty");
  expect_refused(source, "../elsewhere/secret", "'..' is not allowed");
  expect_refused(source, "2025/../../elsewhere/secret", "'..' is not allowed");
  expect_refused(source, "2025/..", "'..' is not allowed");
  expect_refused(source, (root_ / "elsewhere" / "secret").string(), "not inside the model");
  expect_refused(source, "/etc/passwd", "not inside the model directory");
  expect_refused(source, (root_ / "models").string(), "not inside the model directory");
  expect_refused(source, ".", "not inside the model directory");
  expect_refused(source, "http://registry/models/m.tflite", "URLs are not accepted");
  expect_refused(source, std::string_view("m\0x", 3), "NUL");

  fs::create_symlink(root_ / "elsewhere", root_ / "models" / "link");
  expect_refused(source, "link/secret", "through a symbolic link");
  EXPECT_FALSE(source.fetch({ModelRole::kPrimary, "link/secret"}));
}

TEST_F(DirectorySourceTest, FetchFailures) {
  DirectorySource source(root_ / "models", 4);
  auto big = source.fetch({ModelRole::kPrimary, "m.tflite"});
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code(), ErrorCode::kResourceExhausted);
  auto missing = source.fetch({ModelRole::kPrimary, "none.tflite"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(missing.error().message(), HasSubstr("none.tflite"));
}

TEST(ModelRoleTest, Names) {
  EXPECT_EQ(to_string(ModelRole::kPrimary), "primary");
  EXPECT_EQ(parse_model_role("cascade").value(), ModelRole::kCascade);
  EXPECT_EQ(parse_model_role("primary").value(), ModelRole::kPrimary);
  EXPECT_FALSE(parse_model_role("secondary"));
}

}  // namespace
}  // namespace aiotops::edge
