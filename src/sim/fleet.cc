#include "sim/fleet.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/esp32_fft.h"

namespace aiotops::sim {
namespace {

// Seed streams (see derive_seed).
constexpr uint64_t kMotorStream = 0x4D4F544F52ULL;    // "MOTOR"
constexpr uint64_t kEnvironmentStream = 0x454E56ULL;  // "ENV"
constexpr uint64_t kAgeStream = 0x414745ULL;          // "AGE"

constexpr double kMsPerDay = 86'400'000.0;

}  // namespace

Fleet::Fleet(const FleetOptions& options)
    : options_(options),
      feature_names_(telemetry::kMotorFeatures.begin(), telemetry::kMotorFeatures.end()),
      environment_(EnvironmentOptions{.ambient_c = options.ambient_c},
                   static_cast<double>(options.interval.count()) / 1000.0,
                   derive_seed(options.seed, kEnvironmentStream, 0)),
      steps_(steps_per_motor(options)) {}

Result<Fleet> Fleet::create(const FleetOptions& options) {
  if (auto status = validate(options); !status) return fail(status.error());
  Fleet fleet(options);
  auto faults = build_fault_schedule(options, fleet.feature_names_);
  if (!faults) return fail(faults.error());
  fleet.faults_ = std::move(*faults);
  double interval_s = static_cast<double>(options.interval.count()) / 1000.0;
  fleet.motors_.reserve(options.devices);
  fleet.device_ids_.reserve(options.devices);
  for (size_t i = 0; i < options.devices; ++i) {
    Rng rng(derive_seed(options.seed, kMotorStream, i));
    MotorParams params = draw_motor_params(rng);
    // Each motor's bearings aged by its own amount (installed at different times), drawn from a
    // stream of its own so that the motor's readings otherwise stay the same at every age.
    if (options.bearing_age > 0.0) {
      Rng age(derive_seed(options.seed, kAgeStream, i));
      params.bearing_condition += age.uniform(0.0, options.bearing_age);
    }
    SensorParams sensors = draw_sensor_params(rng);
    fleet.motors_.push_back(MotorSlot{
        Motor(params, options.mains_hz, interval_s), sensors, std::move(rng), {}, {}, {}});
    fleet.device_ids_.push_back(fmt::format("motor-{}", i + 1));
  }
  for (size_t e = 0; e < fleet.faults_.size(); ++e) {
    fleet.motors_[fleet.faults_[e].motor].events.push_back(e);
  }
  return fleet;
}

bool Fleet::next(telemetry::Reading& out) {
  if (step_ >= steps_) return false;
  if (next_motor_ == 0) {
    now_ms_ = options_.start_ms + step_ * options_.interval.count();
    environment_.advance(now_ms_);
  }
  out.device_id = device_ids_[next_motor_];
  emit(motors_[next_motor_], out);
  if (++next_motor_ == motors_.size()) {
    next_motor_ = 0;
    ++step_;
  }
  return true;
}

void Fleet::emit(MotorSlot& slot, telemetry::Reading& out) {
  MotorFaults effects;
  const FaultEvent* motor_fault = nullptr;
  const FaultEvent* sensor_fault = nullptr;
  bool label = false;
  for (size_t index : slot.events) {
    const FaultEvent& event = faults_[index];
    if (now_ms_ < event.onset_ms) break;  // events are sorted by onset
    double severity = event.severity_at(now_ms_);
    switch (event.mode) {
      case FaultMode::kBearingWear:
        effects.bearing_wear = std::max(effects.bearing_wear, severity * event.magnitude);
        break;
      case FaultMode::kCoolingFailure:
        effects.thermal_resistance =
            std::max(effects.thermal_resistance, 1.0 + (event.magnitude - 1.0) * severity);
        break;
      case FaultMode::kRotorImbalance:
        effects.added_imbalance = std::max(effects.added_imbalance, severity * event.magnitude);
        break;
      case FaultMode::kElectricalFault:
        effects.electrical = std::max(effects.electrical, severity);
        effects.spike_rate_per_s = std::max(effects.spike_rate_per_s, severity * event.magnitude);
        break;
      case FaultMode::kSensorStuck:
      case FaultMode::kSensorDropout:
        break;
    }
    if (is_sensor_fault(event.mode)) {
      if (sensor_fault == nullptr) sensor_fault = &event;
    } else {
      if (motor_fault == nullptr) motor_fault = &event;
      if (event.label_ms && now_ms_ >= *event.label_ms) label = true;
    }
  }

  double elapsed_ms = static_cast<double>(now_ms_ - options_.start_ms);
  const MotorPhysics& physics =
      slot.motor.step(elapsed_ms / 1000.0, environment_, effects, slot.rng);
  SensorValues values = measure_raw(physics, slot.sensors, elapsed_ms / kMsPerDay, slot.rng);
  if (options_.esp32_fft) {
    values = measure_esp32_fft(physics, slot.motor.params(), values[kTemperature], slot.rng);
  }

  // Data-quality faults act on what the sensors report.
  for (size_t index : slot.events) {
    const FaultEvent& event = faults_[index];
    if (now_ms_ < event.onset_ms) break;
    if (event.mode == FaultMode::kSensorStuck) {
      auto& held = slot.stuck[event.sensor];
      if (!held) held = step_ == 0 ? values[event.sensor] : slot.last_valid[event.sensor];
      values[event.sensor] = *held;
    } else if (event.mode == FaultMode::kSensorDropout && slot.rng.bernoulli(event.magnitude)) {
      values[event.sensor] = std::numeric_limits<double>::quiet_NaN();
    }
  }
  for (size_t i = 0; i < kSensorCount; ++i) {
    if (!std::isnan(values[i])) slot.last_valid[i] = values[i];
  }

  out.timestamp_ms = now_ms_;
  out.values.assign(values.begin(), values.end());
  out.label = label ? 1.0 : 0.0;
  const FaultEvent* shown = motor_fault != nullptr ? motor_fault : sensor_fault;
  out.fault_type.assign(shown != nullptr ? to_string(shown->mode) : telemetry::kNoFault);
}

}  // namespace aiotops::sim
