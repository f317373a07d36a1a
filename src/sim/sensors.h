#pragma once
// The motor's four sensors as raw physical readings: calibration error per motor, slow drift,
// noise. Feature order is telemetry::kMotorFeatures: current, temperature, vibration, sound.
// Functions are thread-safe for distinct Rng objects.

#include <array>
#include <cstddef>

#include "sim/motor.h"
#include "sim/rng.h"

namespace aiotops::sim {

inline constexpr size_t kCurrent = 0;
inline constexpr size_t kTemperature = 1;
inline constexpr size_t kVibration = 2;
inline constexpr size_t kSound = 3;
inline constexpr size_t kSensorCount = 4;

using SensorValues = std::array<double, kSensorCount>;

struct SensorParams {
  double current_gain = 1.0;                 // calibration factor of the current sensor
  double temperature_offset_c = 0.0;         // calibration offset, degC
  double vibration_gain = 1.0;               // calibration factor of the accelerometer
  double sound_offset_db = 0.0;              // calibration offset, dB
  double current_drift_per_day = 0.0;        // gain change per simulated day
  double temperature_drift_c_per_day = 0.0;  // offset change per simulated day, degC
  double vibration_drift_per_day = 0.0;      // gain change per simulated day
};

// Per-motor calibration and drift, drawn from the ranges in docs/formats/sim.md.
SensorParams draw_sensor_params(Rng& rng);

// Current mA, temperature degC, vibration mg, sound dB as the sensors report them `elapsed_days`
// after the start: physics x calibration (drifting) + noise.
SensorValues measure_raw(const MotorPhysics& physics, const SensorParams& sensors,
                         double elapsed_days, Rng& rng);

}  // namespace aiotops::sim
