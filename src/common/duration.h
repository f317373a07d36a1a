#pragma once
// Durations with units, as written in flags and config files: "500ms", "30s", "2h", "1h30m".

#include <chrono>
#include <string_view>

#include "common/error.h"

namespace aiotops {

// Parses one or more <number><unit> groups (units ms, s, m, h, d; a bare number is seconds).
// Fails with kInvalidArgument naming the text on anything else, or on a negative or overflowing
// value.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// Formats as the shortest exact form accepted by parse_duration, e.g. 5400000ms -> "1h30m".
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace aiotops
