#include "schedule/cron.h"

#include <array>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "common/duration.h"

namespace aiotops::schedule {
namespace {

using std::chrono::seconds;

struct Field {
  std::string_view name;
  unsigned min;
  unsigned max;
  std::span<const std::string_view> names;  // names[i] means min + i
};

constexpr std::string_view kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                            "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::string_view kWeekdayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr std::array<Field, 5> kFields = {{{"minute", 0, 59, {}},
                                           {"hour", 0, 23, {}},
                                           {"day of month", 1, 31, {}},
                                           {"month", 1, 12, kMonthNames},
                                           {"day of week", 0, 6, kWeekdayNames}}};

struct Descriptor {
  std::string_view name;
  std::string_view fields;
};
constexpr Descriptor kDescriptors[] = {{"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"},
                                       {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
                                       {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
                                       {"@hourly", "0 * * * *"}};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t at = 0; at <= text.size(); ++at) {
    if (at == text.size() || text[at] == separator) {
      parts.push_back(text.substr(start, at - start));
      start = at + 1;
    }
  }
  return parts;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
    const size_t start = at;
    while (at < text.size() && text[at] != ' ' && text[at] != '\t') ++at;
    if (at > start) out.push_back(text.substr(start, at - start));
  }
  return out;
}

// A number or (for months and weekdays) a name; nullopt when it is neither.
std::optional<unsigned> value_of(std::string_view text, const Field& field) {
  const std::string name = lower(text);
  for (size_t i = 0; i < field.names.size(); ++i) {
    if (field.names[i] == name) return field.min + static_cast<unsigned>(i);
  }
  if (text.empty() || text.size() > 9) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

struct FieldBits {
  uint64_t bits = 0;
  bool star = false;
};

// One comma-separated part: "*", "?", "a", "a-b", each optionally "/step" (robfig's getRange).
Result<FieldBits> parse_range(std::string_view text, const Field& field) {
  const auto range_and_step = split(text, '/');
  const auto low_and_high = split(range_and_step[0], '-');
  if (range_and_step.size() > 2 || low_and_high.size() > 2) {
    return fail(ErrorCode::kInvalidArgument, "'{}' is not a value, range or step", text);
  }
  FieldBits out;
  unsigned start = field.min;
  unsigned end = field.max;
  if (low_and_high[0] == "*" || low_and_high[0] == "?") {
    if (low_and_high.size() == 2) {
      return fail(ErrorCode::kInvalidArgument, "'{}' is not a value, range or step", text);
    }
    out.star = true;
  } else {
    auto low = value_of(low_and_high[0], field);
    if (!low) return fail(ErrorCode::kInvalidArgument, "'{}' is not a value", low_and_high[0]);
    start = end = *low;
    if (low_and_high.size() == 2) {
      auto high = value_of(low_and_high[1], field);
      if (!high) return fail(ErrorCode::kInvalidArgument, "'{}' is not a value", low_and_high[1]);
      end = *high;
    }
  }
  unsigned step = 1;
  if (range_and_step.size() == 2) {
    auto parsed = value_of(range_and_step[1], Field{"step", 0, 0, {}});
    if (!parsed || *parsed == 0) {
      return fail(ErrorCode::kInvalidArgument, "step '{}' must be a positive number",
                  range_and_step[1]);
    }
    step = *parsed;
    if (low_and_high.size() == 1 && !out.star) end = field.max;  // "a/n" means "a-max/n"
    if (step > 1) out.star = false;
  }
  if (start < field.min || end > field.max) {
    return fail(ErrorCode::kInvalidArgument, "'{}' is outside {}-{}", text, field.min, field.max);
  }
  if (start > end) {
    return fail(ErrorCode::kInvalidArgument, "'{}' runs backwards", text);
  }
  for (unsigned v = start; v <= end; v += step) out.bits |= uint64_t{1} << v;
  return out;
}

Result<FieldBits> parse_field(std::string_view text, const Field& field) {
  FieldBits out;
  for (std::string_view part : split(text, ',')) {
    auto bits = parse_range(part, field);
    if (!bits) return fail(bits.error());
    out.bits |= bits->bits;
    out.star = out.star || bits->star;
  }
  return out;
}

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view text) {
  CronSchedule schedule;
  schedule.text_ = std::string(text);
  auto invalid = [&](std::string_view what) {
    return fail(ErrorCode::kInvalidArgument, "schedule '{}': {}", text, what);
  };
  std::vector<std::string_view> fields = words(text);
  if (fields.size() == 2 && fields[0] == "@every") {
    auto duration = parse_duration(fields[1]);
    if (!duration) return invalid(duration.error().message());
    // robfig/cron: sub-second parts are dropped, and less than a second becomes one second.
    schedule.every_ = std::max(seconds(1), std::chrono::duration_cast<seconds>(*duration));
    return schedule;
  }
  std::string expanded;
  if (fields.size() == 1 && fields[0].starts_with('@')) {
    const std::string name = lower(fields[0]);
    for (const Descriptor& descriptor : kDescriptors) {
      if (descriptor.name == name) expanded = descriptor.fields;
    }
    if (expanded.empty()) return invalid(fmt::format("unknown descriptor '{}'", fields[0]));
    fields = words(expanded);
  }
  if (fields.size() != 5) {
    return invalid(
        fmt::format("expected 5 fields (minute hour day-of-month month day-of-week) "
                    "or a descriptor, got {}",
                    fields.size()));
  }
  FieldBits bits[5];
  for (size_t i = 0; i < 5; ++i) {
    auto parsed = parse_field(fields[i], kFields[i]);
    if (!parsed) return invalid(fmt::format("{}: {}", kFields[i].name, parsed.error().message()));
    bits[i] = *parsed;
  }
  schedule.minutes_ = bits[0].bits;
  schedule.hours_ = static_cast<uint32_t>(bits[1].bits);
  schedule.days_ = static_cast<uint32_t>(bits[2].bits);
  schedule.months_ = static_cast<uint16_t>(bits[3].bits);
  schedule.weekdays_ = static_cast<uint8_t>(bits[4].bits);
  schedule.day_star_ = bits[2].star;
  schedule.weekday_star_ = bits[4].star;
  return schedule;
}

bool CronSchedule::day_matches(std::chrono::sys_days day) const {
  const std::chrono::year_month_day date(day);
  const bool day_match = (days_ >> static_cast<unsigned>(date.day())) & 1;
  const bool weekday_match = (weekdays_ >> std::chrono::weekday(day).c_encoding()) & 1;
  if (day_star_ || weekday_star_) return day_match && weekday_match;
  return day_match || weekday_match;
}

std::optional<Seconds> CronSchedule::next_local(Seconds local, Seconds limit) const {
  using namespace std::chrono;
  auto t = ceil<minutes>(local);
  while (t < limit) {
    const sys_days day = floor<days>(t);
    const year_month_day date(day);
    if (!((months_ >> static_cast<unsigned>(date.month())) & 1)) {
      t = sys_days((date.year() / date.month() + months(1)) / 1);
      continue;
    }
    if (!day_matches(day)) {
      t = day + days(1);
      continue;
    }
    const auto time = hh_mm_ss(t - day);
    if (!((hours_ >> time.hours().count()) & 1)) {
      t = day + time.hours() + hours(1);
      continue;
    }
    if (!((minutes_ >> time.minutes().count()) & 1)) {
      t += minutes(1);
      continue;
    }
    return Seconds(t);
  }
  return std::nullopt;
}

std::optional<Seconds> CronSchedule::next(Seconds after, const TimeZone& zone) const {
  if (every_) return after + *every_;
  using namespace std::chrono;
  const Seconds limit = after + days(5 * 366);
  // Within one segment the offset is constant, so wall-clock minutes map one to one onto
  // instants: search the wall clock there, and move to the next segment when it runs out.
  Seconds from = after + seconds(1);
  while (from < limit) {
    const TimeZone::Segment segment = zone.segment_at(from);
    const Seconds end = std::min(segment.end, limit);
    auto local = next_local(from + segment.offset, end + segment.offset);
    if (local) return *local - segment.offset;
    from = end;
  }
  return std::nullopt;
}

}  // namespace aiotops::schedule
