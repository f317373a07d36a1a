#include "edge/control_command.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiotops::edge {
namespace {

using ::testing::HasSubstr;

TEST(ControlCommandTest, DownloadModelWithTheReferencesPayload) {
  auto request =
      parse_control_message(R"({"command": "download-model", "payload": "motor-v3.tflite"})");
  ASSERT_TRUE(request) << request.error().message();
  ASSERT_TRUE(request->has_value());
  EXPECT_EQ((*request)->role, ModelRole::kPrimary);
  EXPECT_EQ((*request)->reference, "motor-v3.tflite");
}

TEST(ControlCommandTest, DownloadModelWithARole) {
  auto request = parse_control_message(
      R"({"command":"download-model","payload":{"file":"cascade/mlp.json","role":"cascade"}})");
  ASSERT_TRUE(request) << request.error().message();
  ASSERT_TRUE(request->has_value());
  EXPECT_EQ((*request)->role, ModelRole::kCascade);
  EXPECT_EQ((*request)->reference, "cascade/mlp.json");
  auto primary = parse_control_message(R"({"command":"download-model","payload":{"file":"m"}})");
  ASSERT_TRUE(primary && primary->has_value());
  EXPECT_EQ((*primary)->role, ModelRole::kPrimary);
}

TEST(ControlCommandTest, OtherCommandsAreNotForTheEdgeService) {
  for (const char* message :
       {R"({"command": "extract-data", "payload": "raw.csv"})",
        R"({"command": "train-model", "payload": "normalized"})", R"({"command": "reboot"})"}) {
    auto request = parse_control_message(message);
    ASSERT_TRUE(request) << message;
    EXPECT_FALSE(request->has_value()) << message;
  }
}

TEST(ControlCommandTest, MalformedMessagesAreRefusedWithTheReason) {
  const std::pair<std::string, std::string> cases[] = {
      {"not json", "not JSON"},
      {"[1, 2]", "not a JSON object"},
      {R"({"payload": "m.tflite"})", "no string \"command\""},
      {R"({"command": 7})", "no string \"command\""},
      {R"({"command": "download-model"})", "no \"payload\""},
      {R"({"command": "download-model", "payload": ""})", "names no model"},
      {R"({"command": "download-model", "payload": 3})", "a file name or an object"},
      {R"({"command": "download-model", "payload": {"role": "cascade"}})", "\"file\" is missing"},
      {R"({"command": "download-model", "payload": {"file": "m", "role": 1}})", "\"role\""},
      {R"({"command": "download-model", "payload": {"file": "m", "role": "backup"}})",
       "model role 'backup'"},
      {std::string(kMaxControlMessageBytes + 1, ' '), "bytes (at most"},
  };
  for (const auto& [message, why] : cases) {
    auto request = parse_control_message(message);
    ASSERT_FALSE(request) << message;
    EXPECT_EQ(request.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(request.error().message(), HasSubstr(why)) << message.substr(0, 80);
  }
}

}  // namespace
}  // namespace aiotops::edge
