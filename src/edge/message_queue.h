#pragma once
// The bounded queue between the MQTT network thread and the inference workers. Slots are
// allocated once with reusable buffers, and messages move in and out by swapping buffers with
// the caller, so once every buffer has grown to the largest payload it carries, no push or pop
// allocates. When the queue is full, push() either drops the oldest message (counted) or waits
// for room (backpressure: a blocked network thread stops reading, and a QoS 1 broker stops
// sending once its in-flight window is full). Hand-overs are cheap under load: a consumer takes
// every queued message at once (pop_batch), and a side is woken only when the other waits.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aiotops::edge {

// One received telemetry message. The queue and its callers swap these, buffers and all.
// The clocks of InboundMessage's receipt stamps: wall clock in Unix milliseconds (what results
// and dead letters report), steady clock in nanoseconds (what latency is measured with).
inline int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
inline int64_t steady_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct InboundMessage {
  std::string topic;
  std::string payload;      // raw bytes as received
  int64_t received_ms = 0;  // wall clock at receipt, Unix milliseconds (results, dead letters)
  int64_t received_ns = 0;  // steady clock at receipt, nanoseconds (latency)

  // Copies into the existing buffers (no allocation when they are large enough).
  void assign(std::string_view topic_text, std::string_view payload_bytes, int64_t wall_ms,
              int64_t steady_ns) {
    topic.assign(topic_text);
    payload.assign(payload_bytes);
    received_ms = wall_ms;
    received_ns = steady_ns;
  }
};

enum class OverflowPolicy {
  kDropOldest,  // a full queue discards its oldest message to make room (counted in dropped())
  kBlock,       // a full queue makes push() wait for room
};

struct QueueOptions {
  size_t capacity = 1024;  // messages; at least 1
  OverflowPolicy overflow = OverflowPolicy::kDropOldest;
  size_t reserve_payload_bytes = 256;  // bytes reserved per slot's payload up front
  size_t reserve_topic_bytes = 64;     // bytes reserved per slot's topic up front
};

enum class PushResult {
  kQueued,         // queued; nothing lost
  kDroppedOldest,  // queued after discarding the oldest queued message (kDropOldest)
  kClosed,         // the queue is closed; the message was not queued
};

// Thread-safe: any number of producers and consumers. Messages leave in the order they entered.
class MessageQueue {
 public:
  // Allocates every slot (capacity 0 is treated as 1).
  explicit MessageQueue(QueueOptions options = {});
  MessageQueue(const MessageQueue&) = delete;
  MessageQueue& operator=(const MessageQueue&) = delete;

  // Queues `message` by swapping it into a slot; `message` comes back holding buffers to reuse
  // for the next push (contents unspecified). With kBlock, waits while the queue is full. After
  // close() returns kClosed at once and leaves `message` as it was.
  PushResult push(InboundMessage& message);

  // Waits for a message and swaps it into `out` (whose old buffers go back to the queue).
  // Returns false, leaving `out` as it was, once the queue is closed and empty: messages queued
  // before close() are still delivered.
  bool pop(InboundMessage& out);
  // As pop(), but returns false at once when the queue is empty.
  bool try_pop(InboundMessage& out);
  // Waits for a message, then swaps the oldest min(queued, out.size()) messages into out[0..n)
  // in order (their old buffers go back to the queue) and returns n. Returns 0 once the queue is
  // closed and empty, or at once when `out` is empty.
  size_t pop_batch(std::span<InboundMessage> out);

  // Refuses further pushes and wakes every waiting producer and consumer. Idempotent.
  void close();

  bool closed() const;
  // Messages queued now (a gauge; lock-free).
  size_t depth() const { return depth_.load(std::memory_order_relaxed); }
  // Messages discarded by kDropOldest since construction (lock-free).
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  size_t capacity() const { return slots_.size(); }
  OverflowPolicy overflow() const { return overflow_; }

 private:
  // Moves the oldest message into `out`; requires the lock and size_ > 0.
  void take_locked(InboundMessage& out);
  // Waits (holding `lock`) until a message is queued or the queue is closed.
  void wait_not_empty(std::unique_lock<std::mutex>& lock);

  const OverflowPolicy overflow_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::vector<InboundMessage> slots_;  // ring buffer; guarded by mutex_
  size_t head_ = 0;                    // index of the oldest message
  size_t size_ = 0;
  bool closed_ = false;
  size_t waiting_consumers_ = 0;  // consumers blocked in pop()/pop_batch(); guarded by mutex_
  size_t waiting_producers_ = 0;  // producers blocked in push(); guarded by mutex_
  std::atomic<size_t> depth_{0};  // mirrors size_ for lock-free readers
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace aiotops::edge
