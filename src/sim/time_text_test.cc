#include "sim/time_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiotops::sim {
namespace {

using ::testing::HasSubstr;

TEST(StartTime, UnixMillisAndIsoUtc) {
  EXPECT_EQ(parse_start_time("1700000000000").value(), 1700000000000);
  EXPECT_EQ(parse_start_time("2023-11-14T22:13:20Z").value(), 1700000000000);
  EXPECT_EQ(parse_start_time("2023-11-14T22:13:20.250Z").value(), 1700000000250);
  EXPECT_EQ(parse_start_time("1970-01-01").value(), 0);
  EXPECT_EQ(parse_start_time("2024-02-29T00:00:00Z").value(), 1709164800000);
}

TEST(StartTime, RejectsMalformedAndImpossibleDates) {
  for (const char* text :
       {"", "yesterday", "2023-11-14 22:13:20", "2023-11-14T22:13:20", "2023-02-29", "2023-13-01",
        "2023-11-14T24:00:00Z", "1969-12-31", "2023-11-14T22:13:20+01:00", "-5"}) {
    auto start = parse_start_time(text);
    ASSERT_FALSE(start.has_value()) << text;
    EXPECT_THAT(start.error().message(), HasSubstr("ISO-8601"));
  }
}

TEST(FormatUtc, InverseOfParse) {
  EXPECT_EQ(format_utc(1700000000000), "2023-11-14T22:13:20Z");
  EXPECT_EQ(format_utc(1700000000250), "2023-11-14T22:13:20.250Z");
  EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00Z");
  for (int64_t ms : {int64_t{951782400000}, int64_t{4102444799999}, int64_t{1709164800000}}) {
    EXPECT_EQ(parse_start_time(format_utc(ms)).value(), ms);
  }
}

TEST(RatePerHour, CountsPerDuration) {
  EXPECT_DOUBLE_EQ(parse_rate_per_hour("0.5/h").value(), 0.5);
  EXPECT_DOUBLE_EQ(parse_rate_per_hour("2/d").value(), 2.0 / 24.0);
  EXPECT_DOUBLE_EQ(parse_rate_per_hour("1/30m").value(), 2.0);
  EXPECT_DOUBLE_EQ(parse_rate_per_hour("10/s").value(), 36000.0);
  EXPECT_DOUBLE_EQ(parse_rate_per_hour("0/h").value(), 0.0);
  for (const char* text : {"0.5", "/h", "x/h", "-1/h", "1/0s", "1/", "1/parsec", "1e999/h"}) {
    EXPECT_FALSE(parse_rate_per_hour(text).has_value()) << text;
  }
}

TEST(Interval, DurationOrRate) {
  EXPECT_EQ(parse_interval("1s").value(), std::chrono::seconds(1));
  EXPECT_EQ(parse_interval("250ms").value(), std::chrono::milliseconds(250));
  EXPECT_EQ(parse_interval("10/s").value(), std::chrono::milliseconds(100));
  EXPECT_EQ(parse_interval("2/m").value(), std::chrono::seconds(30));
  EXPECT_EQ(parse_interval("3/s").value(), std::chrono::milliseconds(333));
  EXPECT_THAT(parse_interval("0s").error().message(), HasSubstr("at least 1 ms"));
  EXPECT_THAT(parse_interval("5000/s").error().message(), HasSubstr("at least 1 ms"));
  EXPECT_FALSE(parse_interval("fast").has_value());
  EXPECT_FALSE(parse_interval("1e-300/s").has_value());
}

}  // namespace
}  // namespace aiotops::sim
