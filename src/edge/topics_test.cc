#include "edge/topics.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace aiotops::edge {
namespace {

std::string level(std::string_view device_id) {
  std::string out;
  append_device_level(out, device_id);
  return out;
}

TEST(TopicsTest, BuildsInferenceAlertAndDeadLetterTopics) {
  std::string topic;
  inference_topic(topic, "esp32-1a2b");
  EXPECT_EQ(topic, "aiotops/inference/esp32-1a2b");
  alert_topic(topic, "esp32-1a2b");
  EXPECT_EQ(topic, "aiotops/alerts/esp32-1a2b");
  dead_letter_topic(topic, "shaded-pole-motor-sensor_data");
  EXPECT_EQ(topic, "shaded-pole-motor-sensor_data/dead-letter");
  dead_letter_topic(topic, "site/3/motor");
  EXPECT_EQ(topic, "site/3/motor/dead-letter");
}

TEST(TopicsTest, DeviceIdsCannotAddLevelsOrWildcards) {
  EXPECT_EQ(level("a/b"), "a%2Fb");
  EXPECT_EQ(level("+"), "%2B");
  EXPECT_EQ(level("#"), "%23");
  EXPECT_EQ(level("50%"), "50%25");
  EXPECT_EQ(level(""), "%");
  EXPECT_EQ(level(std::string_view("a\0b", 3)), "a%00b");
  EXPECT_EQ(level("tab\there\x7f"), "tab%09here%7F");
  // Valid UTF-8 is kept; C1 controls and invalid bytes are encoded.
  EXPECT_EQ(level("mot\xC3\xB6r"), "mot\xC3\xB6r");
  EXPECT_EQ(level("\xC2\x85x"), "%C2%85x");
  EXPECT_EQ(level("\xFF\xC3"), "%FF%C3");
  EXPECT_EQ(level("\xED\xA0\x80"), "%ED%A0%80");

  std::string topic;
  inference_topic(topic, "x/#");
  EXPECT_EQ(topic, "aiotops/inference/x%2F%23");
  alert_topic(topic, "");
  EXPECT_EQ(topic, "aiotops/alerts/%");
}

TEST(TopicsTest, DistinctIdsGetDistinctLevels) {
  std::set<std::string> levels;
  for (std::string_view id : {"a/b", "a_b", "a%2Fb", "a%b", "", "%", "a+b", "a#b", "a b", "a/"}) {
    EXPECT_TRUE(levels.insert(level(id)).second) << id;
  }
}

TEST(TopicsTest, LongIdsAreCutAtACharacterBoundary) {
  std::string out = level(std::string(5000, '/'));
  EXPECT_EQ(out.size(), kMaxDeviceLevelBytes / 3 * 3);
  EXPECT_EQ(out.substr(0, 6), "%2F%2F");
  // 3-byte characters: never split.
  std::string euros;
  for (int i = 0; i < 1000; ++i) euros += "\xE2\x82\xAC";
  out = level(euros);
  EXPECT_EQ(out.size(), kMaxDeviceLevelBytes / 3 * 3);
  EXPECT_EQ(out.substr(out.size() - 3), "\xE2\x82\xAC");
}

TEST(TopicsTest, DeadLetterTopicStaysWithinMqttLimit) {
  std::string topic(kMaxTopicBytes, 'x');
  topic[kMaxTopicBytes - kDeadLetterSuffix.size() - 1] = '\xC3';
  topic[kMaxTopicBytes - kDeadLetterSuffix.size()] = '\xA9';
  std::string out;
  dead_letter_topic(out, topic);
  EXPECT_LE(out.size(), kMaxTopicBytes);
  EXPECT_TRUE(out.ends_with("x/dead-letter"));  // the cut backs off the split 'é'
}

}  // namespace
}  // namespace aiotops::edge
