#pragma once
// What a fleet simulation produces: how many motors, for how long, how often, which faults.

#include <chrono>
#include <cstdint>
#include <vector>

#include "common/error.h"
#include "sim/fault_spec.h"

namespace aiotops::sim {

// 2023-11-14T22:13:20Z: a fixed default start so that output depends only on the options.
inline constexpr int64_t kDefaultStartMs = 1'700'000'000'000;

struct FleetOptions {
  size_t devices = 10;                                           // motors motor-1 .. motor-N
  std::chrono::milliseconds duration = std::chrono::hours(2);    // of simulated time
  std::chrono::milliseconds interval = std::chrono::seconds(1);  // between readings of a motor
  int64_t start_ms = kDefaultStartMs;                            // Unix ms of the first readings
  uint64_t seed = 1;                                             // same seed, same bytes
  std::vector<FaultSpec> faults;                                 // scheduled faults
  double fault_rate_per_hour = 0.0;                              // random onsets per motor per hour
  std::vector<FaultMode> random_modes{kMotorFaultModes.begin(), kMotorFaultModes.end()};
  bool esp32_fft = false;   // FFT-peak features (Hz) instead of physical values
  double mains_hz = 60.0;   // supply frequency, Hz
  double ambient_c = 24.0;  // mean ambient temperature of the site, degC
  // Largest defect index added to a motor's healthy bearing baseline (0..0.5; each motor draws
  // its own from 0..bearing_age): aged bearings vibrate more (and, through the vibration, sound
  // louder) without being a fault or setting a label.
  double bearing_age = 0.0;
};

inline constexpr size_t kMaxDevices = 100'000;
inline constexpr uint64_t kMaxRows = 10'000'000'000;
// Latest accepted start: 9999-12-31T23:59:59.999Z.
inline constexpr int64_t kMaxStartMs = 253'402'300'799'999;
// Largest bearing_age: a healthy baseline of at most 0.7, below the label threshold of any wear.
inline constexpr double kMaxBearingAge = 0.5;

// Readings per motor: one at start_ms + k * interval for every k with k * interval < duration.
int64_t steps_per_motor(const FleetOptions& options);

// Checks ranges: 1..kMaxDevices devices, interval >= 1 ms, duration > 0, at most kMaxRows rows,
// 0 <= start_ms <= kMaxStartMs, mains 40..70 Hz, ambient -40..60 degC, bearing age 0..0.5, a
// finite non-negative fault rate with at least one mode. Fails with kInvalidArgument naming the
// option.
Status validate(const FleetOptions& options);

}  // namespace aiotops::sim
