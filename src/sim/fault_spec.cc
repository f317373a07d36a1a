#include "sim/fault_spec.h"

#include <algorithm>

#include "common/duration.h"

namespace aiotops::sim {

std::string_view to_string(FaultMode mode) {
  switch (mode) {
    case FaultMode::kBearingWear:
      return "bearing-wear";
    case FaultMode::kCoolingFailure:
      return "cooling-failure";
    case FaultMode::kRotorImbalance:
      return "rotor-imbalance";
    case FaultMode::kElectricalFault:
      return "electrical-fault";
    case FaultMode::kSensorStuck:
      return "sensor-stuck";
    case FaultMode::kSensorDropout:
      return "sensor-dropout";
  }
  return "unknown";
}

Result<FaultMode> parse_fault_mode(std::string_view text) {
  for (FaultMode mode : kAllFaultModes) {
    if (to_string(mode) == text) return mode;
  }
  return fail(ErrorCode::kInvalidArgument,
              "unknown fault mode '{}': expected bearing-wear, cooling-failure, "
              "rotor-imbalance, electrical-fault, sensor-stuck or sensor-dropout",
              text);
}

bool is_sensor_fault(FaultMode mode) {
  return mode == FaultMode::kSensorStuck || mode == FaultMode::kSensorDropout;
}

Result<FaultSpec> parse_fault_spec(std::string_view text) {
  auto bad = [text](std::string_view why) {
    return fail(ErrorCode::kInvalidArgument,
                "fault '{}': {} (expected <device>:<mode>@<onset>[:<sensor>], e.g. "
                "motor-3:bearing-wear@2h or motor-2:sensor-stuck@30m:temperature)",
                text, why);
  };
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return bad("no ':' after the device");
  FaultSpec spec;
  spec.device_id = std::string(text.substr(0, colon));
  if (spec.device_id.empty()) return bad("empty device");
  std::string_view rest = text.substr(colon + 1);
  size_t at = rest.find('@');
  if (at == std::string_view::npos) return bad("no '@<onset>'");
  auto mode = parse_fault_mode(rest.substr(0, at));
  if (!mode) return fail(mode.error().with_context(fmt::format("fault '{}'", text)));
  spec.mode = *mode;
  rest = rest.substr(at + 1);
  size_t sensor_colon = rest.find(':');
  auto onset = parse_duration(rest.substr(0, sensor_colon));
  if (!onset) return fail(onset.error().with_context(fmt::format("fault '{}'", text)));
  spec.onset = *onset;
  if (sensor_colon != std::string_view::npos) {
    spec.sensor = std::string(rest.substr(sensor_colon + 1));
    if (spec.sensor.empty()) return bad("empty sensor after ':'");
    if (!is_sensor_fault(spec.mode)) return bad("only sensor faults take a sensor");
  }
  return spec;
}

Result<std::vector<FaultMode>> parse_fault_modes(std::string_view text) {
  std::vector<FaultMode> modes;
  while (true) {
    size_t comma = text.find(',');
    auto mode = parse_fault_mode(text.substr(0, comma));
    if (!mode) return fail(mode.error());
    if (std::find(modes.begin(), modes.end(), *mode) != modes.end()) {
      return fail(ErrorCode::kInvalidArgument, "fault mode '{}' is listed twice", to_string(*mode));
    }
    modes.push_back(*mode);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return modes;
}

}  // namespace aiotops::sim
