#pragma once
// Why the edge service refused a telemetry message. Every refused message is published to
// `<topic>/dead-letter` and counted under one of these reasons; the names are metric label
// values and dead-letter "reason" fields, so they never change once released.

#include <array>
#include <cstddef>
#include <string_view>

#include "telemetry/row_problem.h"

namespace aiotops::edge {

enum class DeadLetterReason {
  kTooLarge,        // payload over the configured byte limit (checked before parsing)
  kBinary,          // not text: invalid UTF-8, or control bytes JSON never allows
  kInvalidJson,     // malformed JSON text (an empty payload included)
  kNotAnObject,     // valid JSON, but not an object
  kMissingField,    // a feature the model needs is absent
  kDuplicateField,  // a field the service reads appears twice
  kWrongType,       // a field of an unusable type (e.g. an array where a number belongs)
  kNonNumeric,      // a feature (or timestamp) whose text is not a number
  kNonFinite,       // NaN or infinity, as a string ("NaN") or a bare token (NaN, Infinity)
  kOutOfRange,      // beyond a double, or outside the model's widened training range
  kBadDeviceId,     // a device id longer than the configured limit
};

inline constexpr size_t kDeadLetterReasonCount = 11;

// Every reason, in declaration order (for registering one counter per reason).
inline constexpr std::array<DeadLetterReason, kDeadLetterReasonCount> kAllDeadLetterReasons{
    DeadLetterReason::kTooLarge,     DeadLetterReason::kBinary,
    DeadLetterReason::kInvalidJson,  DeadLetterReason::kNotAnObject,
    DeadLetterReason::kMissingField, DeadLetterReason::kDuplicateField,
    DeadLetterReason::kWrongType,    DeadLetterReason::kNonNumeric,
    DeadLetterReason::kNonFinite,    DeadLetterReason::kOutOfRange,
    DeadLetterReason::kBadDeviceId};

// The stable snake_case name, e.g. "invalid_json". Thread-safe; never allocates.
std::string_view to_string(DeadLetterReason reason);

// The dead-letter reason of a telemetry parser's rejection. kNone and the CSV-only problems
// (field count, quoting) cannot come from the JSON parser and map to kInvalidJson. Thread-safe.
DeadLetterReason reason_of(telemetry::RowProblem problem);

}  // namespace aiotops::edge
