#pragma once
// When streaming drift becomes a retraining request: after `persist_windows` consecutive windows
// over threshold, at most once per cool-down. While drift persists it fires again once the
// cool-down has passed; a window under threshold starts the count over. The caller supplies the
// time (any monotonic clock), so tests drive it without waiting.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

#include "common/error.h"

namespace aiotops::drift {

struct DriftTriggerOptions {
  uint32_t persist_windows = 3;                   // consecutive windows over threshold; >= 1
  std::chrono::milliseconds cooldown{3'600'000};  // least time between two triggers; >= 0
};

// kInvalidArgument naming the bad field.
Status check_trigger_options(const DriftTriggerOptions& options);

// Lock-free: windows closed on several threads may report concurrently (their order then counts
// as the order of the consecutive windows).
class DriftTrigger {
 public:
  explicit DriftTrigger(DriftTriggerOptions options) : options_(options) {}

  // Records one closed window; true when this window fires the trigger. `now` is the window's
  // close time on a monotonic clock.
  bool on_window(bool over_threshold, std::chrono::nanoseconds now) noexcept;

  // Starts the count of windows in a row over (a new reference); the cool-down still holds.
  void restart() noexcept { streak_.store(0, std::memory_order_relaxed); }

  // Consecutive windows over threshold so far (0 after a window under it).
  uint32_t consecutive() const noexcept { return streak_.load(std::memory_order_relaxed); }

 private:
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::min();

  const DriftTriggerOptions options_;
  std::atomic<uint32_t> streak_{0};
  std::atomic<int64_t> last_fired_ns_{kNever};
};

}  // namespace aiotops::drift
