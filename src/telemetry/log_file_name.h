#pragma once
// The names of the edge service's telemetry log files: one JSON-lines file per UTC hour of
// receipt, "telemetry-YYYYMMDDTHH.jsonl" (docs/formats/telemetry.md). The edge service writes
// them, `aiotops extract` picks the hours of a time window by name without opening the others.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aiotops::telemetry {

inline constexpr int64_t kMillisPerHour = 3'600'000;

// The hour (whole hours since the Unix epoch, floor for negative times) holding `unix_ms`.
// Thread-safe.
constexpr int64_t hour_of(int64_t unix_ms) {
  return unix_ms >= 0 ? unix_ms / kMillisPerHour
                      : -((-unix_ms + kMillisPerHour - 1) / kMillisPerHour);
}

// "telemetry-20261126T14.jsonl" for the hour starting at 2026-11-26 14:00 UTC. Years outside
// 0..9999 are not representable: the name then holds the year as printed. Thread-safe.
std::string log_file_name(int64_t hour);

// The hour a file name stands for, or nullopt when `name` is not exactly a telemetry log file
// name (another file in the directory, a temp file, a bad date). Thread-safe.
std::optional<int64_t> parse_log_file_name(std::string_view name);

}  // namespace aiotops::telemetry
