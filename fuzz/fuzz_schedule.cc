// libFuzzer target: the scheduler's readers of outside bytes. The same bytes go to the cron
// expression parser (then a few fire times in UTC and in the fuzzed zone), the TZif reader and
// the POSIX TZ string parser, with the invariants the scheduler relies on.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_checks.h"
#include "schedule/cron.h"
#include "schedule/time_zone.h"

namespace {

using namespace aiotops::schedule;
using aiotops::fuzz::require;

const Seconds kStart = Seconds(std::chrono::sys_days(std::chrono::year(2026) / 3 / 28));

void check_fires(const CronSchedule& schedule, const TimeZone& zone) {
  Seconds t = kStart;
  for (int i = 0; i < 3; ++i) {
    auto next = schedule.next(t, zone);
    if (!next) return;
    require(*next > t, "a fire time is strictly after the time asked about");
    t = *next;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto zone = TimeZone::from_tzif(text, "fuzz");
  if (zone) {
    for (Seconds t : {kStart, kStart + std::chrono::days(365 * 30)}) {
      const auto segment = zone->segment_at(t);
      require(segment.end > t, "a zone's segment ends after the instant asked about");
    }
  }
  (void)parse_posix_tz(text);
  auto schedule = CronSchedule::parse(text);
  if (schedule) {
    check_fires(*schedule, TimeZone::utc());
    if (zone) check_fires(*schedule, *zone);
  }
  return 0;
}
