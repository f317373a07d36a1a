#pragma once
// Reading a dataset stored as JSON lines: one telemetry message (see json_codec.h) per line.

#include <string_view>

#include "common/error.h"
#include "telemetry/dataset.h"
#include "telemetry/read_options.h"

namespace aiotops::telemetry {

// Parses JSON-lines `text`; blank lines are ignored. Without options.features, the features are
// the fields of the first object whose values are numbers or numeric strings, except the
// label, deviceID, chipID, timeStamp and fault_type. The first object also decides whether the
// dataset has device ids, timestamps and fault types; a later line lacking one is a bad row
// (missing field). Bad lines fail with kInvalidArgument naming "source:line: field: why", or
// are skipped with options.skip_bad_rows. Thread-safe.
Result<Dataset> parse_jsonl(std::string_view text, std::string_view source_name,
                            const ReadOptions& options, BadRowReport* report = nullptr);

}  // namespace aiotops::telemetry
