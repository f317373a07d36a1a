#pragma once
// A fleet of simulated motors producing labelled readings in time order: every motor at one
// timestamp (motor-1 first), then the next timestamp. Each motor draws from its own seeded
// stream, so a motor's readings depend only on the seed, its index and its faults.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "sim/environment.h"
#include "sim/fault_schedule.h"
#include "sim/fleet_options.h"
#include "sim/motor.h"
#include "sim/rng.h"
#include "sim/sensors.h"
#include "telemetry/dataset.h"

namespace aiotops::sim {

// Not thread-safe; one generator per run.
class Fleet {
 public:
  // Validates the options and resolves the fault schedule. Fails with kInvalidArgument naming
  // the bad option or fault.
  static Result<Fleet> create(const FleetOptions& options);

  // current, temperature, vibration, sound (telemetry::kMotorFeatures).
  const std::vector<std::string>& feature_names() const { return feature_names_; }
  const std::vector<FaultEvent>& faults() const { return faults_; }
  const FleetOptions& options() const { return options_; }
  int64_t steps() const { return steps_; }
  uint64_t rows() const { return static_cast<uint64_t>(steps_) * options_.devices; }

  // Replaces `out` with the next reading, reusing its storage; false after the last one.
  // label is 1 once a motor fault's label time has passed; fault_type is the earliest active
  // motor fault, else the earliest active sensor fault, else "none". A dropped field is NaN.
  bool next(telemetry::Reading& out);

  // The motor behind the latest reading of motor `index` (< options().devices).
  const Motor& motor(size_t index) const { return motors_[index].motor; }

 private:
  struct MotorSlot {
    Motor motor;
    SensorParams sensors;
    Rng rng;
    std::vector<size_t> events;  // indices into faults_, by onset
    SensorValues last_valid;     // latest value of each sensor that was not dropped
    std::array<std::optional<double>, kSensorCount> stuck;  // held value of a stuck sensor
  };

  explicit Fleet(const FleetOptions& options);
  void emit(MotorSlot& slot, telemetry::Reading& out);

  FleetOptions options_;
  std::vector<std::string> feature_names_;
  std::vector<std::string> device_ids_;
  std::vector<FaultEvent> faults_;
  Environment environment_;
  std::vector<MotorSlot> motors_;
  int64_t steps_ = 0;
  int64_t step_ = 0;
  size_t next_motor_ = 0;
  int64_t now_ms_ = 0;
};

}  // namespace aiotops::sim
