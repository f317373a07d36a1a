#include "pipeline/process_cancel.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace aiotops::pipeline {

Result<std::unique_ptr<CancelToken>> CancelToken::create() {
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) {
    const ErrorCode code =
        errno == EMFILE || errno == ENFILE ? ErrorCode::kResourceExhausted : ErrorCode::kIo;
    return fail(code, "cancel token: eventfd: {}", std::strerror(errno));
  }
  return std::unique_ptr<CancelToken>(new CancelToken(fd));
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
