#include "pipeline/process_cancel.h"

#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "pipeline/process_fd.h"

namespace aiotops::pipeline {

Result<std::unique_ptr<CancelToken>> CancelToken::create() {
  auto fd = open_eventfd(0, 0, "cancel token");
  if (!fd) return fail(fd.error());
  return std::unique_ptr<CancelToken>(new CancelToken(*fd));
}

CancelToken::~CancelToken() { ::close(fd_); }

void CancelToken::cancel() noexcept {
  cancelled_.store(true, std::memory_order_release);
  // Nobody reads the counter, so it stays non-zero and the descriptor stays readable. The
  // write cannot block (EFD_NONBLOCK); its only failure, counter overflow, cannot happen here.
  const uint64_t one = 1;
  const int saved_errno = errno;  // a signal handler must leave errno as it found it
  [[maybe_unused]] ssize_t written = ::write(fd_, &one, sizeof one);
  errno = saved_errno;
}

}  // namespace aiotops::pipeline
