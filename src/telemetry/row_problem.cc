#include "telemetry/row_problem.h"

#include <fmt/format.h>

namespace aiotops::telemetry {

std::string_view describe(RowProblem problem) {
  switch (problem) {
    case RowProblem::kNone:
      return "ok";
    case RowProblem::kFieldCount:
      return "wrong field count";
    case RowProblem::kEmptyValue:
      return "empty value";
    case RowProblem::kNotANumber:
      return "not a number";
    case RowProblem::kNotFinite:
      return "not finite";
    case RowProblem::kOutOfRange:
      return "out of range";
    case RowProblem::kBadQuoting:
      return "bad quoting";
    case RowProblem::kInvalidJson:
      return "invalid JSON";
    case RowProblem::kNotAnObject:
      return "not a JSON object";
    case RowProblem::kMissingField:
      return "missing field";
    case RowProblem::kDuplicateField:
      return "duplicate field";
    case RowProblem::kWrongType:
      return "wrong type";
    case RowProblem::kTooLarge:
      return "too large";
  }
  return "unknown";
}

std::string excerpt(std::string_view text) {
  constexpr size_t kMaxChars = 40;
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < kMaxChars; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  out += text.size() > kMaxChars ? "\"..." : "\"";
  return out;
}

}  // namespace aiotops::telemetry
