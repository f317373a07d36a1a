#include "extract/time_window.h"

#include <charconv>
#include <chrono>

#include <fmt/format.h>

#include "common/duration.h"

namespace aiotops::extract {
namespace {

// Reads exactly `count` digits at text[pos]; advances pos.
std::optional<int> take_digits(std::string_view text, size_t& pos, size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return value;
}

bool take(std::string_view text, size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

std::optional<int64_t> parse_iso(std::string_view text) {
  using namespace std::chrono;
  size_t pos = 0;
  auto y = take_digits(text, pos, 4);
  if (!y || !take(text, pos, '-')) return std::nullopt;
  auto mo = take_digits(text, pos, 2);
  if (!mo || !take(text, pos, '-')) return std::nullopt;
  auto d = take_digits(text, pos, 2);
  if (!d) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)},
                            day{static_cast<unsigned>(*d)}};
  if (!date.ok()) return std::nullopt;
  int64_t ms = static_cast<int64_t>(sys_days{date}.time_since_epoch().count()) * 86'400'000;
  if (pos == text.size()) return ms;
  if (!take(text, pos, 'T') && !take(text, pos, ' ')) return std::nullopt;
  auto h = take_digits(text, pos, 2);
  if (!h || *h > 23 || !take(text, pos, ':')) return std::nullopt;
  auto mi = take_digits(text, pos, 2);
  if (!mi || *mi > 59) return std::nullopt;
  ms += (*h * 3600LL + *mi * 60LL) * 1000;
  if (take(text, pos, ':')) {
    auto s = take_digits(text, pos, 2);
    if (!s || *s > 59) return std::nullopt;
    ms += *s * 1000LL;
    if (take(text, pos, '.')) {
      // Milliseconds from the first three digits; finer digits must be there to be valid only.
      size_t digits = 0;
      int64_t fraction = 0;
      for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
        if (digits < 3) fraction = fraction * 10 + (text[pos] - '0');
      }
      if (digits == 0 || digits > 9) return std::nullopt;
      for (size_t i = digits; i < 3; ++i) fraction *= 10;
      ms += fraction;
    }
  }
  if (pos == text.size() || take(text, pos, 'Z'))
    return pos == text.size() ? std::optional(ms) : std::nullopt;
  const char sign = text[pos++];
  if (sign != '+' && sign != '-') return std::nullopt;
  auto oh = take_digits(text, pos, 2);
  if (!oh || *oh > 23 || !take(text, pos, ':')) return std::nullopt;
  auto om = take_digits(text, pos, 2);
  if (!om || *om > 59 || pos != text.size()) return std::nullopt;
  const int64_t offset = (*oh * 60LL + *om) * 60'000;
  return sign == '+' ? ms - offset : ms + offset;
}

}  // namespace

Result<int64_t> parse_time_point(std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec == std::errc() && end == text.data() + text.size()) return ms;
    return fail(ErrorCode::kInvalidArgument, "time '{}': out of range", text);
  }
  if (auto ms = parse_iso(text)) return *ms;
  return fail(ErrorCode::kInvalidArgument,
              "time '{}': expected Unix milliseconds or ISO-8601 such as 2026-11-26T14:00:00Z",
              text);
}

std::string format_time_point(int64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds{unix_ms}};
  const sys_days day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> time{t - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count(),
                     time.subseconds().count());
}

Result<TimeWindow> make_window(std::string_view from, std::string_view to, std::string_view last,
                               int64_t now_ms) {
  TimeWindow window;
  if (!last.empty()) {
    if (!from.empty() || !to.empty()) {
      return fail(ErrorCode::kInvalidArgument, "--last cannot be combined with --from or --to");
    }
    auto span = parse_duration(last);
    if (!span) return fail(span.error().with_context("--last"));
    if (span->count() <= 0)
      return fail(ErrorCode::kInvalidArgument, "--last must be longer than 0");
    window.from_ms = now_ms - span->count();
    window.to_ms = now_ms;
    return window;
  }
  if (!from.empty()) {
    auto t = parse_time_point(from);
    if (!t) return fail(t.error().with_context("--from"));
    window.from_ms = *t;
  }
  if (!to.empty()) {
    auto t = parse_time_point(to);
    if (!t) return fail(t.error().with_context("--to"));
    window.to_ms = *t;
  }
  if (window.from_ms && window.to_ms && *window.from_ms >= *window.to_ms) {
    return fail(ErrorCode::kInvalidArgument, "the window is empty: --from {} is not before --to {}",
                from, to);
  }
  return window;
}

}  // namespace aiotops::extract
