#include "extract/time_window.h"

#include <gtest/gtest.h>

namespace aiotops::extract {
namespace {

// 2026-11-26T14:00:00Z
constexpr int64_t kT = 1'795'701'600'000;

TEST(TimeWindowTest, TimesAreUnixMillisecondsOrIso8601) {
  EXPECT_EQ(parse_time_point("1795701600000"), kT);
  EXPECT_EQ(parse_time_point("2026-11-26T14:00:00Z"), kT);
  EXPECT_EQ(parse_time_point("2026-11-26T14:00Z"), kT);
  EXPECT_EQ(parse_time_point("2026-11-26T14:00:00.25Z"), kT + 250);
  EXPECT_EQ(parse_time_point("2026-11-26T14:00:00.123456789Z"), kT + 123);
  EXPECT_EQ(parse_time_point("2026-11-26T16:00:00+02:00"), kT);
  EXPECT_EQ(parse_time_point("2026-11-26T13:30:00-00:30"), kT);
  EXPECT_EQ(parse_time_point("2026-11-26 14:00:00"), kT);
  EXPECT_EQ(parse_time_point("2026-11-26"), kT - 14 * 3'600'000);
  for (std::string_view bad :
       {"", "yesterday", "2026-02-30", "2026-11-26T24:00Z", "2026-11-26T14:00:00.Z",
        "2026-11-26T14:00:00Zjunk", "2026-11-26T14:00+2", "-5", "99999999999999999999"}) {
    auto t = parse_time_point(bad);
    ASSERT_FALSE(t) << bad;
    EXPECT_EQ(t.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(format_time_point(kT + 5), "2026-11-26T14:00:00.005Z");
}

TEST(TimeWindowTest, TheWindowIncludesItsStartAndExcludesItsEnd) {
  auto window = make_window("2026-11-26T14:00:00Z", "1795701660000", "", 0);
  ASSERT_TRUE(window) << window.error().message();
  EXPECT_FALSE(window->contains(kT - 1));
  EXPECT_TRUE(window->contains(kT));
  EXPECT_TRUE(window->contains(kT + 59'999));
  EXPECT_FALSE(window->contains(kT + 60'000));
  EXPECT_TRUE(window->overlaps(kT - 10, kT + 1));
  EXPECT_FALSE(window->overlaps(kT - 10, kT));
  EXPECT_FALSE(window->overlaps(kT + 60'000, kT + 70'000));
}

TEST(TimeWindowTest, LastEndsNowAndOpenEndsContainEverything) {
  auto last = make_window("", "", "24h", kT);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->from_ms, kT - 86'400'000);
  EXPECT_EQ(last->to_ms, kT);
  auto open = make_window("", "", "", kT);
  ASSERT_TRUE(open);
  EXPECT_TRUE(open->contains(0));
  EXPECT_TRUE(open->contains(kT * 2));
  auto from_only = make_window("1000", "", "", kT);
  ASSERT_TRUE(from_only);
  EXPECT_FALSE(from_only->contains(999));
  EXPECT_TRUE(from_only->contains(kT * 2));
}

TEST(TimeWindowTest, ContradictoryWindowsAreRefused) {
  EXPECT_FALSE(make_window("2000", "1000", "", 0));
  EXPECT_FALSE(make_window("1000", "1000", "", 0));
  EXPECT_FALSE(make_window("1000", "", "1h", kT));
  EXPECT_FALSE(make_window("", "", "0s", kT));
  EXPECT_FALSE(make_window("", "", "soon", kT));
  auto bad = make_window("noon", "", "", kT);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("--from"), std::string::npos) << bad.error().message();
}

}  // namespace
}  // namespace aiotops::extract
