#include "edge/alert_policy.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edge/outbound_json.h"
#include "support/allocation_counter.h"

namespace aiotops::edge {
namespace {

const std::vector<ml::AlertLevel> kLevels = ml::default_alert_levels();
constexpr double kThreshold = 0.35;

AlertOptions options(size_t window, size_t persist, size_t max_devices = 100) {
  AlertOptions o;
  o.window = window;
  o.persist_count = persist;
  o.max_devices = max_devices;
  return o;
}

AlertTracker tracker(AlertOptions o) {
  auto t = AlertTracker::create(std::move(o));
  if (!t) {
    ADD_FAILURE() << t.error().message();
    std::abort();
  }
  return std::move(*t);
}

// Observes one reading of `device` whose values are {score * 10, t}.
const AlertCheck& observe(AlertTracker& t, std::string_view device, int64_t time, double score) {
  const double values[] = {score * 10, static_cast<double>(time)};
  return t.observe(device, "sensors", time, values, score, kLevels, kThreshold);
}

TEST(AlertPolicyTest, LevelChangesRaiseAlerts) {
  AlertTracker t = tracker(options(5, 5));
  const AlertCheck* c = &observe(t, "m1", 1, 0.1);
  EXPECT_EQ(c->level, "no-fault");
  EXPECT_DOUBLE_EQ(c->threshold, kThreshold);
  EXPECT_FALSE(c->raise);
  c = &observe(t, "m1", 2, 0.6);
  EXPECT_TRUE(c->raise);
  EXPECT_EQ(c->reason, kLevelChangeReason);
  EXPECT_EQ(c->level, "potential-failure");
  EXPECT_EQ(c->previous_level, "no-fault");
  ASSERT_EQ(c->readings.size(), 2u);
  EXPECT_EQ(c->readings[0].timestamp_ms, 1);
  EXPECT_EQ(c->readings[1].score, 0.6);
  EXPECT_EQ(c->readings[1].values[0], 6.0);
  EXPECT_FALSE(observe(t, "m1", 3, 0.65).raise);
  c = &observe(t, "m1", 4, 0.9);
  EXPECT_TRUE(c->raise);
  EXPECT_EQ(c->level, "immediate-failure");
  EXPECT_EQ(c->previous_level, "potential-failure");
  c = &observe(t, "m1", 5, 0.2);
  EXPECT_TRUE(c->raise);
  EXPECT_EQ(c->level, "no-fault");
  EXPECT_EQ(c->previous_level, "immediate-failure");
}

TEST(AlertPolicyTest, AFirstReadingAboveTheLowestLevelIsAChange) {
  AlertTracker t = tracker(options(3, 3));
  const AlertCheck& c = observe(t, "hand-typed", 1, 0.95);
  EXPECT_TRUE(c.raise);
  EXPECT_EQ(c.reason, kLevelChangeReason);
  EXPECT_EQ(c.level, "immediate-failure");
  EXPECT_EQ(c.previous_level, "");
  ASSERT_EQ(c.readings.size(), 1u);
  // Devices are independent.
  EXPECT_FALSE(observe(t, "other", 1, 0.1).raise);
}

TEST(AlertPolicyTest, PersistentFaultIsNOfTheLastM) {
  // Scores of 0.4 are at or above the threshold (0.35) but inside the lowest level (< 0.5).
  AlertTracker t = tracker(options(5, 3));
  EXPECT_FALSE(observe(t, "m", 1, 0.4).raise);
  EXPECT_FALSE(observe(t, "m", 2, 0.1).raise);
  EXPECT_FALSE(observe(t, "m", 3, 0.4).raise);
  const AlertCheck& c = observe(t, "m", 4, 0.35);  // the third of the last four
  EXPECT_TRUE(c.raise);
  EXPECT_EQ(c.reason, kPersistentFaultReason);
  EXPECT_EQ(c.level, "no-fault");
  EXPECT_EQ(c.previous_level, "no-fault");
  ASSERT_EQ(c.readings.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(c.readings[i].timestamp_ms, static_cast<int64_t>(i + 1));
  // Still persisting: no new alert until it has stopped.
  EXPECT_FALSE(observe(t, "m", 5, 0.4).raise);         // window 0.4 0.1 0.4 0.35 0.4
  EXPECT_FALSE(observe(t, "m", 6, 0.1).raise);         // 0.1 0.4 0.35 0.4 0.1: three
  EXPECT_FALSE(observe(t, "m", 7, 0.1).raise);         // 0.4 0.35 0.4 0.1 0.1: three
  EXPECT_FALSE(observe(t, "m", 8, 0.1).raise);         // 0.35 0.4 0.1 0.1 0.1: two, stopped
  EXPECT_FALSE(observe(t, "m", 9, 0.4).raise);         // 0.4 0.1 0.1 0.1 0.4: two
  EXPECT_FALSE(observe(t, "m", 10, 0.4).raise);        // 0.1 0.1 0.1 0.4 0.4: two
  const AlertCheck& third = observe(t, "m", 11, 0.4);  // 0.1 0.1 0.4 0.4 0.4
  EXPECT_TRUE(third.raise);
  EXPECT_EQ(third.reason, kPersistentFaultReason);
  // The last M readings, oldest first, after the ring wrapped.
  ASSERT_EQ(third.readings.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(third.readings[i].timestamp_ms, static_cast<int64_t>(7 + i));
    EXPECT_EQ(third.readings[i].values[1], static_cast<double>(7 + i));
    EXPECT_EQ(third.readings[i].values[0], third.readings[i].score * 10);
  }
}

TEST(AlertPolicyTest, ALevelChangeWinsWhenBothApply) {
  AlertTracker t = tracker(options(2, 1));
  const AlertCheck& c = observe(t, "m", 1, 0.6);
  EXPECT_TRUE(c.raise);
  EXPECT_EQ(c.reason, kLevelChangeReason);
  EXPECT_FALSE(observe(t, "m", 2, 0.6).raise);  // persisting, same level
}

TEST(AlertPolicyTest, DeviceClassesOverrideThresholdAndLevels) {
  AlertOptions o = options(3, 2);
  o.classes = {
      {.name = "mcu", .device_ids = {"esp32-*"}, .topics = {}, .threshold = 0.7, .levels = {}},
      {.name = "lab",
       .device_ids = {},
       .topics = {"lab/#"},
       .threshold = {},
       .levels = {{"green", 0.0}, {"red", 0.9}}}};
  AlertTracker t = tracker(std::move(o));
  const double values[] = {1.0, 2.0};
  const AlertCheck& mcu = t.observe("esp32-7", "sensors", 1, values, 0.6, kLevels, kThreshold);
  EXPECT_EQ(mcu.device_class, "mcu");
  EXPECT_DOUBLE_EQ(mcu.threshold, 0.7);
  EXPECT_EQ(mcu.level, "potential-failure");  // the model's levels
  EXPECT_FALSE(t.observe("esp32-7", "sensors", 2, values, 0.69, kLevels, kThreshold).raise);
  EXPECT_FALSE(t.observe("esp32-7", "sensors", 3, values, 0.7, kLevels, kThreshold).raise);
  const AlertCheck& persisted =
      t.observe("esp32-7", "sensors", 4, values, 0.75, kLevels, kThreshold);
  EXPECT_TRUE(persisted.raise);
  EXPECT_EQ(persisted.reason, kPersistentFaultReason);

  const AlertCheck& lab = t.observe("bench-1", "lab/bench", 1, values, 0.85, kLevels, kThreshold);
  EXPECT_EQ(lab.device_class, "lab");
  EXPECT_DOUBLE_EQ(lab.threshold, kThreshold);  // the model's threshold
  EXPECT_EQ(lab.level, "green");
  EXPECT_FALSE(lab.raise);
  EXPECT_EQ(t.observe("bench-1", "lab/bench", 2, values, 0.95, kLevels, kThreshold).level, "red");

  const AlertCheck& plain = t.observe("gw", "sensors", 1, values, 0.2, kLevels, kThreshold);
  EXPECT_EQ(plain.device_class, "");
  EXPECT_EQ(plain.level, "no-fault");
}

TEST(AlertPolicyTest, DevicesAreBoundedLeastRecentlySeenFirst) {
  AlertTracker t = tracker(options(5, 5, 2));
  observe(t, "a", 1, 0.6);
  observe(t, "b", 1, 0.6);
  observe(t, "a", 2, 0.6);
  observe(t, "c", 1, 0.6);  // evicts b
  EXPECT_EQ(t.devices(), 2u);
  EXPECT_EQ(t.evictions(), 1u);
  EXPECT_FALSE(observe(t, "a", 3, 0.6).raise);    // a kept its level
  const AlertCheck& b = observe(t, "b", 2, 0.6);  // b starts again
  EXPECT_TRUE(b.raise);
  EXPECT_EQ(b.previous_level, "");
  EXPECT_EQ(b.readings.size(), 1u);
}

TEST(AlertPolicyTest, AModelWithOtherFeaturesStartsTheWindowAgain) {
  AlertTracker t = tracker(options(3, 3));
  observe(t, "m", 1, 0.1);
  observe(t, "m", 2, 0.1);
  const double three[] = {1.0, 2.0, 3.0};
  const AlertCheck& c = t.observe("m", "sensors", 3, three, 0.9, kLevels, kThreshold);
  ASSERT_TRUE(c.raise);
  ASSERT_EQ(c.readings.size(), 1u);
  EXPECT_EQ(c.readings[0].values.size(), 3u);
}

TEST(AlertPolicyTest, KnownDevicesDoNotAllocate) {
  AlertTracker t = tracker(options(5, 3));
  observe(t, "m", 0, 0.1);
  observe(t, "m", 0, 0.9);  // level names seen once
  observe(t, "m", 0, 0.6);
  const size_t before = aiotops::testing::allocation_count();
  size_t alerts = 0;
  for (int i = 0; i < 300; ++i) {
    alerts += observe(t, "m", i, (i % 7) / 7.0 + 0.05).raise ? 1 : 0;
  }
  EXPECT_EQ(aiotops::testing::allocation_count(), before);
  EXPECT_GT(alerts, 0u);
}

TEST(AlertPolicyTest, BadOptionsAreRefused) {
  EXPECT_FALSE(AlertTracker::create(options(0, 0)));
  EXPECT_FALSE(AlertTracker::create(options(3, 4)));
  EXPECT_FALSE(AlertTracker::create(options(3, 0)));
  EXPECT_FALSE(AlertTracker::create(options(3, 2, 0)));
  AlertOptions bad = options(3, 2);
  bad.classes = {{.name = "x", .device_ids = {}, .topics = {}, .threshold = {}, .levels = {}}};
  EXPECT_FALSE(AlertTracker::create(bad));
}

}  // namespace
}  // namespace aiotops::edge
