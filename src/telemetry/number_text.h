#pragma once
// Strict parsing of numbers written as text (CSV fields, numeric JSON strings such as "412.50").
// Locale-independent; never allocates on the accepted paths.

#include <cstdint>
#include <string_view>

#include "telemetry/row_problem.h"

namespace aiotops::telemetry {

// Parses all of `text` as a finite double: decimal or exponent notation, an optional leading
// '+' or '-', ASCII spaces and tabs around it allowed. Values too small for a double become
// (signed) zero. Returns kNone and sets `out`, or kEmptyValue, kNotANumber, kNotFinite (NaN,
// inf) or kOutOfRange (too large for a double). Thread-safe.
RowProblem parse_finite_double(std::string_view text, double& out);

// Whether `text` stands for a missing value: empty, "NaN" or "null" (any case), spaces and tabs
// around it allowed. Thread-safe.
bool is_missing_text(std::string_view text);

// Parses all of `text` as a Unix-millisecond timestamp: a non-negative decimal integer that
// fits in int64, spaces and tabs around it allowed. Returns kNone, kEmptyValue, kNotANumber or
// kOutOfRange. Thread-safe.
RowProblem parse_timestamp_ms(std::string_view text, int64_t& out);

}  // namespace aiotops::telemetry
