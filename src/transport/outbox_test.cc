#include "transport/outbox.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace aiotops::transport {
namespace {

TEST(OutboxTest, TakeMovesEveryWaitingMessageOutInOrder) {
  Outbox outbox;
  EXPECT_EQ(outbox.push("a/1", "one", 0, false), 1u);  // 1: it was empty
  EXPECT_EQ(outbox.push("a/2", std::string("t\0wo", 4), 1, true), 2u);
  EXPECT_EQ(outbox.size(), 2u);
  std::vector<OutgoingMessage> batch;
  ASSERT_EQ(outbox.take(batch), 2u);
  EXPECT_EQ(batch[0].topic, "a/1");
  EXPECT_EQ(batch[0].payload, "one");
  EXPECT_EQ(batch[0].qos, 0);
  EXPECT_FALSE(batch[0].retain);
  EXPECT_EQ(batch[1].topic, "a/2");
  EXPECT_EQ(batch[1].payload, std::string("t\0wo", 4));
  EXPECT_EQ(batch[1].qos, 1);
  EXPECT_TRUE(batch[1].retain);
  EXPECT_EQ(outbox.size(), 0u);
  EXPECT_EQ(outbox.take(batch), 0u);
  EXPECT_EQ(outbox.push("a/3", "three", 0, false), 1u);
  ASSERT_EQ(outbox.take(batch), 1u);
  EXPECT_EQ(batch[0].payload, "three");
}

TEST(OutboxTest, BuffersCirculateBetweenTheOutboxAndTheBatch) {
  Outbox outbox;
  std::vector<OutgoingMessage> batch;
  const std::string big(4096, 'x');
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 8; ++i) outbox.push("t", big, 0, false);
    ASSERT_EQ(outbox.take(batch), 8u);
  }
  // Both sides now hold 8 entries whose payloads kept their capacity: refilling reuses them.
  for (int i = 0; i < 8; ++i) outbox.push("t", "small", 0, false);
  ASSERT_EQ(outbox.take(batch), 8u);
  EXPECT_EQ(batch.size(), 8u);
  for (const OutgoingMessage& m : batch) EXPECT_GE(m.payload.capacity(), big.size());
}

TEST(OutboxTest, ConcurrentPushesAreTakenExactlyOnceAndInEachThreadsOrder) {
  constexpr int kThreads = 4;
  constexpr int kEach = 5000;
  Outbox outbox;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        outbox.push(fmt::format("t/{}", t), std::to_string(i), 0, false);
    });
  }
  std::vector<std::vector<int>> seen(kThreads);
  std::vector<OutgoingMessage> batch;
  auto drain = [&] {
    const size_t n = outbox.take(batch);
    for (size_t i = 0; i < n; ++i) {
      seen[std::stoi(batch[i].topic.substr(2))].push_back(std::stoi(batch[i].payload));
    }
  };
  size_t total = 0;
  while (total < size_t{kThreads} * kEach) {
    drain();
    total = 0;
    for (const auto& s : seen) total += s.size();
  }
  for (auto& t : threads) t.join();
  drain();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(seen[t].size(), size_t{kEach}) << "thread " << t;
    for (int i = 0; i < kEach; ++i) EXPECT_EQ(seen[t][i], i);
  }
}

}  // namespace
}  // namespace aiotops::transport
