#pragma once
// Cron schedules as Argo's CronWorkflow reads them (robfig/cron v3's standard parser): five
// fields "minute hour day-of-month month day-of-week" with *, ?, lists, ranges, steps (a/n means
// a-max/n), month and weekday names (JAN, mon), or a descriptor: @yearly (@annually),
// @monthly, @weekly, @daily (@midnight), @hourly, @every DURATION. When both day fields are
// restricted a day matches either (cron's OR rule); when either is * or ? it must match both.
//
// Fire times in a time zone are the instants whose local wall-clock time matches: a local time
// the clocks skip (spring forward) never fires, one they repeat (fall back) fires twice, as
// Argo's documentation shows for its controller. @every fires every DURATION after the previous
// fire, whatever the zone. Values are immutable: thread-safe to share.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "schedule/time_zone.h"

namespace aiotops::schedule {

class CronSchedule {
 public:
  // Parses `text`. kInvalidArgument naming the text and the field on anything robfig/cron's
  // standard parser refuses (wrong field count, a value out of range, a step of 0, a range
  // that runs backwards, an unknown name or descriptor, an @every duration it cannot read).
  static Result<CronSchedule> parse(std::string_view text);

  // The first fire time strictly after `after`, or nullopt when the fields can never match
  // (e.g. "0 0 30 2 *") within the next five years, as robfig/cron gives up.
  std::optional<Seconds> next(Seconds after, const TimeZone& zone) const;
  const std::string& text() const { return text_; }
  // The interval of an @every schedule; nullopt for field schedules.
  std::optional<std::chrono::seconds> every() const { return every_; }

 private:
  CronSchedule() = default;
  bool day_matches(std::chrono::sys_days day) const;
  // The first matching wall-clock minute at or after `local` (local times written as if UTC),
  // or nullopt before `limit`.
  std::optional<Seconds> next_local(Seconds local, Seconds limit) const;

  std::string text_;
  uint64_t minutes_ = 0;  // bit n: minute n matches
  uint32_t hours_ = 0;
  uint32_t days_ = 0;          // bits 1-31
  uint16_t months_ = 0;        // bits 1-12
  uint8_t weekdays_ = 0;       // bits 0-6, Sunday 0
  bool day_star_ = false;      // day-of-month was * or ? (robfig's star bit)
  bool weekday_star_ = false;  // day-of-week was * or ?
  std::optional<std::chrono::seconds> every_;
};

}  // namespace aiotops::schedule
