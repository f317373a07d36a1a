#pragma once
// Reading datasets from files: CSV (with a header row, or the reference system's headerless
// layouts) and JSON lines. Formats and errors: docs/formats/telemetry.md.

#include <filesystem>
#include <string_view>

#include "common/error.h"
#include "telemetry/dataset.h"
#include "telemetry/read_options.h"

namespace aiotops::telemetry {

// Reads a dataset, choosing the format by extension: .csv for CSV; .jsonl, .ndjson or .json
// for JSON lines (one object per line). On success `report` (if given) holds the row counts;
// on failure the error (kNotFound, kIo, kInvalidArgument) names the file, line and column.
// Thread-safe (no shared state).
Result<Dataset> read_dataset(const std::filesystem::path& path, const ReadOptions& options,
                             BadRowReport* report = nullptr);

// Parses CSV `text`; `source_name` prefixes error locations ("source:line:column: ...").
// Accepts a header row, or no header when the first row has 6 or 7 fields whose 2nd to last
// are numeric: the reference layout deviceID,timeStamp,current,temperature,vibration,sound and
// the same plus label. deviceID, timeStamp and fault_type columns are read when present.
// Columns that are not selected are not validated. Bad rows (wrong field count, empty or
// non-numeric value, NaN/inf) fail with kInvalidArgument, or are skipped with
// options.skip_bad_rows. A quote that never closes always fails. Thread-safe.
Result<Dataset> parse_csv(std::string_view text, std::string_view source_name,
                          const ReadOptions& options, BadRowReport* report = nullptr);

}  // namespace aiotops::telemetry
