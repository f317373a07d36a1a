#include "pipeline/child_limit.h"

#include <algorithm>

namespace aiotops::pipeline {

ChildLimit::Place::Place(Place&& other) noexcept
    : limit_(other.limit_), ticket_(other.ticket_), held_(other.held_) {
  other.limit_ = nullptr;
}

ChildLimit::Place ChildLimit::queue() {
  std::lock_guard lock(mutex_);
  const uint64_t ticket = next_ticket_++;
  queued_.push_back(ticket);
  return Place(this, ticket);
}

bool ChildLimit::Place::wait(const CancelToken& cancel) {
  if (limit_ == nullptr) return false;
  if (held_) return true;
  std::unique_lock lock(limit_->mutex_);
  for (;;) {
    if (cancel.cancelled()) {
      lock.unlock();
      release();
      return false;
    }
    if (limit_->free_ > 0 && limit_->queued_.front() == ticket_) {
      limit_->queued_.pop_front();
      --limit_->free_;
      held_ = true;
      limit_->changed_.notify_all();  // the next in the queue may be served too
      return true;
    }
    limit_->changed_.wait(lock);
  }
}

void ChildLimit::Place::release() noexcept {
  if (limit_ == nullptr) return;
  {
    std::lock_guard lock(limit_->mutex_);
    if (held_) {
      ++limit_->free_;
    } else {
      auto& queued = limit_->queued_;
      if (auto at = std::find(queued.begin(), queued.end(), ticket_); at != queued.end()) {
        queued.erase(at);
      }
    }
    limit_->changed_.notify_all();
  }
  limit_ = nullptr;
  held_ = false;
}

}  // namespace aiotops::pipeline
