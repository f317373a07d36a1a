#include "edge/device_class.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiotops::edge {
namespace {

TEST(DeviceClassTest, GlobMatches) {
  EXPECT_TRUE(glob_matches("esp32-*", "esp32-a1b2"));
  EXPECT_TRUE(glob_matches("esp32-*", "esp32-"));
  EXPECT_FALSE(glob_matches("esp32-*", "esp8266-a1"));
  EXPECT_TRUE(glob_matches("*", ""));
  EXPECT_TRUE(glob_matches("a?c", "abc"));
  EXPECT_FALSE(glob_matches("a?c", "ac"));
  EXPECT_TRUE(glob_matches("*-mcu-*", "site1-mcu-7"));
  EXPECT_TRUE(glob_matches("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(glob_matches("a*b*c", "aXbYbZ"));
  EXPECT_TRUE(glob_matches("exact", "exact"));
  EXPECT_FALSE(glob_matches("exact", "exactly"));
  EXPECT_FALSE(glob_matches("", "x"));
  EXPECT_TRUE(glob_matches("", ""));
}

TEST(DeviceClassTest, TopicMatches) {
  EXPECT_TRUE(topic_matches("shaded-pole-motor-sensor_data", "shaded-pole-motor-sensor_data"));
  EXPECT_TRUE(topic_matches("sensors/+/mcu", "sensors/site1/mcu"));
  EXPECT_FALSE(topic_matches("sensors/+/mcu", "sensors/site1/gateway"));
  EXPECT_FALSE(topic_matches("sensors/+", "sensors/a/b"));
  EXPECT_TRUE(topic_matches("sensors/#", "sensors/a/b"));
  EXPECT_TRUE(topic_matches("sensors/#", "sensors"));
  EXPECT_TRUE(topic_matches("#", "anything/at/all"));
  EXPECT_FALSE(topic_matches("#", "$SYS/broker"));
  EXPECT_FALSE(topic_matches("+/broker", "$SYS/broker"));
  EXPECT_TRUE(topic_matches("$SYS/#", "$SYS/broker"));
  EXPECT_FALSE(topic_matches("a/b", "a"));
  EXPECT_FALSE(topic_matches("a", "a/b"));
  EXPECT_TRUE(topic_matches("+/+", "/x"));
  EXPECT_TRUE(topic_matches("a/+", "a/"));
}

TEST(DeviceClassTest, FirstMatchingClassWins) {
  const std::vector<DeviceClass> classes = {
      {.name = "mcu", .device_ids = {"esp32-*"}, .topics = {}, .threshold = 0.7, .levels = {}},
      {.name = "lab", .device_ids = {}, .topics = {"lab/#"}, .threshold = {}, .levels = {}},
      {.name = "all-esp", .device_ids = {"esp*"}, .topics = {}, .threshold = {}, .levels = {}}};
  ASSERT_TRUE(check_device_classes(classes));
  EXPECT_EQ(classify(classes, "esp32-1", "lab/x")->name, "mcu");
  EXPECT_EQ(classify(classes, "gateway", "lab/x")->name, "lab");
  EXPECT_EQ(classify(classes, "esp8266", "t")->name, "all-esp");
  EXPECT_EQ(classify(classes, "gateway", "t"), nullptr);
}

TEST(DeviceClassTest, BadClassesAreRefused) {
  const auto refused = [](DeviceClass c, std::string_view why) {
    auto status = check_device_classes(std::vector<DeviceClass>{std::move(c)});
    ASSERT_FALSE(status) << why;
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(status.error().message(), ::testing::HasSubstr(why));
  };
  refused({.name = "", .device_ids = {"a"}, .topics = {}, .threshold = {}, .levels = {}},
          "has no name");
  refused({.name = "mcu", .device_ids = {}, .topics = {}, .threshold = {}, .levels = {}},
          "neither device-id patterns nor topic filters");
  refused({.name = "mcu", .device_ids = {"*"}, .topics = {}, .threshold = 1.5, .levels = {}},
          "threshold 1.5");
  refused({.name = "mcu",
           .device_ids = {"*"},
           .topics = {},
           .threshold = {},
           .levels = {{"ok", 0.1}, {"bad", 0.5}}},
          "device class 'mcu': alert levels must start");
}

}  // namespace
}  // namespace aiotops::edge
