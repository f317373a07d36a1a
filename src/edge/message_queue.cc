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
  {
    std::unique_lock lock(mutex_);
    if (overflow_ == OverflowPolicy::kBlock) {
      not_full_.wait(lock, [this] { return closed_ || size_ < slots_.size(); });
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
  }
  not_empty_.notify_one();
  return PushResult::kQueued;
}

void MessageQueue::take_locked(InboundMessage& out) {
  std::swap(slots_[head_], out);
  head_ = (head_ + 1) % slots_.size();
  --size_;
  depth_.store(size_, std::memory_order_relaxed);
}

bool MessageQueue::pop(InboundMessage& out) {
  {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [this] { return closed_ || size_ > 0; });
    if (size_ == 0) return false;
    take_locked(out);
  }
  not_full_.notify_one();
  return true;
}

bool MessageQueue::try_pop(InboundMessage& out) {
  {
    std::lock_guard lock(mutex_);
    if (size_ == 0) return false;
    take_locked(out);
  }
  not_full_.notify_one();
  return true;
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
