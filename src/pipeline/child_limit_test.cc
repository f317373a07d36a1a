#include "pipeline/child_limit.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

namespace aiotops::pipeline {
namespace {

std::unique_ptr<CancelToken> token() { return std::move(*CancelToken::create()); }

TEST(ChildLimit, HoldsAtMostItsLimit) {
  ChildLimit limit(2);
  auto cancel = token();
  auto first = limit.queue();
  auto second = limit.queue();
  EXPECT_TRUE(first.wait(*cancel));
  EXPECT_TRUE(second.wait(*cancel));
  auto third = limit.queue();
  std::jthread waiter([&] { EXPECT_TRUE(third.wait(*cancel)); });
  second.release();  // the only way the waiter can end
}

// Places are served in the order they were queued, whichever thread waits first.
TEST(ChildLimit, ServesPlacesInQueueOrder) {
  ChildLimit limit(1);
  auto cancel = token();
  auto first = limit.queue();
  ASSERT_TRUE(first.wait(*cancel));
  std::vector<ChildLimit::Place> places;
  for (int i = 0; i < 3; ++i) places.push_back(limit.queue());
  std::mutex mutex;
  std::vector<int> served;
  {
    std::vector<std::jthread> waiters;
    for (int i = 2; i >= 0; --i) {  // the last queued starts waiting first
      waiters.emplace_back([&, i] {
        ASSERT_TRUE(places[i].wait(*cancel));
        {
          std::lock_guard lock(mutex);
          served.push_back(i);
        }
        places[i].release();
      });
    }
    first.release();
  }
  EXPECT_EQ(served, (std::vector<int>{0, 1, 2}));
}

// A limit of one whose place is held by `first`.
class FullChildLimit : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(first.wait(*cancel)); }

  ChildLimit limit{1};
  std::unique_ptr<CancelToken> cancel = token();
  ChildLimit::Place first = limit.queue();
};

TEST_F(FullChildLimit, ACancelledWaiterLeavesTheQueue) {
  auto second = limit.queue();
  auto stopped = token();
  stopped->cancel();
  EXPECT_FALSE(second.wait(*stopped));
  first.release();
  auto third = limit.queue();  // not stuck behind the cancelled place
  EXPECT_TRUE(third.wait(*cancel));
}

TEST_F(FullChildLimit, AWaiterSeesACancelOnTheNextChange) {
  auto second = limit.queue();
  std::jthread waiter([&] { EXPECT_FALSE(second.wait(*cancel)); });
  cancel->cancel();
  first.release();  // a held place ends; the waiter wakes, finds the cancel and gives up
}

}  // namespace
}  // namespace aiotops::pipeline
