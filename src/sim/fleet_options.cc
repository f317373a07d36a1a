#include "sim/fleet_options.h"

#include <cmath>

#include "common/duration.h"

namespace aiotops::sim {

int64_t steps_per_motor(const FleetOptions& options) {
  int64_t interval = options.interval.count();
  if (interval <= 0 || options.duration.count() <= 0) return 0;
  return (options.duration.count() + interval - 1) / interval;
}

Status validate(const FleetOptions& options) {
  if (options.devices < 1 || options.devices > kMaxDevices) {
    return fail(ErrorCode::kInvalidArgument, "devices: {} is outside 1..{}", options.devices,
                kMaxDevices);
  }
  if (options.interval.count() < 1) {
    return fail(ErrorCode::kInvalidArgument, "interval: {} ms is below 1 ms",
                options.interval.count());
  }
  if (options.duration.count() < 1)
    return fail(ErrorCode::kInvalidArgument, "duration: must be positive");
  auto steps = static_cast<uint64_t>(steps_per_motor(options));
  if (steps > kMaxRows / options.devices) {
    return fail(ErrorCode::kInvalidArgument,
                "{} devices x {} readings over {} at {} exceed the limit of {} rows",
                options.devices, steps, format_duration(options.duration),
                format_duration(options.interval), kMaxRows);
  }
  if (options.start_ms < 0 || options.start_ms > kMaxStartMs) {
    return fail(ErrorCode::kInvalidArgument, "start: {} ms is outside 1970-01-01..9999-12-31",
                options.start_ms);
  }
  if (!(options.mains_hz >= 40.0 && options.mains_hz <= 70.0)) {
    return fail(ErrorCode::kInvalidArgument, "mains frequency: {} Hz is outside 40..70 Hz",
                options.mains_hz);
  }
  if (!(options.ambient_c >= -40.0 && options.ambient_c <= 60.0)) {
    return fail(ErrorCode::kInvalidArgument, "ambient: {} degC is outside -40..60 degC",
                options.ambient_c);
  }
  if (!(options.bearing_age >= 0.0 && options.bearing_age <= kMaxBearingAge)) {
    return fail(ErrorCode::kInvalidArgument, "bearing age: {} is outside 0..{}",
                options.bearing_age, kMaxBearingAge);
  }
  if (!std::isfinite(options.fault_rate_per_hour) || options.fault_rate_per_hour < 0.0) {
    return fail(ErrorCode::kInvalidArgument, "fault rate: {}/h must be finite and non-negative",
                options.fault_rate_per_hour);
  }
  if (options.fault_rate_per_hour > 0.0 && options.random_modes.empty()) {
    return fail(ErrorCode::kInvalidArgument, "fault rate: no fault modes to choose from");
  }
  return {};
}

}  // namespace aiotops::sim
