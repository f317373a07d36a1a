#include "drift/psi.h"

#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "drift/drift_test_data.h"

namespace aiotops::drift {
namespace {

SortedSample sorted(const std::vector<double>& values) {
  return SortedSample::from_values(values, "test").value();
}

TEST(PsiTest, TheSameSampleHasZeroPsiAndDecileShares) {
  std::vector<double> values;
  for (int i = 1; i <= 100; ++i) values.push_back(i);
  const auto r = psi(sorted(values), sorted(values)).value();
  EXPECT_EQ(r.psi, 0.0);
  ASSERT_EQ(r.reference_share.size(), 10u);
  ASSERT_EQ(r.edges.size(), 11u);
  EXPECT_EQ(r.edges.front(), 1.0);
  EXPECT_EQ(r.edges.back(), 100.0);
  EXPECT_DOUBLE_EQ(r.edges[1], 10.9);  // numpy.quantile(1..100, 0.1)
  for (double s : r.reference_share) EXPECT_DOUBLE_EQ(s, 0.1);
}

TEST(PsiTest, RepeatedQuantilesFromTiesMergeBins) {
  // Half the reference is 0: the quantiles 0.1 .. 0.4 are all 0 and make one edge (0.5 falls
  // between the last 0 and the 1 after it), so 10 bins become 7.
  std::vector<double> reference(50, 0.0);
  for (int i = 1; i <= 50; ++i) reference.push_back(i);
  const auto r = psi(sorted(reference), sorted(reference)).value();
  EXPECT_EQ(r.reference_share.size(), 7u);
  EXPECT_EQ(r.edges[1], 0.0);
  EXPECT_EQ(r.edges[2], 0.5);
  EXPECT_DOUBLE_EQ(r.reference_share[0], 0.5);  // the zeros, in (-inf, 0]
}

TEST(PsiTest, EmptyBinsUseEpsilon) {
  // A constant reference has one inner edge; a current sample wholly above it fills only the
  // upper bin: PSI = 2 (1 - eps) ln(1 / eps).
  const auto r = psi(sorted({5, 5, 5}), sorted({6, 7}), {.bins = 10, .epsilon = 1e-4}).value();
  ASSERT_EQ(r.reference_share, (std::vector<double>{1, 0}));
  ASSERT_EQ(r.current_share, (std::vector<double>{0, 1}));
  EXPECT_NEAR(r.psi, 2 * (1 - 1e-4) * std::log(1e4), 1e-12);
  EXPECT_EQ(r.edges, (std::vector<double>{5, 5, 7}));
}

TEST(PsiTest, AShiftRaisesPsi) {
  const auto reference = sorted(testing::normal_sample(5000, 1));
  const auto same = sorted(testing::normal_sample(5000, 2));
  const auto shifted = sorted(testing::normal_sample(5000, 3, 0.5));
  EXPECT_LT(psi(reference, same).value().psi, 0.01);
  EXPECT_GT(psi(reference, shifted).value().psi, 0.2);
}

TEST(PsiTest, ExtremeValuesGiveFiniteEdges) {
  const double big = std::numeric_limits<double>::max();
  const auto r = psi(sorted({-big, big}), sorted({0.0}), {.bins = 4}).value();
  for (double e : r.edges) EXPECT_TRUE(std::isfinite(e));
  EXPECT_TRUE(std::isfinite(r.psi));
}

TEST(PsiTest, RefusesBadOptions) {
  const auto s = sorted({1, 2, 3});
  EXPECT_FALSE(psi(s, s, {.bins = 0}));
  EXPECT_FALSE(psi(s, s, {.epsilon = 0}));
  EXPECT_FALSE(psi(s, s, {.epsilon = 1}));
  EXPECT_EQ(psi(s, s, {.bins = 1}).value().reference_share, std::vector<double>{1.0});
}

}  // namespace
}  // namespace aiotops::drift
