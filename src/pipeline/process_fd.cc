#include "pipeline/process_fd.h"

#include <sys/eventfd.h>

#include <cerrno>
#include <cstring>

namespace aiotops::pipeline {

Result<int> open_eventfd(unsigned initial, int flags, std::string_view purpose) {
  const int fd = ::eventfd(initial, flags | EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd >= 0) return fd;
  const ErrorCode code =
      errno == EMFILE || errno == ENFILE ? ErrorCode::kResourceExhausted : ErrorCode::kIo;
  return fail(code, "{}: eventfd: {}", purpose, std::strerror(errno));
}

std::vector<char*> c_string_array(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const std::string& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace aiotops::pipeline
