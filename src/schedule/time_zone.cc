#include "schedule/time_zone.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include <fmt/format.h>

#include "common/files.h"

namespace aiotops::schedule {
namespace {

using std::chrono::seconds;

// Bounds-checked big-endian reads over the bytes of one file.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  bool has(uint64_t n) const { return n <= bytes_.size() - at_; }
  std::string_view take(size_t n) {
    const std::string_view out = bytes_.substr(at_, n);
    at_ += n;
    return out;
  }
  int64_t big_endian(size_t n) {  // n = 4 or 8, signed
    uint64_t value = 0;
    for (unsigned char c : take(n)) value = (value << 8) | c;
    if (n == 4) return static_cast<int32_t>(static_cast<uint32_t>(value));
    return static_cast<int64_t>(value);
  }
  size_t at() const { return at_; }
  std::string_view rest() const { return bytes_.substr(at_); }

 private:
  std::string_view bytes_;
  size_t at_ = 0;
};

struct Header {
  char version = 0;
  uint64_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
  uint64_t block_size(uint64_t time_size) const {
    return timecnt * time_size + timecnt + typecnt * 6 + charcnt + leapcnt * (time_size + 4) +
           isstdcnt + isutcnt;
  }
};

Result<Header> read_header(ByteReader& in, const std::string& name) {
  if (!in.has(44) || in.take(4) != "TZif") {
    return fail(ErrorCode::kCorrupt, "time zone '{}': not a TZif file", name);
  }
  Header header;
  header.version = in.take(1)[0];
  in.take(15);
  std::array<uint64_t*, 6> counts = {&header.isutcnt, &header.isstdcnt, &header.leapcnt,
                                     &header.timecnt, &header.typecnt,  &header.charcnt};
  for (uint64_t* count : counts) *count = static_cast<uint32_t>(in.big_endian(4));
  if (header.typecnt == 0 || (header.isutcnt != 0 && header.isutcnt != header.typecnt) ||
      (header.isstdcnt != 0 && header.isstdcnt != header.typecnt)) {
    return fail(ErrorCode::kCorrupt, "time zone '{}': inconsistent TZif header counts", name);
  }
  return header;
}

// Optional sign, hours, optional :mm and :ss; at most 167 hours (RFC 8536's extension).
bool parse_clock(std::string_view& text, seconds& out) {
  int sign = 1;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    sign = text[0] == '-' ? -1 : 1;
    text.remove_prefix(1);
  }
  int64_t parts[3] = {0, 0, 0};
  for (int part = 0; part < 3; ++part) {
    if (part > 0) {
      if (text.empty() || text[0] != ':') break;
      text.remove_prefix(1);
    }
    size_t digits = 0;
    while (digits < text.size() && digits < 3 && text[digits] >= '0' && text[digits] <= '9') {
      parts[part] = parts[part] * 10 + (text[digits] - '0');
      ++digits;
    }
    if (digits == 0) return false;
    text.remove_prefix(digits);
  }
  if (parts[0] > 167 || parts[1] > 59 || parts[2] > 59) return false;
  out = seconds(sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]));
  return true;
}

bool parse_zone_name(std::string_view& text) {
  size_t length = 0;
  if (!text.empty() && text[0] == '<') {
    length = text.find('>');
    if (length == std::string_view::npos) return false;
    ++length;
  } else {
    while (length < text.size() && ((text[length] >= 'A' && text[length] <= 'Z') ||
                                    (text[length] >= 'a' && text[length] <= 'z'))) {
      ++length;
    }
    if (length < 3) return false;
  }
  text.remove_prefix(length);
  return true;
}

bool parse_number(std::string_view& text, unsigned low, unsigned high, unsigned& out) {
  size_t digits = 0;
  out = 0;
  while (digits < text.size() && digits < 2 && text[digits] >= '0' && text[digits] <= '9') {
    out = out * 10 + static_cast<unsigned>(text[digits] - '0');
    ++digits;
  }
  text.remove_prefix(digits);
  return digits > 0 && out >= low && out <= high;
}

bool parse_rule_date(std::string_view& text, PosixTzRule::Date& date) {
  if (text.empty() || text[0] != 'M') return false;
  text.remove_prefix(1);
  if (!parse_number(text, 1, 12, date.month) || text.empty() || text[0] != '.') return false;
  text.remove_prefix(1);
  if (!parse_number(text, 1, 5, date.week) || text.empty() || text[0] != '.') return false;
  text.remove_prefix(1);
  if (!parse_number(text, 0, 6, date.weekday)) return false;
  if (!text.empty() && text[0] == '/') {
    text.remove_prefix(1);
    return parse_clock(text, date.time);
  }
  return true;
}

// The instant a rule date happens in `year`, given the offset in force just before it.
Seconds rule_instant(int year, const PosixTzRule::Date& date, seconds offset_before) {
  using namespace std::chrono;
  const auto ym = std::chrono::year(year) / month(date.month);
  const sys_days day = date.week == 5
                           ? sys_days(ym / weekday_last(weekday(date.weekday)))
                           : sys_days(ym / weekday_indexed(weekday(date.weekday), date.week));
  return Seconds(day) + date.time - offset_before;
}

}  // namespace

Result<PosixTzRule> parse_posix_tz(std::string_view text) {
  auto invalid = [&] {
    return fail(ErrorCode::kInvalidArgument,
                "TZ string '{}': expected std offset [dst [offset],Mm.w.d[/time],Mm.w.d[/time]]",
                text);
  };
  std::string_view rest = text;
  PosixTzRule rule;
  seconds offset{0};
  if (!parse_zone_name(rest) || !parse_clock(rest, offset)) return invalid();
  rule.std_offset = -offset;  // POSIX counts west of Greenwich as positive
  if (rest.empty()) return rule;
  if (!parse_zone_name(rest)) return invalid();
  rule.dst_offset = rule.std_offset + seconds(3600);
  if (!rest.empty() && rest[0] != ',') {
    if (!parse_clock(rest, offset)) return invalid();
    rule.dst_offset = -offset;
  }
  if (rest.empty() || rest[0] != ',') return invalid();
  rest.remove_prefix(1);
  if (!parse_rule_date(rest, rule.dst_start) || rest.empty() || rest[0] != ',') return invalid();
  rest.remove_prefix(1);
  if (!parse_rule_date(rest, rule.dst_end) || !rest.empty()) return invalid();
  return rule;
}

TimeZone TimeZone::utc() { return TimeZone(); }

Result<TimeZone> TimeZone::locate(std::string_view name, const std::filesystem::path& dir) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument, "time zone '{}': not an IANA zone name", name);
  }
  const std::filesystem::path file = dir / std::string(name);
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) {
    return fail(ErrorCode::kNotFound, "time zone '{}': unknown (no file {})", name, file.string());
  }
  auto bytes = read_file(file);
  if (!bytes) return fail(bytes.error());
  return from_tzif(*bytes, std::string(name));
}

Result<TimeZone> TimeZone::from_tzif(std::string_view bytes, std::string name) {
  ByteReader in(bytes);
  auto header = read_header(in, name);
  if (!header) return fail(header.error());
  uint64_t time_size = 4;
  if (header->version >= '2') {  // skip the 32-bit block: the 64-bit one follows
    if (!in.has(header->block_size(4))) {
      return fail(ErrorCode::kCorrupt, "time zone '{}': truncated TZif file", name);
    }
    in.take(header->block_size(4));
    header = read_header(in, name);
    if (!header) return fail(header.error());
    time_size = 8;
  }
  if (!in.has(header->block_size(time_size))) {
    return fail(ErrorCode::kCorrupt, "time zone '{}': truncated TZif file", name);
  }
  TimeZone zone;
  zone.name_ = std::move(name);
  std::vector<int64_t> times(header->timecnt);
  for (auto& t : times) t = in.big_endian(time_size);
  std::vector<unsigned char> type_of(header->timecnt);
  for (auto& type : type_of) type = static_cast<unsigned char>(in.take(1)[0]);
  std::vector<seconds> type_offsets(header->typecnt);
  for (auto& offset : type_offsets) {
    offset = seconds(in.big_endian(4));
    in.take(2);  // isdst, designation index
    if (offset < seconds(-26 * 3600) || offset > seconds(26 * 3600)) {
      return fail(ErrorCode::kCorrupt, "time zone '{}': offset {} s out of range", zone.name_,
                  offset.count());
    }
  }
  in.take(header->charcnt + header->leapcnt * (time_size + 4) + header->isstdcnt + header->isutcnt);
  for (size_t i = 0; i < times.size(); ++i) {
    if (type_of[i] >= type_offsets.size() || (i > 0 && times[i] <= times[i - 1])) {
      return fail(ErrorCode::kCorrupt, "time zone '{}': transition {} is invalid", zone.name_, i);
    }
    zone.transitions_.push_back(Seconds(seconds(times[i])));
    zone.offsets_.push_back(type_offsets[type_of[i]]);
  }
  zone.initial_offset_ = type_offsets[0];
  if (time_size == 8) {
    const std::string_view footer = in.rest();
    const size_t end = footer.size() > 1 ? footer.find('\n', 1) : std::string_view::npos;
    if (footer.empty() || footer[0] != '\n' || end == std::string_view::npos) {
      return fail(ErrorCode::kCorrupt, "time zone '{}': missing TZif footer", zone.name_);
    }
    const std::string_view tz = footer.substr(1, end - 1);
    if (!tz.empty()) {
      auto rule = parse_posix_tz(tz);
      if (!rule)
        return fail(ErrorCode::kCorrupt, "time zone '{}': {}", zone.name_, rule.error().message());
      zone.rule_ = *rule;
    }
  }
  return zone;
}

TimeZone::Segment TimeZone::rule_segment(Seconds t) const {
  if (!rule_->dst_offset) return {rule_->std_offset, Seconds::max()};
  const int year = static_cast<int>(
      std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(t)).year());
  std::vector<std::pair<Seconds, seconds>> changes;
  for (int y = year - 1; y <= year + 1; ++y) {
    changes.emplace_back(rule_instant(y, rule_->dst_start, rule_->std_offset), *rule_->dst_offset);
    changes.emplace_back(rule_instant(y, rule_->dst_end, *rule_->dst_offset), rule_->std_offset);
  }
  std::ranges::sort(changes);
  Segment segment{rule_->std_offset, Seconds::max()};
  for (const auto& [at, offset] : changes) {
    if (at <= t) {
      segment.offset = offset;
    } else {
      segment.end = at;
      break;
    }
  }
  return segment;
}

TimeZone::Segment TimeZone::segment_at(Seconds t) const {
  const auto next = std::ranges::upper_bound(transitions_, t);
  if (next == transitions_.end()) {
    if (rule_) return rule_segment(t);
    return {transitions_.empty() ? initial_offset_ : offsets_.back(), Seconds::max()};
  }
  const auto index = next - transitions_.begin();
  return {index == 0 ? initial_offset_ : offsets_[index - 1], *next};
}

}  // namespace aiotops::schedule
