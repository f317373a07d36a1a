#pragma once
// Invariants the fuzz targets check on every input a reader accepts. A violation aborts, which
// libFuzzer reports as a crash and keeps the input.

#include "telemetry/dataset.h"
#include "telemetry/read_options.h"

namespace aiotops::fuzz {

// Aborts with a message on stderr when `condition` is false.
void require(bool condition, const char* what);

// The dataset is well-formed (every column sized to rows(), every value finite), the report's
// counts add up, and its statistics survive a round trip through their JSON text.
void check_dataset(const telemetry::Dataset& dataset, const telemetry::BadRowReport& report,
                   const telemetry::ReadOptions& options);

}  // namespace aiotops::fuzz
