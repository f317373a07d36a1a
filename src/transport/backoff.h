#pragma once
// Reconnect delays: capped exponential backoff with seeded jitter, so a fleet of gateways that
// lost the same broker does not come back in lockstep, and a test can replay the exact delays.

#include <chrono>
#include <cstdint>
#include <random>

#include "common/error.h"

namespace aiotops::transport {

struct BackoffOptions {
  std::chrono::milliseconds initial{500};  // delay before the first retry
  std::chrono::milliseconds max{30'000};   // no delay is longer than this
  double multiplier = 2.0;                 // growth per failed attempt (>= 1)
  double jitter = 0.5;  // fraction in [0, 1]: each delay is drawn uniformly from [d(1-jitter), d]
};

// Fails with kInvalidArgument naming the field when a value is out of range.
Status check_backoff_options(const BackoffOptions& options);

// Not thread-safe; owned by one reconnect loop. Options must have passed check_backoff_options.
class Backoff {
 public:
  Backoff(const BackoffOptions& options, uint64_t seed);

  // The delay before the next attempt: initial * multiplier^n capped at max (n = calls since the
  // last reset), shortened by a random fraction of at most `jitter`.
  std::chrono::milliseconds next();
  // After a successful connection: the next delay is `initial` again.
  void reset() { ceiling_ms_ = static_cast<double>(options_.initial.count()); }

 private:
  BackoffOptions options_;
  std::mt19937_64 engine_;
  double ceiling_ms_;
};

}  // namespace aiotops::transport
