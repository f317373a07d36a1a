#include "sim/time_text.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include "common/duration.h"

namespace aiotops::sim {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;
constexpr double kMaxIntervalMs = 1e15;

// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  int64_t year_of_era = year - era * 400;
  int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct CivilDate {
  int64_t year, month, day;
};

// The inverse (H. Hinnant's civil_from_days), for days >= 0.
CivilDate civil_from_days(int64_t days) {
  days += 719468;
  int64_t era = days / 146097;
  int64_t day_of_era = days - era * 146097;
  int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t mp = (5 * day_of_year + 2) / 153;
  int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
  int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

bool is_leap(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int64_t days_in_month(int64_t year, int64_t month) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Reads exactly `width` digits at `pos`, then expects `separator` (0: none).
bool read_field(std::string_view text, size_t& pos, size_t width, char separator, int64_t& out) {
  if (pos + width > text.size()) return false;
  for (size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  std::from_chars(text.data() + pos, text.data() + pos + width, out);
  pos += width;
  if (separator == 0) return true;
  if (pos >= text.size() || text[pos] != separator) return false;
  ++pos;
  return true;
}

}  // namespace

Result<int64_t> parse_start_time(std::string_view text) {
  auto bad = [text]() {
    return fail(ErrorCode::kInvalidArgument,
                "start '{}': expected Unix milliseconds or an ISO-8601 UTC time such as "
                "2024-03-01T08:00:00Z",
                text);
  };
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t millis = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), millis);
    if (ec != std::errc()) return bad();
    return millis;
  }
  size_t pos = 0;
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  bool date_only = text.size() == 10;
  if (!read_field(text, pos, 4, '-', year) || !read_field(text, pos, 2, '-', month) ||
      !read_field(text, pos, 2, date_only ? 0 : 'T', day)) {
    return bad();
  }
  if (!date_only) {
    if (!read_field(text, pos, 2, ':', hour) || !read_field(text, pos, 2, ':', minute) ||
        !read_field(text, pos, 2, 0, second)) {
      return bad();
    }
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      if (!read_field(text, pos, 3, 0, millis)) return bad();
    }
    if (pos + 1 != text.size() || text[pos] != 'Z') return bad();
  }
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
      hour > 23 || minute > 59 || second > 59) {
    return bad();
  }
  int64_t seconds = days_from_civil(year, month, day) * 86'400 + hour * 3600 + minute * 60 + second;
  return seconds * 1000 + millis;
}

std::string format_utc(int64_t unix_ms) {
  CivilDate date = civil_from_days(unix_ms / kMsPerDay);
  int64_t ms_of_day = unix_ms % kMsPerDay;
  int64_t seconds = ms_of_day / 1000;
  std::string text = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", date.year, date.month,
                                 date.day, seconds / 3600, seconds / 60 % 60, seconds % 60);
  if (ms_of_day % 1000 != 0) text += fmt::format(".{:03}", ms_of_day % 1000);
  return text + "Z";
}

Result<double> parse_rate_per_hour(std::string_view text) {
  auto bad = [text]() {
    return fail(ErrorCode::kInvalidArgument,
                "rate '{}': expected <count>/<duration>, e.g. 0.5/h, 10/s or 1/30m", text);
  };
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad();
  std::string_view count_text = text.substr(0, slash);
  double count = 0;
  auto [end, ec] = std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
  if (ec != std::errc() || end != count_text.data() + count_text.size() || !std::isfinite(count) ||
      count < 0) {
    return bad();
  }
  std::string_view per = text.substr(slash + 1);
  if (per.empty()) return bad();
  // "h" means one hour; "30m" is a duration of its own.
  std::string per_text =
      std::isdigit(static_cast<unsigned char>(per[0])) ? std::string(per) : fmt::format("1{}", per);
  auto period = parse_duration(per_text);
  if (!period || period->count() == 0) return bad();
  return count * 3'600'000.0 / static_cast<double>(period->count());
}

Result<std::chrono::milliseconds> parse_interval(std::string_view text) {
  int64_t millis = 0;
  if (text.find('/') != std::string_view::npos) {
    auto per_hour = parse_rate_per_hour(text);
    if (!per_hour) return fail(per_hour.error());
    double interval_ms = *per_hour > 0 ? 3'600'000.0 / *per_hour : 0.0;
    if (!(interval_ms < kMaxIntervalMs)) {
      return fail(ErrorCode::kInvalidArgument, "interval '{}': readings are too far apart", text);
    }
    millis = std::llround(interval_ms);
  } else {
    auto duration = parse_duration(text);
    if (!duration) return fail(duration.error());
    millis = duration->count();
  }
  if (millis < 1) {
    return fail(ErrorCode::kInvalidArgument, "interval '{}': readings must be at least 1 ms apart",
                text);
  }
  return std::chrono::milliseconds(millis);
}

}  // namespace aiotops::sim
