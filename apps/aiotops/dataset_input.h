#pragma once
// Reading the dataset a command works on, with the skipped-rows summary on stderr.

#include <string>
#include <string_view>

#include "apps/aiotops/registry_flags.h"
#include "common/error.h"
#include "telemetry/dataset.h"
#include "telemetry/read_options.h"

namespace aiotops::cli {

// Reads `path` (CSV or JSON lines, or a registry dataset `registry:NAME@REF`, downloaded through
// `registry` into a temporary directory) with `options`. When rows were skipped
// (skip_bad_rows), prints "aiotops <command>: <path>: skipped N of M rows" with the reasons and a
// few examples on stderr. Errors are those of telemetry::read_dataset and resolve_input().
Result<telemetry::Dataset> read_input(std::string_view command, const std::string& path,
                                      const telemetry::ReadOptions& options,
                                      const RegistryClientFlags& registry);

// As above, with the registry of the environment (registry_flags_from_environment()).
Result<telemetry::Dataset> read_input(std::string_view command, const std::string& path,
                                      const telemetry::ReadOptions& options);

}  // namespace aiotops::cli
