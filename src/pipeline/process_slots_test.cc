#include "pipeline/process_slots.h"

#include <gtest/gtest.h>

#include <poll.h>

#include <atomic>
#include <thread>
#include <vector>

namespace aiotops::pipeline {
namespace {

std::unique_ptr<CancelToken> token() { return std::move(*CancelToken::create()); }

TEST(ProcessSlotsTest, HandsOutAtMostItsCapacity) {
  auto slots = ProcessSlots::create(2);
  ASSERT_TRUE(slots) << slots.error().message();
  auto first = (*slots)->try_acquire();
  auto second = (*slots)->try_acquire();
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  auto third = (*slots)->try_acquire();
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code(), ErrorCode::kResourceExhausted);
  { auto released = std::move(*first); }
  EXPECT_TRUE((*slots)->try_acquire());
}

TEST(ProcessSlotsTest, ZeroMeansTheCoreCount) {
  auto slots = ProcessSlots::create(0);
  ASSERT_TRUE(slots);
  EXPECT_EQ((*slots)->capacity(), std::max(1u, std::thread::hardware_concurrency()));
}

TEST(ProcessSlotsTest, WaiterGetsTheSlotReleasedByAnother) {
  auto slots = std::move(*ProcessSlots::create(1));
  auto cancel = token();
  std::optional<ProcessSlots::Lease> held(std::move(*slots->try_acquire()));
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto lease = slots->acquire(*cancel);
    got = lease.has_value();
  });
  held.reset();
  waiter.join();
  EXPECT_TRUE(got);
}

TEST(ProcessSlotsTest, CancelInterruptsAWaiter) {
  auto slots = std::move(*ProcessSlots::create(1));
  auto cancel = token();
  auto held = slots->try_acquire();
  ASSERT_TRUE(held);
  std::optional<Error> error;
  std::thread waiter([&] {
    auto lease = slots->acquire(*cancel);
    if (!lease) error = lease.error();
  });
  cancel->cancel();
  waiter.join();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), ErrorCode::kUnavailable);
  EXPECT_EQ(error->message(), "cancelled");
}

TEST(ProcessSlotsTest, ManyThreadsNeverExceedTheLimit) {
  auto slots = std::move(*ProcessSlots::create(2));
  auto cancel = token();
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto lease = slots->acquire(*cancel);
        ASSERT_TRUE(lease);
        const int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        --inside;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(most.load(), 2);
  EXPECT_GE(most.load(), 1);
}

TEST(CancelTokenTest, CancelIsVisibleAndPollable) {
  auto cancel = token();
  EXPECT_FALSE(cancel->cancelled());
  cancel->cancel();
  cancel->cancel();  // idempotent
  EXPECT_TRUE(cancel->cancelled());
  pollfd fd{cancel->fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&fd, 1, 0), 1);
}

}  // namespace
}  // namespace aiotops::pipeline
