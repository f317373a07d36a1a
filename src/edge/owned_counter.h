#pragma once
// A count with one writer (the thread that owns the object holding it) and any number of
// readers (metrics). Unlike std::atomic it is movable, so its owner can be built and returned
// by value before it is shared; moving is only allowed while no other thread reads it.

#include <atomic>
#include <cstdint>

namespace aiotops::edge {

class OwnedCounter {
 public:
  OwnedCounter() = default;
  OwnedCounter(OwnedCounter&& other) noexcept : value_(other.value()) {}
  OwnedCounter& operator=(OwnedCounter&& other) noexcept {
    value_.store(other.value(), std::memory_order_relaxed);
    return *this;
  }

  // Owner thread only: a plain load and store, no read-modify-write needed.
  void inc() noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  // Any thread.
  uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

}  // namespace aiotops::edge
