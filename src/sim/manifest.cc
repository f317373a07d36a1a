#include "sim/manifest.h"

#include <nlohmann/json.hpp>

#include "common/duration.h"

namespace aiotops::sim {

std::filesystem::path manifest_path(const std::filesystem::path& out) {
  std::filesystem::path path = out;
  path += ".faults.json";
  return path;
}

std::string manifest_json(const FleetOptions& options, std::span<const std::string> features,
                          std::span<const FaultEvent> faults) {
  using json = nlohmann::ordered_json;
  json list = json::array();
  for (const FaultEvent& event : faults) {
    json parameters = json::object();
    if (!is_sensor_fault(event.mode)) {
      parameters["ramp_s"] = event.ramp_s;
      parameters["label_severity"] = event.label_severity;
    }
    if (std::string_view name = magnitude_name(event.mode); !name.empty()) {
      parameters[std::string(name)] = event.magnitude;
    }
    if (is_sensor_fault(event.mode)) parameters["sensor"] = event.sensor_name;
    list.push_back({{"device", event.device_id},
                    {"fault", to_string(event.mode)},
                    {"source", event.scheduled ? "scheduled" : "random"},
                    {"onset_ms", event.onset_ms},
                    {"label_ms", event.label_ms ? json(*event.label_ms) : json(nullptr)},
                    {"parameters", std::move(parameters)}});
  }
  int64_t steps = steps_per_motor(options);
  json modes = json::array();
  for (FaultMode mode : options.random_modes) modes.push_back(to_string(mode));
  json manifest = {
      {"format", "aiotops-sim-faults"},
      {"version", kManifestVersion},
      {"seed", options.seed},
      {"devices", options.devices},
      {"start_ms", options.start_ms},
      {"interval_ms", options.interval.count()},
      {"duration", format_duration(options.duration)},
      {"end_ms", options.start_ms + (steps - 1) * options.interval.count()},
      {"readings_per_device", steps},
      {"features", std::vector<std::string>(features.begin(), features.end())},
      {"feature_kind", options.esp32_fft ? "esp32-fft" : "raw"},
      {"mains_hz", options.mains_hz},
      {"ambient_c", options.ambient_c},
      {"bearing_age", options.bearing_age},
      {"fault_rate_per_hour", options.fault_rate_per_hour},
      {"random_modes", std::move(modes)},
      {"faults", std::move(list)},
  };
  return manifest.dump(2) + "\n";
}

}  // namespace aiotops::sim
