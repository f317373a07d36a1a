#include "drift/sorted_sample.h"

#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace aiotops::drift {
namespace {

TEST(SortedSampleTest, SortsACopy) {
  const std::vector<double> values{3, -1, 2, 2};
  const auto s = SortedSample::from_values(values, "x").value();
  EXPECT_EQ(std::vector<double>(s.values().begin(), s.values().end()),
            (std::vector<double>{-1, 2, 2, 3}));
  EXPECT_EQ(s.min(), -1);
  EXPECT_EQ(s.max(), 3);
  EXPECT_EQ(values[0], 3);
}

TEST(SortedSampleTest, RefusesEmptyAndNonFiniteSamplesNamingThem) {
  const auto empty = SortedSample::from_values({}, "current/temperature");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(empty.error().message().find("current/temperature"), std::string::npos);
  for (double bad : {std::nan(""), std::numeric_limits<double>::infinity()}) {
    const std::vector<double> values{1, bad};
    const auto r = SortedSample::from_values(values, "sound");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("value 1"), std::string::npos) << r.error().message();
  }
}

TEST(SortedSampleTest, FromSortedChecksTheOrder) {
  EXPECT_TRUE(SortedSample::from_sorted({1, 1, 2}, "x"));
  const auto r = SortedSample::from_sorted({1, 3, 2}, "x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("value 2"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace aiotops::drift
