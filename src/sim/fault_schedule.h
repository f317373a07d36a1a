#pragma once
// The resolved fault schedule of a run: every fault event with its onset, label time and
// parameters, from scheduled specs and random onsets. Severity rises linearly from 0 at onset to
// 1 after ramp_s; a motor fault's label flips when severity reaches label_severity.
// Every function here is pure and thread-safe; the schedule owns its events.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "sim/fault_spec.h"
#include "sim/fleet_options.h"

namespace aiotops::sim {

struct FaultEvent {
  size_t motor = 0;  // index; the device is motor-<motor + 1>
  std::string device_id;
  FaultMode mode = FaultMode::kBearingWear;
  bool scheduled = true;            // false: drawn from the fault rate
  int64_t onset_ms = 0;             // first reading that carries this fault_type
  std::optional<int64_t> label_ms;  // motor faults: first reading with label 1 (may be after
                                    // the run ends); sensor faults: none
  double ramp_s = 0.0;              // seconds from severity 0 to 1; 0 means immediate
  double label_severity = 0.0;      // motor faults: severity at which the label flips
  double magnitude = 0.0;           // mode-specific size at full severity, see magnitude_name()
  size_t sensor = 0;                // sensor faults: index into the feature names
  std::string sensor_name;          // sensor faults: the feature

  // 0 before onset, rising linearly to 1 at onset + ramp_s.
  double severity_at(int64_t timestamp_ms) const;
};

// The manifest name of FaultEvent::magnitude for a mode: "bearing_defect_index",
// "thermal_resistance_factor", "added_imbalance", "spike_rate_per_s", "" (sensor-stuck) or
// "dropout_probability".
std::string_view magnitude_name(FaultMode mode);

// Resolves scheduled specs (onsets aligned up to the next reading) and draws random onsets
// (first arrival of a Poisson process per motor at options.fault_rate_per_hour, one random fault
// per motor). Parameters are drawn from seed-derived streams, so the schedule depends only on
// the options. Fails with kInvalidArgument naming the fault for an unknown device, an unknown
// sensor, or an onset at or after the end of the run. Sorted by onset, then motor.
Result<std::vector<FaultEvent>> build_fault_schedule(const FleetOptions& options,
                                                     std::span<const std::string> features);

}  // namespace aiotops::sim
