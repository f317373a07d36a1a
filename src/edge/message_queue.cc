#include "edge/message_queue.h"

#include <algorithm>
#include <utility>

namespace aiotops::edge {

MessageQueue::MessageQueue(QueueOptions options)
    : overflow_(options.overflow), slots_(std::max<size_t>(options.capacity, 1)) {
  for (InboundMessage& slot : slots_) {
    slot.topic.reserve(options.reserve_topic_bytes);
    slot.payload.reserve(options.reserve_payload_bytes);
  }
}

PushResult MessageQueue::push(InboundMessage& message) {
  bool consumer_waiting = false;
  {
    std::unique_lock lock(mutex_);
    if (overflow_ == OverflowPolicy::kBlock && !closed_ && size_ == slots_.size()) {
      ++waiting_producers_;
      not_full_.wait(lock, [this] { return closed_ || size_ < slots_.size(); });
      --waiting_producers_;
    }
    if (closed_) return PushResult::kClosed;
    if (size_ == slots_.size()) {
      // Overwrite the oldest: the new message takes its slot, which becomes the newest.
      std::swap(slots_[head_], message);
      head_ = (head_ + 1) % slots_.size();
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return PushResult::kDroppedOldest;
    }
    std::swap(slots_[(head_ + size_) % slots_.size()], message);
    ++size_;
    depth_.store(size_, std::memory_order_relaxed);
    // Consumers wait only on an empty queue: a busy one finds this message on its next pop.
    consumer_waiting = waiting_consumers_ > 0;
  }
  if (consumer_waiting) not_empty_.notify_one();
  return PushResult::kQueued;
}

void MessageQueue::take_locked(InboundMessage& out) {
  std::swap(slots_[head_], out);
  head_ = (head_ + 1) % slots_.size();
  --size_;
  depth_.store(size_, std::memory_order_relaxed);
}

void MessageQueue::wait_not_empty(std::unique_lock<std::mutex>& lock) {
  if (closed_ || size_ > 0) return;
  ++waiting_consumers_;
  not_empty_.wait(lock, [this] { return closed_ || size_ > 0; });
  --waiting_consumers_;
}

bool MessageQueue::pop(InboundMessage& out) {
  bool producer_waiting = false;
  {
    std::unique_lock lock(mutex_);
    wait_not_empty(lock);
    if (size_ == 0) return false;
    take_locked(out);
    producer_waiting = waiting_producers_ > 0;
  }
  if (producer_waiting) not_full_.notify_one();
  return true;
}

bool MessageQueue::try_pop(InboundMessage& out) {
  bool producer_waiting = false;
  {
    std::lock_guard lock(mutex_);
    if (size_ == 0) return false;
    take_locked(out);
    producer_waiting = waiting_producers_ > 0;
  }
  if (producer_waiting) not_full_.notify_one();
  return true;
}

size_t MessageQueue::pop_batch(std::span<InboundMessage> out) {
  if (out.empty()) return 0;
  size_t taken = 0;
  bool producer_waiting = false;
  {
    std::unique_lock lock(mutex_);
    wait_not_empty(lock);
    while (taken < out.size() && size_ > 0) take_locked(out[taken++]);
    producer_waiting = waiting_producers_ > 0;
  }
  // Room for many: wake every blocked producer (normally the one network thread).
  if (taken > 0 && producer_waiting) not_full_.notify_all();
  return taken;
}

void MessageQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
}

bool MessageQueue::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

}  // namespace aiotops::edge
