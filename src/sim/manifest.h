#pragma once
// The fault manifest written beside simulated data (<out>.faults.json): the run's settings and
// every fault with its onset, label time and parameters. Format: docs/formats/sim.md.

#include <filesystem>
#include <span>
#include <string>

#include "sim/fault_schedule.h"
#include "sim/fleet_options.h"

namespace aiotops::sim {

inline constexpr int kManifestVersion = 1;

// "<out>.faults.json" beside the data file. Pure.
std::filesystem::path manifest_path(const std::filesystem::path& out);

// The manifest as pretty-printed JSON text (ends with a newline). Thread-safe.
std::string manifest_json(const FleetOptions& options, std::span<const std::string> features,
                          std::span<const FaultEvent> faults);

}  // namespace aiotops::sim
