#pragma once
// Process-wide logging setup for the CLI: human-readable lines on stderr.
// Libraries log through spdlog's default logger and never print to stdout.

#include <string_view>

#include "common/error.h"

namespace aiotops {

// Configures the default spdlog logger to write to stderr at `level`
// (trace, debug, info, warn, error, off). Call once from main, before threads start.
Status init_logging(std::string_view level);

}  // namespace aiotops
