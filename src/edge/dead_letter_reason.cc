#include "edge/dead_letter_reason.h"

namespace aiotops::edge {

std::string_view to_string(DeadLetterReason reason) {
  switch (reason) {
    case DeadLetterReason::kTooLarge:
      return "too_large";
    case DeadLetterReason::kBinary:
      return "binary";
    case DeadLetterReason::kInvalidJson:
      return "invalid_json";
    case DeadLetterReason::kNotAnObject:
      return "not_an_object";
    case DeadLetterReason::kMissingField:
      return "missing_field";
    case DeadLetterReason::kDuplicateField:
      return "duplicate_field";
    case DeadLetterReason::kWrongType:
      return "wrong_type";
    case DeadLetterReason::kNonNumeric:
      return "non_numeric";
    case DeadLetterReason::kNonFinite:
      return "non_finite";
    case DeadLetterReason::kOutOfRange:
      return "out_of_range";
    case DeadLetterReason::kBadDeviceId:
      return "bad_device_id";
  }
  return "unknown";
}

DeadLetterReason reason_of(telemetry::RowProblem problem) {
  using telemetry::RowProblem;
  switch (problem) {
    case RowProblem::kTooLarge:
      return DeadLetterReason::kTooLarge;
    case RowProblem::kNotAnObject:
      return DeadLetterReason::kNotAnObject;
    case RowProblem::kMissingField:
      return DeadLetterReason::kMissingField;
    case RowProblem::kDuplicateField:
      return DeadLetterReason::kDuplicateField;
    case RowProblem::kWrongType:
      return DeadLetterReason::kWrongType;
    // An empty string where a number belongs is as unusable as any other non-number.
    case RowProblem::kEmptyValue:
    case RowProblem::kNotANumber:
      return DeadLetterReason::kNonNumeric;
    case RowProblem::kNotFinite:
      return DeadLetterReason::kNonFinite;
    case RowProblem::kOutOfRange:
      return DeadLetterReason::kOutOfRange;
    case RowProblem::kNone:
    case RowProblem::kFieldCount:
    case RowProblem::kBadQuoting:
    case RowProblem::kInvalidJson:
      return DeadLetterReason::kInvalidJson;
  }
  return DeadLetterReason::kInvalidJson;
}

}  // namespace aiotops::edge
