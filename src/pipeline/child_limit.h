#pragma once
// A dag or steps template's `parallelism`: at most `limit` of its child nodes hold a place at
// once, and the places go to the children in the order they queued, as Argo creates a
// template's children in order (tasks in file order, a fan-out's items in item order).

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>

#include "pipeline/process_cancel.h"

namespace aiotops::pipeline {

class ChildLimit {
 public:
  // A child's place: queued when made, held after wait() returned true, given back (or taken
  // out of the queue) when destroyed or released. Must not outlive its limit. One thread at a
  // time per place.
  class Place {
   public:
    Place(Place&& other) noexcept;
    Place& operator=(Place&&) = delete;
    Place(const Place&) = delete;
    ~Place() { release(); }

    // Blocks until every place queued before this one was served and a place is free, then
    // holds it (true). False as soon as `cancel` is found cancelled: the place leaves the
    // queue. The token is checked on every change of the limit; that is enough because a
    // waiter only waits while other places are held, and each ends by itself or by the cancel.
    bool wait(const CancelToken& cancel);
    // Gives the place back (or leaves the queue); then the place is empty. Idempotent.
    void release() noexcept;

   private:
    friend class ChildLimit;
    Place(ChildLimit* limit, uint64_t ticket) : limit_(limit), ticket_(ticket) {}
    ChildLimit* limit_;  // nullptr once released or moved from
    uint64_t ticket_;
    bool held_ = false;
  };

  explicit ChildLimit(size_t limit) : free_(limit) {}  // limit >= 1
  ChildLimit(const ChildLimit&) = delete;
  ChildLimit& operator=(const ChildLimit&) = delete;

  // Joins the queue; never blocks. Thread-safe.
  Place queue();

 private:
  std::mutex mutex_;  // guards what follows
  std::condition_variable changed_;
  size_t free_;
  uint64_t next_ticket_ = 0;
  std::deque<uint64_t> queued_;  // tickets waiting or about to wait, in order
};

}  // namespace aiotops::pipeline
