#pragma once
// Why a row or message was rejected. Readers count skipped rows by these reasons, and every
// parser of outside bytes reports one, so callers can tell "not a number" from "invalid JSON".

#include <string>
#include <string_view>

namespace aiotops::telemetry {

enum class RowProblem {
  kNone,
  kFieldCount,      // CSV record with more or fewer fields than the header
  kEmptyValue,      // a selected column is empty
  kNotANumber,      // a selected value does not parse as a number
  kNotFinite,       // NaN or infinity
  kOutOfRange,      // a number beyond the range of a double or of a timestamp
  kBadQuoting,      // text after a closing quote, or a quote that never closes
  kInvalidJson,     // the JSON text itself is malformed
  kNotAnObject,     // the JSON message is valid but not an object
  kMissingField,    // a required JSON field is absent
  kDuplicateField,  // a JSON field we read appears twice
  kWrongType,       // a JSON field has a type we cannot use (e.g. an array)
  kTooLarge,        // a message exceeds the configured size limit
};

// A short, stable reason such as "not a number"; used as a key in bad-row reports. Thread-safe.
std::string_view describe(RowProblem problem);

// A printable excerpt of untrusted text for error messages: at most 40 characters, quoted,
// with control characters and non-ASCII bytes escaped as \xNN. Thread-safe.
std::string excerpt(std::string_view text);

}  // namespace aiotops::telemetry
