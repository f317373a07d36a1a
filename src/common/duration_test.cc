#include "common/duration.h"

#include <gtest/gtest.h>

namespace aiotops {
namespace {

using std::chrono::milliseconds;

TEST(ParseDuration, AcceptsEachUnitAndCombinations) {
  EXPECT_EQ(parse_duration("500ms").value(), milliseconds(500));
  EXPECT_EQ(parse_duration("30s").value(), milliseconds(30'000));
  EXPECT_EQ(parse_duration("2h").value(), milliseconds(7'200'000));
  EXPECT_EQ(parse_duration("1h30m").value(), milliseconds(5'400'000));
  EXPECT_EQ(parse_duration("1.5s").value(), milliseconds(1500));
  EXPECT_EQ(parse_duration("1d").value(), milliseconds(86'400'000));
  EXPECT_EQ(parse_duration("10").value(), milliseconds(10'000));
}

TEST(ParseDuration, RejectsMalformedTextNamingIt) {
  for (const char* bad : {"", "abc", "5x", "-3s", "1h30", "s"}) {
    auto parsed = parse_duration(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_NE(parse_duration("5x").error().message().find("'5x'"), std::string::npos);
}

TEST(FormatDuration, RoundTrips) {
  for (int64_t ms : {0L, 1L, 1500L, 60'000L, 5'400'000L, 90'061'001L}) {
    EXPECT_EQ(parse_duration(format_duration(milliseconds(ms))).value(), milliseconds(ms)) << ms;
  }
  EXPECT_EQ(format_duration(milliseconds(5'400'000)), "1h30m");
}

}  // namespace
}  // namespace aiotops
