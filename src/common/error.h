#pragma once
// Error values and Result<T>: how every aiotops library reports failure.
// No exception crosses a module boundary; adapters around third-party code catch and convert.

#include <expected>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace aiotops {

enum class ErrorCode {
  kInvalidArgument,    // bad input or usage: the caller can fix it (CLI exit 2)
  kNotFound,           // a named thing does not exist (CLI exit 2)
  kCorrupt,            // stored bytes fail verification (CLI exit 1)
  kIo,                 // the operating system refused a read or write (CLI exit 1)
  kUnavailable,        // a peer is down or unreachable; retrying may help (CLI exit 1)
  kPermissionDenied,   // credentials or file modes forbid it (CLI exit 2)
  kAlreadyExists,      // a create raced with another or repeated one (CLI exit 2)
  kResourceExhausted,  // a limit was hit: size, memory, queue (CLI exit 1)
  kInternal,           // a bug in aiotops (CLI exit 1)
};

std::string_view to_string(ErrorCode code);

// An error code plus a message that names the file/line/field/device involved.
class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // True when the same call may succeed later without any change by the caller.
  bool retriable() const {
    return code_ == ErrorCode::kUnavailable || code_ == ErrorCode::kResourceExhausted;
  }
  // Returns this error with "context: " prepended to the message.
  Error with_context(std::string_view context) const {
    return Error(code_, fmt::format("{}: {}", context, message_));
  }

 private:
  ErrorCode code_;
  std::string message_;
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

// Builds the failure side of a Result: `return fail(ErrorCode::kIo, "open {}: {}", p, why);`
template <typename... Args>
std::unexpected<Error> fail(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
  return std::unexpected<Error>(Error(code, fmt::format(format, std::forward<Args>(args)...)));
}

inline std::unexpected<Error> fail(Error error) { return std::unexpected<Error>(std::move(error)); }

}  // namespace aiotops
