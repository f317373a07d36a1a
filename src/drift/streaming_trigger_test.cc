#include "drift/streaming_trigger.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace aiotops::drift {
namespace {

using namespace std::chrono_literals;

TEST(DriftTriggerTest, FiresAfterKConsecutiveWindowsOverThreshold) {
  DriftTrigger trigger({.persist_windows = 3, .cooldown = 1h});
  EXPECT_FALSE(trigger.on_window(true, 1s));
  EXPECT_FALSE(trigger.on_window(true, 2s));
  EXPECT_FALSE(trigger.on_window(false, 3s));  // the run is broken: counting starts over
  EXPECT_EQ(trigger.consecutive(), 0u);
  EXPECT_FALSE(trigger.on_window(true, 4s));
  EXPECT_FALSE(trigger.on_window(true, 5s));
  EXPECT_EQ(trigger.consecutive(), 2u);
  EXPECT_TRUE(trigger.on_window(true, 6s));
  EXPECT_EQ(trigger.consecutive(), 3u);
}

TEST(DriftTriggerTest, FiresAtMostOncePerCooldownWhileDriftPersists) {
  DriftTrigger trigger({.persist_windows = 2, .cooldown = 10min});
  EXPECT_FALSE(trigger.on_window(true, 0s));
  EXPECT_TRUE(trigger.on_window(true, 1min));
  for (auto t = 2min; t < 11min; t += 1min) EXPECT_FALSE(trigger.on_window(true, t)) << t.count();
  EXPECT_TRUE(trigger.on_window(true, 11min));  // 10 min after the first trigger
  EXPECT_FALSE(trigger.on_window(true, 12min));
  // Drift stops and returns: the cool-down still counts from the last trigger.
  EXPECT_FALSE(trigger.on_window(false, 13min));
  EXPECT_FALSE(trigger.on_window(true, 14min));
  EXPECT_FALSE(trigger.on_window(true, 15min));
  EXPECT_FALSE(trigger.on_window(true, 20min));
  EXPECT_TRUE(trigger.on_window(true, 21min));
}

TEST(DriftTriggerTest, RestartCountsAgainButKeepsTheCooldown) {
  DriftTrigger trigger({.persist_windows = 2, .cooldown = 10min});
  EXPECT_FALSE(trigger.on_window(true, 0s));
  trigger.restart();  // a new reference: the window before it does not count
  EXPECT_EQ(trigger.consecutive(), 0u);
  EXPECT_FALSE(trigger.on_window(true, 1min));
  EXPECT_TRUE(trigger.on_window(true, 2min));
  trigger.restart();
  EXPECT_FALSE(trigger.on_window(true, 3min));
  EXPECT_FALSE(trigger.on_window(true, 4min));  // two in a row, but within the cool-down
  EXPECT_TRUE(trigger.on_window(true, 12min));
}

TEST(DriftTriggerTest, NoCooldownFiresOnEveryPersistentWindow) {
  DriftTrigger trigger({.persist_windows = 1, .cooldown = 0ms});
  EXPECT_TRUE(trigger.on_window(true, 1s));
  EXPECT_TRUE(trigger.on_window(true, 1s));
  EXPECT_FALSE(trigger.on_window(false, 2s));
}

TEST(DriftTriggerTest, ConcurrentWindowsFireOnce) {
  DriftTrigger trigger({.persist_windows = 1, .cooldown = 1h});
  std::atomic<int> fired = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) fired += trigger.on_window(true, 5s) ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(fired.load(), 1);
}

TEST(DriftTriggerTest, ChecksItsOptions) {
  EXPECT_TRUE(check_trigger_options({}).has_value());
  EXPECT_FALSE(check_trigger_options({.persist_windows = 0}).has_value());
  EXPECT_FALSE(check_trigger_options({.persist_windows = 1, .cooldown = -1ms}).has_value());
}

}  // namespace
}  // namespace aiotops::drift
