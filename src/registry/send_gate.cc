#include "registry/send_gate.h"

#include <algorithm>

namespace aiotops::registry {

SendGate::SendGate(size_t slots, std::chrono::milliseconds max_wait)
    : slots_(std::max<size_t>(slots, 1)), max_wait_(max_wait) {}

SendGate::Pass::~Pass() {
  if (gate_) gate_->leave();
}

SendGate::Pass SendGate::enter() {
  std::unique_lock lock(mutex_);
  if (head_ == nullptr && busy_ < slots_) {
    ++busy_;
    return Pass(this);
  }
  Waiter self;
  (tail_ ? tail_->next : head_) = &self;
  tail_ = &self;
  ++waiting_;
  const bool granted = self.woken.wait_for(lock, max_wait_, [&self] { return self.granted; });
  if (granted) return Pass(this);  // leave() handed over its slot: busy_ already counts it
  unlink(&self);
  return Pass();
}

void SendGate::leave() {
  std::lock_guard lock(mutex_);
  if (head_ == nullptr) {
    --busy_;
    return;
  }
  // The slot passes straight to the first waiter, so a newcomer cannot overtake it.
  Waiter* first = head_;
  head_ = first->next;
  if (head_ == nullptr) tail_ = nullptr;
  --waiting_;
  first->granted = true;
  first->woken.notify_one();
}

void SendGate::unlink(Waiter* waiter) {
  Waiter* before = nullptr;
  for (Waiter* w = head_; w != waiter; w = w->next) before = w;
  (before ? before->next : head_) = waiter->next;
  if (tail_ == waiter) tail_ = before;
  --waiting_;
}

size_t SendGate::waiting() {
  std::lock_guard lock(mutex_);
  return waiting_;
}

}  // namespace aiotops::registry
