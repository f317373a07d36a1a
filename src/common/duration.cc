#include "common/duration.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <utility>

namespace aiotops {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t millis;
};
// Longest suffix first so "ms" is not read as "m".
constexpr std::array<Unit, 5> kUnits{
    {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};

}  // namespace

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) return fail(ErrorCode::kInvalidArgument, "empty duration");
  int64_t total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    double number = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), number);
    if (ec != std::errc() || number < 0) {
      return fail(ErrorCode::kInvalidArgument,
                  "duration '{}': expected a non-negative number followed by ms, s, m, h or d",
                  text);
    }
    rest.remove_prefix(static_cast<size_t>(end - rest.data()));
    int64_t unit_millis = 1000;  // bare number: seconds
    if (!rest.empty()) {
      bool matched = false;
      for (const Unit& unit : kUnits) {
        if (rest.starts_with(unit.suffix)) {
          unit_millis = unit.millis;
          rest.remove_prefix(unit.suffix.size());
          matched = true;
          break;
        }
      }
      if (!matched) {
        return fail(ErrorCode::kInvalidArgument, "duration '{}': unknown unit at '{}'", text, rest);
      }
    } else if (total != 0) {
      return fail(ErrorCode::kInvalidArgument, "duration '{}': last number has no unit", text);
    }
    double millis = number * static_cast<double>(unit_millis);
    if (millis + static_cast<double>(total) >
        static_cast<double>(std::numeric_limits<int64_t>::max() / 2)) {
      return fail(ErrorCode::kInvalidArgument, "duration '{}' is too large", text);
    }
    total += static_cast<int64_t>(millis + 0.5);
  }
  return std::chrono::milliseconds(total);
}

std::string format_duration(std::chrono::milliseconds duration) {
  int64_t rest = duration.count();
  if (rest == 0) return "0s";
  std::string out;
  for (auto [suffix, millis] : {std::pair<const char*, int64_t>{"d", 86'400'000},
                                {"h", 3'600'000},
                                {"m", 60'000},
                                {"s", 1000},
                                {"ms", 1}}) {
    if (rest >= millis) {
      out += fmt::format("{}{}", rest / millis, suffix);
      rest %= millis;
    }
  }
  return out;
}

}  // namespace aiotops
