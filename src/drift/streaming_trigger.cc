#include "drift/streaming_trigger.h"

namespace aiotops::drift {

Status check_trigger_options(const DriftTriggerOptions& options) {
  if (options.persist_windows < 1) {
    return fail(ErrorCode::kInvalidArgument, "drift persistence {}: at least 1 window",
                options.persist_windows);
  }
  if (options.cooldown.count() < 0) {
    return fail(ErrorCode::kInvalidArgument, "drift cool-down {} ms: must not be negative",
                options.cooldown.count());
  }
  return {};
}

bool DriftTrigger::on_window(bool over_threshold, std::chrono::nanoseconds now) noexcept {
  if (!over_threshold) {
    streak_.store(0, std::memory_order_relaxed);
    return false;
  }
  const uint32_t streak = streak_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (streak < options_.persist_windows) return false;
  const int64_t cooldown_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.cooldown).count();
  int64_t last = last_fired_ns_.load(std::memory_order_relaxed);
  // Only one of several threads closing windows at once wins the exchange.
  while (last == kNever || now.count() - last >= cooldown_ns) {
    if (last_fired_ns_.compare_exchange_weak(last, now.count(), std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

}  // namespace aiotops::drift
