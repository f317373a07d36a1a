#pragma once
// Runs a fleet simulation into files: the readings (CSV or JSON lines) and the fault manifest
// beside them. Both appear atomically; a failed run leaves neither new file.

#include <cstdint>
#include <filesystem>
#include <vector>

#include "common/error.h"
#include "sim/fault_schedule.h"
#include "sim/fleet_options.h"
#include "telemetry/reading_writer.h"

namespace aiotops::sim {

struct SimOutputOptions {
  std::filesystem::path out;  // data file; the manifest is manifest_path(out)
  telemetry::ReadingFormat format = telemetry::ReadingFormat::kCsv;
  int precision = 2;  // decimals of feature values, 0..9
};

struct SimSummary {
  uint64_t rows = 0;
  size_t devices = 0;
  std::vector<FaultEvent> faults;
  std::filesystem::path manifest;
};

// Fails with kInvalidArgument for bad options or faults (nothing written), kIo when a file
// cannot be written. Not thread-safe with another run writing the same paths.
Result<SimSummary> simulate_to_file(const FleetOptions& options, const SimOutputOptions& output);

}  // namespace aiotops::sim
