#pragma once
// Fault modes and how a user asks for them: scheduled faults ("motor-3:bearing-wear@2h"),
// random onsets by rate ("0.5/h") and the modes random onsets choose from.
// Every function here is pure and thread-safe.

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace aiotops::sim {

enum class FaultMode {
  kBearingWear,      // progressive: vibration and bearing-defect tones, later heat
  kCoolingFailure,   // thermal resistance rises: overheating
  kRotorImbalance,   // vibration at 1x rotation
  kElectricalFault,  // intermittent current spikes, extra winding heat
  kSensorStuck,      // data quality: one sensor repeats its last value
  kSensorDropout,    // data quality: one sensor's field goes missing
};

inline constexpr std::array<FaultMode, 6> kAllFaultModes{
    FaultMode::kBearingWear,     FaultMode::kCoolingFailure, FaultMode::kRotorImbalance,
    FaultMode::kElectricalFault, FaultMode::kSensorStuck,    FaultMode::kSensorDropout};
inline constexpr std::array<FaultMode, 4> kMotorFaultModes{
    FaultMode::kBearingWear, FaultMode::kCoolingFailure, FaultMode::kRotorImbalance,
    FaultMode::kElectricalFault};

// "bearing-wear", "cooling-failure", "rotor-imbalance", "electrical-fault", "sensor-stuck",
// "sensor-dropout" (the fault_type written with each reading).
std::string_view to_string(FaultMode mode);
// Fails with kInvalidArgument listing the valid names.
Result<FaultMode> parse_fault_mode(std::string_view text);
// Sensor faults are data-quality problems: they never set the fault label.
bool is_sensor_fault(FaultMode mode);

// One scheduled fault as requested.
struct FaultSpec {
  std::string device_id;  // e.g. "motor-3"
  FaultMode mode = FaultMode::kBearingWear;
  std::chrono::milliseconds onset{0};  // after the first reading of the run
  std::string sensor;                  // sensor faults: feature name; empty: chosen by the seed
};

// "<device>:<mode>@<onset>[:<sensor>]", e.g. "motor-2:sensor-stuck@30m:temperature". Fails with
// kInvalidArgument quoting the text and naming the bad part; a sensor on a motor fault is bad.
// Whether the device and sensor exist is checked when the schedule is built.
Result<FaultSpec> parse_fault_spec(std::string_view text);

// Comma-separated mode names ("bearing-wear,sensor-stuck"), without repeats. Fails with
// kInvalidArgument on an empty list, an unknown name or a repeat.
Result<std::vector<FaultMode>> parse_fault_modes(std::string_view text);

}  // namespace aiotops::sim
