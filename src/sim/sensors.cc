#include "sim/sensors.h"

#include <algorithm>

namespace aiotops::sim {
namespace {

constexpr double kCurrentNoiseFraction = 0.006;
constexpr double kCurrentNoiseMa = 3.0;
constexpr double kTemperatureNoiseC = 0.15;
constexpr double kVibrationNoiseFraction = 0.06;
constexpr double kSoundNoiseDb = 0.6;

}  // namespace

SensorParams draw_sensor_params(Rng& rng) {
  SensorParams s;
  s.current_gain = rng.normal(1.0, 0.01);
  s.temperature_offset_c = rng.normal(0.0, 0.3);
  s.vibration_gain = rng.normal(1.0, 0.04);
  s.sound_offset_db = rng.normal(0.0, 1.0);
  s.current_drift_per_day = rng.normal(0.0, 0.002);
  s.temperature_drift_c_per_day = rng.normal(0.0, 0.15);
  s.vibration_drift_per_day = rng.normal(0.0, 0.01);
  return s;
}

SensorValues measure_raw(const MotorPhysics& physics, const SensorParams& sensors,
                         double elapsed_days, Rng& rng) {
  SensorValues v;
  double current = physics.current_ma * sensors.current_gain *
                   (1.0 + sensors.current_drift_per_day * elapsed_days);
  v[kCurrent] = current + rng.normal() * (kCurrentNoiseFraction * current + kCurrentNoiseMa);
  v[kTemperature] = physics.temperature_c + sensors.temperature_offset_c +
                    sensors.temperature_drift_c_per_day * elapsed_days +
                    kTemperatureNoiseC * rng.normal();
  double vibration = physics.vibration_mg * sensors.vibration_gain *
                     (1.0 + sensors.vibration_drift_per_day * elapsed_days);
  v[kVibration] = std::max(0.0, vibration * (1.0 + kVibrationNoiseFraction * rng.normal()));
  v[kSound] = physics.sound_db + sensors.sound_offset_db + kSoundNoiseDb * rng.normal();
  return v;
}

}  // namespace aiotops::sim
