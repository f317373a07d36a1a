#pragma once
// Polling an observable condition of another thread or process with a deadline (header-only,
// test use only): for what cannot be waited on directly, such as another process's state.

#include <chrono>
#include <thread>

namespace aiotops::testing {

// Calls `predicate` every `interval` until it returns true (then true) or `timeout` has passed
// (then false, after one last call).
template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return predicate();
    std::this_thread::sleep_for(interval);
  }
  return true;
}

}  // namespace aiotops::testing
