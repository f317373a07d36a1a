#pragma once
// IANA time zones from the system's tz database (TZif files, RFC 8536, as Debian's tzdata
// installs them under /usr/share/zoneinfo), for cron schedules in a named zone. libstdc++ 12 has
// no std::chrono::locate_zone, so the files are read here: the transitions they list, then the
// POSIX TZ rule of their footer for later times (slim files list few transitions).
// Values are immutable after construction: thread-safe to share.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace aiotops::schedule {

using Seconds = std::chrono::sys_seconds;

// The daylight-saving rule of a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3".
struct PosixTzRule {
  std::chrono::seconds std_offset{0};              // local = UTC + offset
  std::optional<std::chrono::seconds> dst_offset;  // unset: no daylight saving
  // Mm.w.d: month 1-12, week 1-5 (5 = last), weekday 0-6 (Sunday 0); time of day in local
  // time before the change (may be negative or over 24 h, as RFC 8536 allows).
  struct Date {
    unsigned month = 0;
    unsigned week = 0;
    unsigned weekday = 0;
    std::chrono::seconds time{7200};
  };
  Date dst_start;
  Date dst_end;
};

// Parses a POSIX TZ string (names plain or <quoted>, offsets [+-]hh[:mm[:ss]], rules in the M
// form). kInvalidArgument naming the text otherwise, including the Jn and n rule forms, which no
// current zone uses.
Result<PosixTzRule> parse_posix_tz(std::string_view text);

class TimeZone {
 public:
  // UTC: offset 0, no transitions.
  static TimeZone utc();
  // The zone `name` (e.g. "Europe/Berlin", "UTC") from the files under `dir`. kInvalidArgument
  // for a name that is empty, absolute or contains "..", kNotFound for an unknown zone,
  // kCorrupt for a file that is not valid TZif.
  static Result<TimeZone> locate(std::string_view name,
                                 const std::filesystem::path& dir = "/usr/share/zoneinfo");
  // Parses TZif bytes (versions 1-4). kCorrupt naming `name` and what is wrong.
  static Result<TimeZone> from_tzif(std::string_view bytes, std::string name);

  // The offset in force at `t` (local = UTC + offset) and the first instant after `t` at which
  // it changes (Seconds::max() when it never does).
  struct Segment {
    std::chrono::seconds offset{0};
    Seconds end = Seconds::max();
  };
  Segment segment_at(Seconds t) const;
  const std::string& name() const { return name_; }

 private:
  TimeZone() = default;
  Segment rule_segment(Seconds t) const;

  std::string name_ = "UTC";
  std::chrono::seconds initial_offset_{0};     // before the first transition
  std::vector<Seconds> transitions_;           // ascending
  std::vector<std::chrono::seconds> offsets_;  // in force from transitions_[i]
  std::optional<PosixTzRule> rule_;            // after the last transition
};

}  // namespace aiotops::schedule
