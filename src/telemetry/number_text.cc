#include "telemetry/number_text.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <system_error>

namespace aiotops::telemetry {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool starts_number(std::string_view text) {
  return !text.empty() && ((text.front() >= '0' && text.front() <= '9') || text.front() == '.');
}

}  // namespace

RowProblem parse_finite_double(std::string_view text, double& out) {
  text = trim(text);
  if (text.empty()) return RowProblem::kEmptyValue;
  if (text.front() == '+') {
    text.remove_prefix(1);
    if (!starts_number(text)) return RowProblem::kNotANumber;
  }
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end != text.data() + text.size()) return RowProblem::kNotANumber;
  if (ec == std::errc::invalid_argument) return RowProblem::kNotANumber;
  if (ec == std::errc::result_out_of_range) {
    // from_chars reports underflow and overflow alike; strtod tells them apart. Rare path.
    std::string copy(text);
    value = std::strtod(copy.c_str(), nullptr);
    if (std::isinf(value)) return RowProblem::kOutOfRange;
  }
  if (!std::isfinite(value)) return RowProblem::kNotFinite;
  out = value;
  return RowProblem::kNone;
}

bool is_missing_text(std::string_view text) {
  text = trim(text);
  auto equals_ignoring_case = [text](std::string_view word) {
    return text.size() == word.size() &&
           std::equal(text.begin(), text.end(), word.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  return text.empty() || equals_ignoring_case("nan") || equals_ignoring_case("null");
}

RowProblem parse_timestamp_ms(std::string_view text, int64_t& out) {
  text = trim(text);
  if (text.empty()) return RowProblem::kEmptyValue;
  if (text.front() < '0' || text.front() > '9') return RowProblem::kNotANumber;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end != text.data() + text.size()) return RowProblem::kNotANumber;
  if (ec == std::errc::result_out_of_range) return RowProblem::kOutOfRange;
  if (ec != std::errc()) return RowProblem::kNotANumber;
  out = value;
  return RowProblem::kNone;
}

}  // namespace aiotops::telemetry
