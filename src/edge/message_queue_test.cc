#include "edge/message_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "support/allocation_counter.h"

namespace aiotops::edge {
namespace {

InboundMessage message(std::string_view payload, int64_t ms = 0) {
  InboundMessage m;
  m.assign("motors/1", payload, ms, ms * 1000000);
  return m;
}

TEST(MessageQueueTest, MessagesLeaveInOrderWithTheirFields) {
  MessageQueue queue({.capacity = 4});
  for (int i = 0; i < 3; ++i) {
    InboundMessage m = message(std::to_string(i), 100 + i);
    EXPECT_EQ(queue.push(m), PushResult::kQueued);
  }
  EXPECT_EQ(queue.depth(), 3u);
  InboundMessage out;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(queue.try_pop(out));
    EXPECT_EQ(out.topic, "motors/1");
    EXPECT_EQ(out.payload, std::to_string(i));
    EXPECT_EQ(out.received_ms, 100 + i);
    EXPECT_EQ(out.received_ns, (100 + i) * 1000000);
  }
  EXPECT_FALSE(queue.try_pop(out));
  EXPECT_EQ(queue.depth(), 0u);
  EXPECT_EQ(queue.dropped(), 0u);
}

TEST(MessageQueueTest, DropOldestKeepsTheNewestAndCounts) {
  MessageQueue queue({.capacity = 3});
  for (int i = 0; i < 3; ++i) {
    InboundMessage m = message(std::to_string(i));
    EXPECT_EQ(queue.push(m), PushResult::kQueued);
  }
  for (int i = 3; i < 5; ++i) {
    InboundMessage m = message(std::to_string(i));
    EXPECT_EQ(queue.push(m), PushResult::kDroppedOldest);
  }
  EXPECT_EQ(queue.dropped(), 2u);
  EXPECT_EQ(queue.depth(), 3u);
  InboundMessage out;
  for (int i = 2; i < 5; ++i) {
    ASSERT_TRUE(queue.try_pop(out));
    EXPECT_EQ(out.payload, std::to_string(i));
  }
}

TEST(MessageQueueTest, BlockingPushWaitsForRoom) {
  MessageQueue queue({.capacity = 2, .overflow = OverflowPolicy::kBlock});
  for (int i = 0; i < 2; ++i) {
    InboundMessage m = message(std::to_string(i));
    ASSERT_EQ(queue.push(m), PushResult::kQueued);
  }
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    InboundMessage m = message("2");
    EXPECT_EQ(queue.push(m), PushResult::kQueued);
    pushed = true;
  });
  // The producer cannot finish before a pop makes room (it may not have started yet either).
  EXPECT_FALSE(pushed.load());
  InboundMessage out;
  ASSERT_TRUE(queue.pop(out));
  EXPECT_EQ(out.payload, "0");
  producer.join();
  EXPECT_TRUE(pushed.load());
  ASSERT_TRUE(queue.pop(out));
  EXPECT_EQ(out.payload, "1");
  ASSERT_TRUE(queue.pop(out));
  EXPECT_EQ(out.payload, "2");
  EXPECT_EQ(queue.dropped(), 0u);
}

TEST(MessageQueueTest, CloseWakesBlockedProducersAndConsumers) {
  MessageQueue full({.capacity = 1, .overflow = OverflowPolicy::kBlock});
  InboundMessage first = message("first");
  ASSERT_EQ(full.push(first), PushResult::kQueued);
  std::thread producer([&] {
    InboundMessage m = message("blocked");
    EXPECT_EQ(full.push(m), PushResult::kClosed);
    EXPECT_EQ(m.payload, "blocked");  // left as it was
  });
  MessageQueue empty({.capacity = 1});
  std::thread consumer([&] {
    InboundMessage out = message("mine");
    EXPECT_FALSE(empty.pop(out));
    EXPECT_EQ(out.payload, "mine");
  });
  full.close();
  empty.close();
  producer.join();
  consumer.join();
  EXPECT_TRUE(full.closed());
  // Messages queued before close() are still delivered, then pop() reports the end.
  InboundMessage out;
  ASSERT_TRUE(full.pop(out));
  EXPECT_EQ(out.payload, "first");
  EXPECT_FALSE(full.pop(out));
  InboundMessage late = message("late");
  EXPECT_EQ(full.push(late), PushResult::kClosed);
}

TEST(MessageQueueTest, PopBatchTakesTheOldestInOrderUpToItsSize) {
  MessageQueue queue({.capacity = 8});
  for (int i = 0; i < 5; ++i) {
    InboundMessage m = message(std::to_string(i), i);
    ASSERT_EQ(queue.push(m), PushResult::kQueued);
  }
  std::vector<InboundMessage> batch(3);
  ASSERT_EQ(queue.pop_batch(batch), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(batch[i].payload, std::to_string(i));
    EXPECT_EQ(batch[i].received_ms, i);
  }
  EXPECT_EQ(queue.depth(), 2u);
  ASSERT_EQ(queue.pop_batch(batch), 2u);
  EXPECT_EQ(batch[0].payload, "3");
  EXPECT_EQ(batch[1].payload, "4");
  EXPECT_EQ(queue.pop_batch(std::span<InboundMessage>()), 0u);
  queue.close();
  EXPECT_EQ(queue.pop_batch(batch), 0u);  // closed and empty: the end, at once
}

TEST(MessageQueueTest, PopBatchWaitsForAMessageAndMakesRoomForABlockedProducer) {
  MessageQueue queue({.capacity = 2, .overflow = OverflowPolicy::kBlock});
  std::vector<InboundMessage> batch(4);
  size_t taken = 0;
  std::thread consumer([&] { taken = queue.pop_batch(batch); });
  InboundMessage first = message("first");
  ASSERT_EQ(queue.push(first), PushResult::kQueued);
  consumer.join();
  ASSERT_EQ(taken, 1u);
  EXPECT_EQ(batch[0].payload, "first");
  // A producer blocked on the full queue is woken by a batch that takes both.
  for (const char* text : {"a", "b"}) {
    InboundMessage m = message(text);
    ASSERT_EQ(queue.push(m), PushResult::kQueued);
  }
  std::thread producer([&] {
    InboundMessage m = message("c");
    EXPECT_EQ(queue.push(m), PushResult::kQueued);
  });
  std::vector<std::string> seen;
  while (seen.size() < 3) {
    const size_t n = queue.pop_batch(batch);
    for (size_t i = 0; i < n; ++i) seen.push_back(batch[i].payload);
  }
  producer.join();
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(MessageQueueTest, WarmPopBatchDoesNotAllocate) {
  MessageQueue queue({.capacity = 16, .reserve_payload_bytes = 64});
  std::vector<InboundMessage> batch(8);
  InboundMessage in;
  const std::string big(1000, 'x');
  // Warm-up: every buffer in circulation grows to the large payload once.
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 8; ++i) {
      in.assign("motors/1", big, i, i);
      queue.push(in);
    }
    queue.pop_batch(batch);
  }
  const size_t before = aiotops::testing::allocation_count();
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < 8; ++i) {
      in.assign("motors/1", i % 2 ? std::string_view(big) : std::string_view("small"), i, i);
      ASSERT_EQ(queue.push(in), PushResult::kQueued);
    }
    ASSERT_EQ(queue.pop_batch(batch), 8u);
  }
  EXPECT_EQ(aiotops::testing::allocation_count() - before, 0u);
}

TEST(MessageQueueTest, WarmPushAndPopDoNotAllocate) {
  MessageQueue queue({.capacity = 8, .reserve_payload_bytes = 64});
  InboundMessage in;
  InboundMessage out;
  std::string big(1000, 'x');
  // Warm-up: every buffer in circulation grows to the large payload once.
  for (int i = 0; i < 20; ++i) {
    in.assign("motors/1", big, i, i);
    queue.push(in);
    queue.try_pop(out);
  }
  size_t before = aiotops::testing::allocation_count();
  for (int i = 0; i < 1000; ++i) {
    in.assign("motors/1", i % 2 ? std::string_view(big) : std::string_view("small"), i, i);
    ASSERT_EQ(queue.push(in), PushResult::kQueued);
    ASSERT_TRUE(queue.try_pop(out));
  }
  EXPECT_EQ(aiotops::testing::allocation_count() - before, 0u);
}

TEST(MessageQueueTest, OversizedPayloadsGrowEachBufferOnce) {
  MessageQueue queue({.capacity = 1, .reserve_payload_bytes = 16});
  InboundMessage in;
  InboundMessage out;
  const std::string big(5000, 'p');
  size_t before = aiotops::testing::allocation_count();
  for (int i = 0; i < 100; ++i) {
    in.assign("t", big, 0, 0);
    ASSERT_EQ(queue.push(in), PushResult::kQueued);
    ASSERT_TRUE(queue.try_pop(out));
    ASSERT_EQ(out.payload, big);
  }
  // Three payload buffers circulate (the producer's, the slot's, the consumer's); each grows once.
  EXPECT_LE(aiotops::testing::allocation_count() - before, 3u);
}

// Producers tag payloads "<producer> <sequence>"; returns (producer, sequence).
std::pair<int, int> parse_tag(const std::string& payload) {
  size_t space = payload.find(' ');
  return {std::stoi(payload.substr(0, space)), std::stoi(payload.substr(space + 1))};
}

// Runs `producers` threads that each push `count` tagged messages, reporting every push result
// to `on_result` (called from the producer threads), and joins them.
void run_producers(MessageQueue& queue, int producers, int count,
                   const std::function<void(PushResult)>& on_result) {
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      InboundMessage in;
      const std::string topic = fmt::format("producer-{}", p);
      for (int s = 0; s < count; ++s) {
        in.assign(topic, fmt::format("{} {}", p, s), s, s);
        on_result(queue.push(in));
      }
    });
  }
  for (auto& t : threads) t.join();
}

TEST(MessageQueueStressTest, BlockingQueueDeliversEveryMessageExactlyOnce) {
  constexpr int kProducers = 4;
  constexpr int kConsumers = 3;
  constexpr int kPerProducer = 20000;
  MessageQueue queue({.capacity = 16, .overflow = OverflowPolicy::kBlock});
  std::vector<std::vector<std::vector<int>>> seen(
      kConsumers, std::vector<std::vector<int>>(kProducers));  // [consumer][producer] sequences
  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&, c] {
      InboundMessage out;
      while (queue.pop(out)) {
        auto [producer, sequence] = parse_tag(out.payload);
        seen[c][producer].push_back(sequence);
      }
    });
  }
  run_producers(queue, kProducers, kPerProducer,
                [](PushResult result) { EXPECT_EQ(result, PushResult::kQueued); });
  queue.close();
  for (auto& t : consumers) t.join();

  EXPECT_EQ(queue.dropped(), 0u);
  for (int p = 0; p < kProducers; ++p) {
    std::vector<int> count(kPerProducer, 0);
    for (int c = 0; c < kConsumers; ++c) {
      // Each consumer sees a producer's messages in the order they were pushed.
      EXPECT_TRUE(std::is_sorted(seen[c][p].begin(), seen[c][p].end()));
      for (int s : seen[c][p]) ++count[s];
    }
    EXPECT_EQ(std::count(count.begin(), count.end(), 1), kPerProducer) << "producer " << p;
  }
}

TEST(MessageQueueStressTest, BatchConsumersOfABlockingQueueGetEveryMessageExactlyOnce) {
  constexpr int kProducers = 3;
  constexpr int kConsumers = 2;
  constexpr int kPerProducer = 20000;
  MessageQueue queue({.capacity = 16, .overflow = OverflowPolicy::kBlock});
  std::vector<std::vector<std::vector<int>>> seen(
      kConsumers, std::vector<std::vector<int>>(kProducers));  // [consumer][producer] sequences
  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&, c] {
      std::vector<InboundMessage> batch(5);
      for (size_t n = 0; (n = queue.pop_batch(batch)) > 0;) {
        for (size_t i = 0; i < n; ++i) {
          auto [producer, sequence] = parse_tag(batch[i].payload);
          seen[c][producer].push_back(sequence);
        }
      }
    });
  }
  run_producers(queue, kProducers, kPerProducer,
                [](PushResult result) { EXPECT_EQ(result, PushResult::kQueued); });
  queue.close();
  for (auto& t : consumers) t.join();
  for (int p = 0; p < kProducers; ++p) {
    std::vector<int> count(kPerProducer, 0);
    for (int c = 0; c < kConsumers; ++c) {
      EXPECT_TRUE(std::is_sorted(seen[c][p].begin(), seen[c][p].end()));
      for (int s : seen[c][p]) ++count[s];
    }
    EXPECT_EQ(std::count(count.begin(), count.end(), 1), kPerProducer) << "producer " << p;
  }
}

TEST(MessageQueueStressTest, DropOldestAccountsForEveryMessage) {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 20000;
  MessageQueue queue({.capacity = 8});
  std::vector<std::vector<int>> seen(kProducers);
  std::thread consumer([&] {
    InboundMessage out;
    while (queue.pop(out)) {
      auto [producer, sequence] = parse_tag(out.payload);
      seen[producer].push_back(sequence);
    }
  });
  std::atomic<uint64_t> reported_drops{0};
  run_producers(queue, kProducers, kPerProducer, [&](PushResult result) {
    EXPECT_NE(result, PushResult::kClosed);
    if (result == PushResult::kDroppedOldest) ++reported_drops;
  });
  queue.close();
  consumer.join();

  size_t received = 0;
  for (int p = 0; p < kProducers; ++p) {
    // In order and without duplicates: strictly increasing.
    EXPECT_TRUE(std::adjacent_find(seen[p].begin(), seen[p].end(),
                                   [](int a, int b) { return a >= b; }) == seen[p].end());
    received += seen[p].size();
  }
  EXPECT_EQ(received + queue.dropped(), size_t{kProducers} * kPerProducer);
  EXPECT_EQ(queue.dropped(), reported_drops.load());
  EXPECT_EQ(queue.depth(), 0u);
}

}  // namespace
}  // namespace aiotops::edge
