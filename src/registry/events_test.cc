#include "registry/events.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

namespace aiotops::registry {
namespace {

using namespace std::chrono_literals;

Event model_event(std::string name, int64_t version) {
  Event event;
  event.type = EventType::kModelVersion;
  event.name = std::move(name);
  event.version = version;
  event.sha256 = std::string(64, 'a');
  event.time_ms = 1000 + version;
  return event;
}

TEST(EventBusTest, DeliversInOrderWithIncreasingIds) {
  EventBus bus(EventBusOptions{.history = 16, .subscriber_queue = 16, .first_id = 100});
  EXPECT_EQ(bus.last_id(), 99u);
  auto a = bus.subscribe();
  auto b = bus.subscribe();
  EXPECT_EQ(bus.publish(model_event("m", 1)), 100u);
  EXPECT_EQ(bus.publish(model_event("m", 2)), 101u);
  for (auto* sub : {a.get(), b.get()}) {
    auto first = sub->next(0ms);
    auto second = sub->next(0ms);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->id, 100u);
    EXPECT_EQ(first->version, 1);
    EXPECT_EQ(second->id, 101u);
    EXPECT_FALSE(sub->next(0ms));
    EXPECT_EQ(sub->dropped(), 0u);
  }
}

TEST(EventBusTest, JsonLinesNameTheChange) {
  auto model = nlohmann::json::parse(to_json_line(model_event("motor", 4)));
  EXPECT_EQ(model["type"], "model.version");
  EXPECT_EQ(model["name"], "motor");
  EXPECT_EQ(model["version"], 4);
  EXPECT_EQ(model["sha256"], std::string(64, 'a'));

  Event moved;
  moved.type = EventType::kAliasMoved;
  moved.name = "motor";
  moved.alias = "production";
  moved.version = 5;
  moved.from_version = 4;
  auto alias = nlohmann::json::parse(to_json_line(moved));
  EXPECT_EQ(alias["type"], "alias.moved");
  EXPECT_EQ(alias["alias"], "production");
  EXPECT_EQ(alias["version"], 5);
  EXPECT_EQ(alias["from_version"], 4);
  moved.version = 0;  // deleted
  moved.from_version.reset();
  auto deleted = nlohmann::json::parse(to_json_line(moved));
  EXPECT_TRUE(deleted["version"].is_null());
  EXPECT_TRUE(deleted["from_version"].is_null());
  EXPECT_EQ(to_json_line(moved).find('\n'), std::string::npos);
}

TEST(EventBusTest, ReplaysAfterLastEventIdAndFlagsGaps) {
  EventBus bus(EventBusOptions{.history = 3, .subscriber_queue = 16, .first_id = 1});
  for (int v = 1; v <= 5; ++v) bus.publish(model_event("m", v));  // ids 1..5; 3..5 kept
  auto resumed = bus.subscribe(uint64_t{3});
  std::vector<uint64_t> ids;
  while (auto event = resumed->next(0ms)) ids.push_back(event->id);
  EXPECT_EQ(ids, (std::vector<uint64_t>{4, 5}));
  EXPECT_EQ(resumed->dropped(), 0u);

  auto late = bus.subscribe(uint64_t{1});  // id 2 is gone
  EXPECT_EQ(late->dropped(), 1u);
  ids.clear();
  while (auto event = late->next(0ms)) ids.push_back(event->id);
  EXPECT_EQ(ids, (std::vector<uint64_t>{3, 4, 5}));

  auto fresh = bus.subscribe();  // no Last-Event-ID: only new events
  EXPECT_FALSE(fresh->next(0ms));
}

TEST(EventBusTest, SlowSubscriberLosesItsOldestEventsOnly) {
  EventBus bus(EventBusOptions{.history = 0, .subscriber_queue = 2, .first_id = 1});
  auto slow = bus.subscribe();
  auto other = bus.subscribe();
  for (int v = 1; v <= 5; ++v) bus.publish(model_event("m", v));
  EXPECT_EQ(slow->dropped(), 3u);
  EXPECT_EQ(slow->next(0ms)->version, 4);
  EXPECT_EQ(slow->next(0ms)->version, 5);
  EXPECT_EQ(other->next(0ms)->version, 4);
}

TEST(EventBusTest, NextWaitsForAPublishAndCloseWakesIt) {
  EventBus bus;
  auto sub = bus.subscribe();
  std::optional<Event> received;
  std::thread waiter([&] { received = sub->next(std::chrono::hours(1)); });
  bus.publish(model_event("m", 7));
  waiter.join();
  ASSERT_TRUE(received);
  EXPECT_EQ(received->version, 7);

  std::optional<Event> after_close = model_event("x", 1);
  std::thread closed([&] { after_close = sub->next(std::chrono::hours(1)); });
  bus.close_all();
  closed.join();
  EXPECT_FALSE(after_close);
}

TEST(EventBusTest, SubscriptionMayOutliveTheBus) {
  std::unique_ptr<Subscription> sub;
  {
    EventBus bus;
    sub = bus.subscribe();
    bus.publish(model_event("m", 1));
  }
  EXPECT_FALSE(sub->next(0ms));  // closed with the bus
  sub.reset();
}

}  // namespace
}  // namespace aiotops::registry
