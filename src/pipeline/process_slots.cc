#include "pipeline/process_slots.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <thread>

#include "pipeline/process_fd.h"

namespace aiotops::pipeline {

Result<std::unique_ptr<ProcessSlots>> ProcessSlots::create(size_t slots) {
  if (slots == 0) slots = std::max(1u, std::thread::hardware_concurrency());
  // An eventfd semaphore: each read takes 1 from the counter and fails with EAGAIN at 0, each
  // write gives one back. Waiters poll it together with the cancel token's descriptor, so a
  // wait is interruptible without condition variables (which a signal handler cannot notify).
  auto fd = open_eventfd(static_cast<unsigned>(slots), EFD_SEMAPHORE, "process slots");
  if (!fd) return fail(fd.error());
  return std::unique_ptr<ProcessSlots>(new ProcessSlots(*fd, slots));
}

ProcessSlots::~ProcessSlots() { ::close(fd_); }

ProcessSlots::Lease::~Lease() {
  if (pool_ != nullptr) pool_->release();
}

void ProcessSlots::release() noexcept {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t written = ::write(fd_, &one, sizeof one);
}

Result<ProcessSlots::Lease> ProcessSlots::try_acquire() {
  uint64_t taken = 0;
  if (::read(fd_, &taken, sizeof taken) == sizeof taken) return Lease(this);
  if (errno == EAGAIN) return fail(ErrorCode::kResourceExhausted, "all {} slots busy", capacity_);
  return fail(ErrorCode::kIo, "process slots: read: {}", std::strerror(errno));
}

Result<ProcessSlots::Lease> ProcessSlots::acquire(const CancelToken& cancel) {
  for (;;) {
    if (cancel.cancelled()) return fail(ErrorCode::kUnavailable, "cancelled");
    auto lease = try_acquire();
    if (lease || lease.error().code() != ErrorCode::kResourceExhausted) return lease;
    // Several waiters may wake for one freed slot; the losers read EAGAIN and poll again.
    pollfd fds[2] = {{fd_, POLLIN, 0}, {cancel.fd(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) {
      return fail(ErrorCode::kIo, "process slots: poll: {}", std::strerror(errno));
    }
  }
}

}  // namespace aiotops::pipeline
