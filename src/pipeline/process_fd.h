#pragma once
// Small helpers shared by the process runner's pieces.

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace aiotops::pipeline {

// eventfd(initial, flags | EFD_CLOEXEC | EFD_NONBLOCK); the caller owns the descriptor. Fails
// with kResourceExhausted at the descriptor limit, else kIo, naming `purpose`.
Result<int> open_eventfd(unsigned initial, int flags, std::string_view purpose);

// argv/envp for exec: pointers into `strings` (which must outlive them), then a null.
std::vector<char*> c_string_array(const std::vector<std::string>& strings);

}  // namespace aiotops::pipeline
