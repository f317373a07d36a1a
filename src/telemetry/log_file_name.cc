#include "telemetry/log_file_name.h"

#include <charconv>
#include <chrono>

#include <fmt/format.h>

namespace aiotops::telemetry {
namespace {

constexpr std::string_view kPrefix = "telemetry-";
constexpr std::string_view kSuffix = ".jsonl";

// The digits text[pos, pos + count) as a number; nullopt unless all are digits.
std::optional<int> digits(std::string_view text, size_t pos, size_t count) {
  int value = 0;
  const char* first = text.data() + pos;
  auto [end, ec] = std::from_chars(first, first + count, value);
  if (ec != std::errc() || end != first + count || *first == '+' || *first == '-') {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::string log_file_name(int64_t hour) {
  using namespace std::chrono;
  const sys_days day{days{hour >= 0 ? hour / 24 : -((-hour + 23) / 24)}};
  const year_month_day date{day};
  const int64_t hour_of_day = hour - static_cast<int64_t>(day.time_since_epoch().count()) * 24;
  return fmt::format("{}{:04}{:02}{:02}T{:02}{}", kPrefix, static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     hour_of_day, kSuffix);
}

std::optional<int64_t> parse_log_file_name(std::string_view name) {
  // telemetry-YYYYMMDDTHH.jsonl
  constexpr size_t kStamp = 11;
  if (name.size() != kPrefix.size() + kStamp + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  const size_t at = kPrefix.size();
  if (name[at + 8] != 'T') return std::nullopt;
  auto y = digits(name, at, 4), m = digits(name, at + 4, 2), d = digits(name, at + 6, 2),
       h = digits(name, at + 9, 2);
  if (!y || !m || !d || !h || *h > 23) return std::nullopt;
  using namespace std::chrono;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*m)},
                            day{static_cast<unsigned>(*d)}};
  if (!date.ok()) return std::nullopt;
  return static_cast<int64_t>(sys_days{date}.time_since_epoch().count()) * 24 + *h;
}

}  // namespace aiotops::telemetry
