#include "transport/backoff.h"

#include <algorithm>
#include <cmath>

namespace aiotops::transport {

Status check_backoff_options(const BackoffOptions& options) {
  if (options.initial.count() <= 0) {
    return fail(ErrorCode::kInvalidArgument, "backoff initial delay must be positive, got {}ms",
                options.initial.count());
  }
  if (options.max < options.initial) {
    return fail(ErrorCode::kInvalidArgument,
                "backoff max delay ({}ms) is shorter than the initial delay ({}ms)",
                options.max.count(), options.initial.count());
  }
  if (!(options.multiplier >= 1.0) || !std::isfinite(options.multiplier)) {
    return fail(ErrorCode::kInvalidArgument, "backoff multiplier must be >= 1, got {}",
                options.multiplier);
  }
  if (!(options.jitter >= 0.0 && options.jitter <= 1.0)) {
    return fail(ErrorCode::kInvalidArgument, "backoff jitter must be in [0, 1], got {}",
                options.jitter);
  }
  return {};
}

Backoff::Backoff(const BackoffOptions& options, uint64_t seed)
    : options_(options), engine_(seed), ceiling_ms_(static_cast<double>(options.initial.count())) {}

std::chrono::milliseconds Backoff::next() {
  const double ceiling = ceiling_ms_;
  ceiling_ms_ =
      std::min(ceiling_ms_ * options_.multiplier, static_cast<double>(options_.max.count()));
  // Uniform in [0, 1) from the top 53 bits: the same numbers for a seed on every platform.
  const double unit = static_cast<double>(engine_() >> 11) * 0x1p-53;
  const double delay = ceiling * (1.0 - options_.jitter * unit);
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(delay)));
}

}  // namespace aiotops::transport
