#include "drift/wasserstein.h"

#include <vector>

#include <gtest/gtest.h>

namespace aiotops::drift {
namespace {

SortedSample sorted(const std::vector<double>& values) {
  return SortedSample::from_values(values, "test").value();
}

TEST(WassersteinTest, AShiftedSampleIsItsShiftAway) {
  EXPECT_DOUBLE_EQ(wasserstein_distance(sorted({0, 1, 3}), sorted({5, 6, 8})), 5.0);
}

TEST(WassersteinTest, UnequalSizesAndTies) {
  // scipy.stats.wasserstein_distance([0, 1], [0, 0, 1, 1, 1]) = |1/2 - 2/5| over [0, 1].
  EXPECT_DOUBLE_EQ(wasserstein_distance(sorted({0, 1}), sorted({0, 0, 1, 1, 1})), 0.1);
  EXPECT_EQ(wasserstein_distance(sorted({2, 2}), sorted({2})), 0.0);
  EXPECT_DOUBLE_EQ(wasserstein_distance(sorted({-1}), sorted({2})), 3.0);
}

TEST(WassersteinTest, IsSymmetric) {
  const auto a = sorted({0.5, 3, 3, 7});
  const auto b = sorted({1, 2, 9});
  EXPECT_DOUBLE_EQ(wasserstein_distance(a, b), wasserstein_distance(b, a));
}

}  // namespace
}  // namespace aiotops::drift
