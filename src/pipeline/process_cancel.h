#pragma once
// A cancel token for a run: set once (from any thread, or from a signal handler such as the
// CLI's SIGINT handler) and observed by everything waiting on behalf of the run, either by
// cancelled() or by polling fd(), which becomes readable once and stays readable.

#include <atomic>
#include <memory>

#include "common/error.h"

namespace aiotops::pipeline {

class CancelToken {
 public:
  // Fails with kResourceExhausted/kIo when no eventfd can be made (descriptor limit).
  static Result<std::unique_ptr<CancelToken>> create();
  ~CancelToken();
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  // Marks the token cancelled and wakes every poller. Async-signal-safe (an atomic store and
  // one write(2)); idempotent; never fails.
  void cancel() noexcept;
  // Whether cancel() has been called. Lock-free, thread-safe.
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }
  // A descriptor that polls readable (POLLIN) once cancelled. Owned by the token; never read it.
  int fd() const noexcept { return fd_; }

 private:
  explicit CancelToken(int fd) : fd_(fd) {}
  int fd_;
  std::atomic<bool> cancelled_{false};
  static_assert(std::atomic<bool>::is_always_lock_free);
};

}  // namespace aiotops::pipeline
