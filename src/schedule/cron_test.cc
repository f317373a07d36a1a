// Cron expressions: every syntax element, month ends, leap years, the day-of-month/day-of-week
// rule, and fire times in Europe/Berlin and America/Los_Angeles across DST changes (the cases of
// Argo's cron-workflows documentation).
#include "schedule/cron.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include <fmt/format.h>

namespace aiotops::schedule {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// "2024-02-28 23:59" (UTC) as an instant.
Seconds at(std::string_view text) {
  int y = 0;
  unsigned mo = 0, d = 0, h = 0, mi = 0;
  EXPECT_EQ(std::sscanf(std::string(text).c_str(), "%d-%u-%u %u:%u", &y, &mo, &d, &h, &mi), 5)
      << text;
  using namespace std::chrono;
  return sys_days(year(y) / month(mo) / day(d)) + hours(h) + minutes(mi);
}

std::string show(Seconds t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day date(day);
  const hh_mm_ss time(t - day);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     time.hours().count(), time.minutes().count());
}

// The next `n` fire times after `from` (UTC unless a zone is given), as "YYYY-MM-DD HH:MM" UTC.
std::vector<std::string> fires(std::string_view expression, std::string_view from, int n,
                               const TimeZone& zone = TimeZone::utc()) {
  auto schedule = CronSchedule::parse(expression);
  EXPECT_TRUE(schedule) << schedule.error().message();
  std::vector<std::string> out;
  if (!schedule) return out;
  Seconds t = at(from);
  for (int i = 0; i < n; ++i) {
    auto next = schedule->next(t, zone);
    if (!next) break;
    out.push_back(show(*next));
    t = *next;
  }
  return out;
}

TEST(Cron, EveryMinuteIsStrictlyAfter) {
  EXPECT_THAT(fires("* * * * *", "2026-01-01 10:00", 2),
              ElementsAre("2026-01-01 10:01", "2026-01-01 10:02"));
}

TEST(Cron, ListsRangesAndSteps) {
  EXPECT_THAT(fires("5,10-12 * * * *", "2026-01-01 10:00", 5),
              ElementsAre("2026-01-01 10:05", "2026-01-01 10:10", "2026-01-01 10:11",
                          "2026-01-01 10:12", "2026-01-01 11:05"));
  EXPECT_THAT(fires("*/20 * * * *", "2026-01-01 10:00", 3),
              ElementsAre("2026-01-01 10:20", "2026-01-01 10:40", "2026-01-01 11:00"));
  EXPECT_THAT(
      fires("10-30/10 9 * * *", "2026-01-01 00:00", 4),
      ElementsAre("2026-01-01 09:10", "2026-01-01 09:20", "2026-01-01 09:30", "2026-01-02 09:10"));
  // "a/n" is "a-max/n".
  EXPECT_THAT(fires("50/5 * * * *", "2026-01-01 10:00", 3),
              ElementsAre("2026-01-01 10:50", "2026-01-01 10:55", "2026-01-01 11:50"));
  EXPECT_THAT(fires("0 ? * * *", "2026-01-01 10:30", 1), ElementsAre("2026-01-01 11:00"));
}

TEST(Cron, MonthAndWeekdayNamesInAnyCase) {
  EXPECT_THAT(fires("0 0 1 jan,JUL *", "2026-02-01 00:00", 2),
              ElementsAre("2026-07-01 00:00", "2027-01-01 00:00"));
  // 2026-01-05 is a Monday.
  EXPECT_THAT(fires("0 8 * * MON-fri", "2026-01-02 09:00", 3),
              ElementsAre("2026-01-05 08:00", "2026-01-06 08:00", "2026-01-07 08:00"));
  EXPECT_THAT(fires("0 8 * * 0", "2026-01-01 00:00", 1), ElementsAre("2026-01-04 08:00"));
}

TEST(Cron, Descriptors) {
  EXPECT_THAT(fires("@hourly", "2026-01-01 10:30", 1), ElementsAre("2026-01-01 11:00"));
  EXPECT_THAT(fires("@daily", "2026-01-01 10:30", 1), ElementsAre("2026-01-02 00:00"));
  EXPECT_THAT(fires("@midnight", "2026-01-01 10:30", 1), ElementsAre("2026-01-02 00:00"));
  EXPECT_THAT(fires("@weekly", "2026-01-01 10:30", 1), ElementsAre("2026-01-04 00:00"));
  EXPECT_THAT(fires("@monthly", "2026-01-31 10:30", 1), ElementsAre("2026-02-01 00:00"));
  EXPECT_THAT(fires("@yearly", "2026-01-01 10:30", 1), ElementsAre("2027-01-01 00:00"));
  EXPECT_THAT(fires("@annually", "2026-01-01 10:30", 1), ElementsAre("2027-01-01 00:00"));
}

TEST(Cron, EveryIsRelativeToThePreviousFire) {
  auto schedule = CronSchedule::parse("@every 1h30m");
  ASSERT_TRUE(schedule);
  EXPECT_EQ(schedule->next(at("2026-01-01 10:07"), TimeZone::utc()), at("2026-01-01 11:37"));
  auto short_one = CronSchedule::parse("@every 200ms");  // robfig: at least one second
  ASSERT_TRUE(short_one);
  EXPECT_EQ(short_one->next(at("2026-01-01 10:07"), TimeZone::utc()),
            at("2026-01-01 10:07") + std::chrono::seconds(1));
}

TEST(Cron, MonthEndsAndLeapYears) {
  EXPECT_THAT(fires("0 0 31 * *", "2026-01-31 00:00", 3),
              ElementsAre("2026-03-31 00:00", "2026-05-31 00:00", "2026-07-31 00:00"));
  EXPECT_THAT(fires("0 12 29 2 *", "2026-01-01 00:00", 2),
              ElementsAre("2028-02-29 12:00", "2032-02-29 12:00"));
  EXPECT_THAT(fires("0 0 30 * *", "2026-01-30 00:00", 1), ElementsAre("2026-03-30 00:00"));
  // February 30th never comes: robfig gives up after five years, so do we.
  EXPECT_THAT(fires("0 0 30 2 *", "2026-01-01 00:00", 1), ElementsAre());
}

TEST(Cron, DayOfMonthOrDayOfWeekWhenBothAreRestricted) {
  // The 13th or any Friday: 2026-02-06 and 2026-02-13 are Fridays.
  EXPECT_THAT(fires("0 0 13 * 5", "2026-02-01 00:00", 3),
              ElementsAre("2026-02-06 00:00", "2026-02-13 00:00", "2026-02-20 00:00"));
  EXPECT_THAT(fires("0 0 1 * 3", "2026-03-30 00:00", 2),
              ElementsAre("2026-04-01 00:00", "2026-04-08 00:00"));
  // With * (or ?) in one of them both must match: Fridays only.
  EXPECT_THAT(fires("0 0 * * 5", "2026-02-01 00:00", 1), ElementsAre("2026-02-06 00:00"));
  EXPECT_THAT(fires("0 0 ? * 5", "2026-02-01 00:00", 1), ElementsAre("2026-02-06 00:00"));
  // */1 keeps the star bit, */2 does not (robfig): then it is "odd days or Fridays".
  EXPECT_THAT(
      fires("0 0 */2 * 5", "2026-02-01 00:00", 4),
      ElementsAre("2026-02-03 00:00", "2026-02-05 00:00", "2026-02-06 00:00", "2026-02-07 00:00"));
}

struct BadSchedule {
  const char* text;
  const char* message;
};

class CronRejects : public ::testing::TestWithParam<BadSchedule> {};

TEST_P(CronRejects, NamingTheField) {
  auto schedule = CronSchedule::parse(GetParam().text);
  ASSERT_FALSE(schedule) << GetParam().text;
  EXPECT_EQ(schedule.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(schedule.error().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CronRejects,
    ::testing::Values(BadSchedule{"* * * *", "expected 5 fields"},
                      BadSchedule{"0 * * * * *", "expected 5 fields"},
                      BadSchedule{"60 * * * *", "minute: '60' is outside 0-59"},
                      BadSchedule{"0 24 * * *", "hour: '24' is outside 0-23"},
                      BadSchedule{"0 0 0 * *", "day of month: '0' is outside 1-31"},
                      BadSchedule{"0 0 * 13 *", "month: '13' is outside 1-12"},
                      BadSchedule{"0 0 * * 7", "day of week: '7' is outside 0-6"},
                      BadSchedule{"*/0 * * * *", "step '0' must be a positive number"},
                      BadSchedule{"30-10 * * * *", "runs backwards"},
                      BadSchedule{"0 0 * FOO *", "'FOO' is not a value"},
                      BadSchedule{"1-2-3 * * * *", "not a value, range or step"},
                      BadSchedule{"@fortnightly", "unknown descriptor"},
                      BadSchedule{"@every soon", "schedule '@every soon'"},
                      BadSchedule{"", "expected 5 fields"}));

TEST(CronTimeZone, BerlinSpringForwardSkipsTheMissingHour) {
  auto berlin = TimeZone::locate("Europe/Berlin");
  ASSERT_TRUE(berlin) << berlin.error().message();
  // 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00 UTC). 02:30 local does not exist that day.
  EXPECT_THAT(fires("30 2 * * *", "2026-03-27 12:00", 3, *berlin),
              ElementsAre("2026-03-28 01:30", "2026-03-30 00:30", "2026-03-31 00:30"));
  // Hourly: 01:00 CET, then 03:00 CEST, one hour later in real time.
  EXPECT_THAT(fires("0 * * * *", "2026-03-29 00:00", 3, *berlin),
              ElementsAre("2026-03-29 01:00", "2026-03-29 02:00", "2026-03-29 03:00"));
}

TEST(CronTimeZone, BerlinFallBackRepeatsTheHour) {
  auto berlin = TimeZone::locate("Europe/Berlin");
  ASSERT_TRUE(berlin) << berlin.error().message();
  // 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00 UTC); 02:30 local happens twice.
  EXPECT_THAT(fires("30 2 * * *", "2026-10-24 12:00", 3, *berlin),
              ElementsAre("2026-10-25 00:30", "2026-10-25 01:30", "2026-10-26 01:30"));
  EXPECT_THAT(fires("0 3 * * *", "2026-10-24 12:00", 2, *berlin),
              ElementsAre("2026-10-25 02:00", "2026-10-26 02:00"));
}

TEST(CronTimeZone, ArgosLosAngelesTable) {
  auto la = TimeZone::locate("America/Los_Angeles");
  ASSERT_TRUE(la) << la.error().message();
  // DST start 2020-03-08: "0 2 * * *" first fires on the 9th at 02:00 PDT (09:00 UTC).
  EXPECT_THAT(fires("0 2 * * *", "2020-03-07 12:00", 2, *la),
              ElementsAre("2020-03-09 09:00", "2020-03-10 09:00"));
  EXPECT_THAT(fires("59 1 * * *", "2020-03-08 00:00", 2, *la),
              ElementsAre("2020-03-08 09:59", "2020-03-09 08:59"));
  // DST end 2020-11-01: 01:59 fires at 01:59 PDT and again at 01:59 PST.
  EXPECT_THAT(fires("59 1 * * *", "2020-11-01 00:00", 3, *la),
              ElementsAre("2020-11-01 08:59", "2020-11-01 09:59", "2020-11-02 09:59"));
  EXPECT_THAT(fires("1 2 * * *", "2020-11-01 00:00", 2, *la),
              ElementsAre("2020-11-01 10:01", "2020-11-02 10:01"));
}

TEST(CronTimeZone, FarFutureUsesTheFootersRule) {
  auto berlin = TimeZone::locate("Europe/Berlin");
  ASSERT_TRUE(berlin);
  // Beyond the transitions Debian's files list (2037): the POSIX rule of the footer.
  EXPECT_THAT(fires("0 12 1 7 *", "2050-01-01 00:00", 1, *berlin), ElementsAre("2050-07-01 10:00"));
  EXPECT_THAT(fires("0 12 1 1 *", "2050-06-01 00:00", 1, *berlin), ElementsAre("2051-01-01 11:00"));
}

}  // namespace
}  // namespace aiotops::schedule
