#include "transport/outbox.h"

#include <utility>

namespace aiotops::transport {

size_t Outbox::push(std::string_view topic, std::string_view payload, int qos, bool retain) {
  std::lock_guard lock(mutex_);
  if (count_ == entries_.size()) entries_.emplace_back();
  OutgoingMessage& entry = entries_[count_];
  entry.topic.assign(topic);
  entry.payload.assign(payload);
  entry.qos = qos;
  entry.retain = retain;
  return ++count_;
}

size_t Outbox::take(std::vector<OutgoingMessage>& batch) {
  std::lock_guard lock(mutex_);
  const size_t taken = count_;
  // The spare entries past count_ travel along: the outbox keeps as many buffers as before.
  if (batch.size() < entries_.size()) batch.resize(entries_.size());
  entries_.swap(batch);
  count_ = 0;
  return taken;
}

size_t Outbox::size() const {
  std::lock_guard lock(mutex_);
  return count_;
}

}  // namespace aiotops::transport
