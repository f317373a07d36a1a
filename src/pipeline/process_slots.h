#pragma once
// The concurrency limit for host processes (`--parallelism`): a pool of slots that the executor
// takes one of before starting a node's process and gives back when the process has ended.
// Waiting for a slot can be interrupted by the run's CancelToken.

#include <cstddef>
#include <memory>

#include "common/error.h"
#include "pipeline/process_cancel.h"

namespace aiotops::pipeline {

class ProcessSlots {
 public:
  // Holds one slot until destroyed (or moved from). Must not outlive its pool.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_) { other.pool_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();

   private:
    friend class ProcessSlots;
    explicit Lease(ProcessSlots* pool) : pool_(pool) {}
    ProcessSlots* pool_;
  };

  // A pool of `slots` slots (>= 1; 0 means the number of cores). kInvalidArgument never;
  // kResourceExhausted/kIo when no eventfd can be made.
  static Result<std::unique_ptr<ProcessSlots>> create(size_t slots);
  ~ProcessSlots();
  ProcessSlots(const ProcessSlots&) = delete;
  ProcessSlots& operator=(const ProcessSlots&) = delete;

  // Blocks until a slot is free, then returns its lease. Fails with kUnavailable ("cancelled")
  // as soon as `cancel` is cancelled, even while waiting. Thread-safe.
  Result<Lease> acquire(const CancelToken& cancel);
  // A slot if one is free right now, else kResourceExhausted. Thread-safe.
  Result<Lease> try_acquire();
  size_t capacity() const { return capacity_; }

 private:
  ProcessSlots(int fd, size_t capacity) : fd_(fd), capacity_(capacity) {}
  void release() noexcept;

  int fd_;  // eventfd in semaphore mode: its counter is the number of free slots
  size_t capacity_;
};

}  // namespace aiotops::pipeline
