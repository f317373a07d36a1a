#include "transport/backoff.h"

#include <gtest/gtest.h>

#include <vector>

namespace aiotops::transport {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsByTheMultiplierUpToTheCapWithoutJitter) {
  Backoff backoff(
      {.initial = milliseconds(100), .max = milliseconds(1000), .multiplier = 3.0, .jitter = 0.0},
      1);
  std::vector<int64_t> delays;
  for (int i = 0; i < 6; ++i) delays.push_back(backoff.next().count());
  EXPECT_EQ(delays, (std::vector<int64_t>{100, 300, 900, 1000, 1000, 1000}));
}

TEST(Backoff, ResetStartsOverFromTheInitialDelay) {
  Backoff backoff(
      {.initial = milliseconds(50), .max = milliseconds(400), .multiplier = 2.0, .jitter = 0.0}, 1);
  backoff.next();
  backoff.next();
  EXPECT_EQ(backoff.next(), milliseconds(200));
  backoff.reset();
  EXPECT_EQ(backoff.next(), milliseconds(50));
}

TEST(Backoff, JitterStaysWithinItsFractionAndIsReproducibleBySeed) {
  const BackoffOptions options{
      .initial = milliseconds(1000), .max = milliseconds(8000), .multiplier = 2.0, .jitter = 0.5};
  Backoff first(options, 42);
  Backoff again(options, 42);
  Backoff other(options, 43);
  bool any_differs = false;
  int64_t ceiling = 1000;
  for (int i = 0; i < 20; ++i) {
    const int64_t delay = first.next().count();
    EXPECT_LE(delay, ceiling) << i;
    EXPECT_GE(delay, ceiling / 2) << i;
    EXPECT_EQ(again.next().count(), delay) << i;
    any_differs |= other.next().count() != delay;
    ceiling = std::min<int64_t>(ceiling * 2, 8000);
  }
  EXPECT_TRUE(any_differs);
}

TEST(CheckBackoffOptions, NamesTheBadField) {
  EXPECT_TRUE(check_backoff_options({}).has_value());
  struct Case {
    BackoffOptions options;
    const char* says;
  };
  for (const Case& c :
       {Case{{.initial = milliseconds(0)}, "initial delay must be positive"},
        Case{{.initial = milliseconds(500), .max = milliseconds(100)}, "max delay (100ms)"},
        Case{{.multiplier = 0.5}, "multiplier must be >= 1"},
        Case{{.jitter = 1.5}, "jitter must be in [0, 1]"}}) {
    auto status = check_backoff_options(c.options);
    ASSERT_FALSE(status.has_value()) << c.says;
    EXPECT_NE(status.error().message().find(c.says), std::string::npos) << status.error().message();
  }
}

}  // namespace
}  // namespace aiotops::transport
