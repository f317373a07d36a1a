#include "registry/send_gate.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace aiotops::registry {
namespace {

using std::chrono::milliseconds;

// Polls until `gate` has `count` waiters (they are other threads), for at most a minute.
bool wait_for_waiters(SendGate& gate, size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (gate.waiting() != count) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(SendGateTest, AdmitsUpToItsSlotsThenTimesOutWithoutASlot) {
  SendGate gate(2, milliseconds(0));
  SendGate::Pass a = gate.enter();
  SendGate::Pass b = gate.enter();
  EXPECT_TRUE(a.holds_slot());
  EXPECT_TRUE(b.holds_slot());
  SendGate::Pass late = gate.enter();
  EXPECT_FALSE(late.holds_slot());
  EXPECT_EQ(gate.waiting(), 0u);  // the timed-out waiter left the queue
}

TEST(SendGateTest, ASlotLetGoIsFreeAgain) {
  SendGate gate(1, milliseconds(0));
  { SendGate::Pass first = gate.enter(); }
  EXPECT_TRUE(gate.enter().holds_slot());
}

TEST(SendGateTest, WaitersAreServedInArrivalOrder) {
  SendGate gate(1, std::chrono::minutes(1));
  std::mutex mutex;
  std::vector<std::string> served;
  auto writer = [&](std::string name) {
    SendGate::Pass pass = gate.enter();
    std::lock_guard lock(mutex);
    served.push_back(name + (pass.holds_slot() ? "" : " without a slot"));
  };
  std::optional<SendGate::Pass> held(gate.enter());
  std::thread first(writer, "first");
  ASSERT_TRUE(wait_for_waiters(gate, 1));
  std::thread second(writer, "second");
  ASSERT_TRUE(wait_for_waiters(gate, 2));
  std::thread third(writer, "third");
  ASSERT_TRUE(wait_for_waiters(gate, 3));
  held.reset();
  first.join();
  second.join();
  third.join();
  EXPECT_EQ(served, (std::vector<std::string>{"first", "second", "third"}));
  EXPECT_EQ(gate.waiting(), 0u);
  EXPECT_TRUE(gate.enter().holds_slot());
}

}  // namespace
}  // namespace aiotops::registry
