#pragma once
// Small descriptor helpers shared by the process runner's pieces.

#include <string_view>

#include "common/error.h"

namespace aiotops::pipeline {

// eventfd(initial, flags | EFD_CLOEXEC | EFD_NONBLOCK); the caller owns the descriptor. Fails
// with kResourceExhausted at the descriptor limit, else kIo, naming `purpose`.
Result<int> open_eventfd(unsigned initial, int flags, std::string_view purpose);

}  // namespace aiotops::pipeline
