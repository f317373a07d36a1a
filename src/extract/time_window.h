#pragma once
// The time window of an extraction: [from, to) in Unix milliseconds, either end open. Times are
// written as Unix milliseconds or ISO-8601 (UTC, or with an offset); `--last 24h` ends now.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace aiotops::extract {

struct TimeWindow {
  std::optional<int64_t> from_ms{};  // inclusive; none: from the beginning
  std::optional<int64_t> to_ms{};    // exclusive; none: to the end

  bool contains(int64_t t) const { return (!from_ms || t >= *from_ms) && (!to_ms || t < *to_ms); }
  // Whether [begin, end) shares a moment with the window.
  bool overlaps(int64_t begin, int64_t end) const {
    return (!to_ms || begin < *to_ms) && (!from_ms || end > *from_ms);
  }
};

// "1764165600000" (Unix ms, digits only) or ISO-8601: YYYY-MM-DD, optionally followed by
// THH:MM[:SS[.fraction]] and Z or ±HH:MM (no zone means UTC). kInvalidArgument naming the text
// otherwise (a date that does not exist, a fraction finer than nanoseconds...). Thread-safe.
Result<int64_t> parse_time_point(std::string_view text);

// "2026-11-26T14:00:00.000Z". Thread-safe.
std::string format_time_point(int64_t unix_ms);

// The window of --from/--to (empty: open) or --last (a duration ending at `now_ms`; not with
// --from/--to). kInvalidArgument for bad text, --last with --from or --to, or from >= to.
// Thread-safe.
Result<TimeWindow> make_window(std::string_view from, std::string_view to, std::string_view last,
                               int64_t now_ms);

}  // namespace aiotops::extract
