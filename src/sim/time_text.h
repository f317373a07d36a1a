#pragma once
// Times and rates as written on the command line and in summaries.
// Every function here is pure and thread-safe.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace aiotops::sim {

// Unix milliseconds ("1700000000000") or an ISO-8601 UTC date-time ("2024-03-01T08:00:00Z",
// optional ".sss" fraction, or a bare date "2024-03-01" meaning midnight UTC), 1970 or later.
// Fails with kInvalidArgument quoting the text.
Result<int64_t> parse_start_time(std::string_view text);

// "2023-11-14T22:13:20Z" (milliseconds shown only when non-zero) for timestamps >= 0.
std::string format_utc(int64_t unix_ms);

// "<count>/<duration>" ("0.5/h", "10/s", "1/30m"): events per hour. A duration without a
// number means one unit. Fails with kInvalidArgument on other text or a negative, non-finite
// or zero-period rate.
Result<double> parse_rate_per_hour(std::string_view text);

// Time between readings from a duration ("1s", "250ms") or a rate ("10/s", "2/m"), rounded to
// whole milliseconds. Fails with kInvalidArgument when it is not text of either kind or the
// result is below 1 ms.
Result<std::chrono::milliseconds> parse_interval(std::string_view text);

}  // namespace aiotops::sim
