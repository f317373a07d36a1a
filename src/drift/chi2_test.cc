#include "drift/chi2.h"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace aiotops::drift {
namespace {

TEST(Chi2Test, SurvivalFunctionAtKnownQuantiles) {
  EXPECT_NEAR(chi2_sf(3.841458820694124, 1), 0.05, 1e-14);  // chi2.ppf(0.95, 1)
  EXPECT_NEAR(chi2_sf(18.307038053275146, 10), 0.05, 1e-14);
  EXPECT_NEAR(chi2_sf(2, 2), std::exp(-1.0), 1e-15);  // Q(1, 1)
  EXPECT_EQ(chi2_sf(0, 3), 1.0);
  // scipy.stats.chi2.sf: the far tail keeps its relative precision, and so does the body.
  EXPECT_NEAR(chi2_sf(1000, 3) / 1.7994208765314067e-216, 1.0, 1e-12);
  EXPECT_NEAR(chi2_sf(30, 50), 0.9888352197284497, 1e-14);
}

TEST(Chi2Test, SameProportionsAreNotDrift) {
  const std::vector<int64_t> reference{100, 200, 300};
  const std::vector<int64_t> current{10, 20, 30};
  const auto r = chi2_test(reference, current).value();
  EXPECT_NEAR(r.statistic, 0.0, 1e-12);
  EXPECT_NEAR(r.pvalue, 1.0, 1e-12);
  EXPECT_EQ(r.dof, 2);
}

TEST(Chi2Test, CategoriesEmptyInBothAreDropped) {
  const std::vector<int64_t> reference{40, 0, 60};
  const std::vector<int64_t> current{60, 0, 40};
  const auto r = chi2_test(reference, current).value();
  EXPECT_EQ(r.dof, 1);
  EXPECT_NEAR(r.statistic, 8.0, 1e-12);  // 4 cells of 10^2 / 50
  const std::vector<int64_t> one{5};
  const std::vector<int64_t> other{9};
  const auto single = chi2_test(one, other).value();
  EXPECT_EQ(single.dof, 0);
  EXPECT_EQ(single.pvalue, 1.0);
}

TEST(Chi2Test, RawValuesCountPerDistinctString) {
  const std::vector<std::string> reference{"a", "b", "a", "c"};
  const std::vector<std::string> current{"b", "b", "d"};
  const std::vector<int64_t> ref_counts{2, 1, 1, 0};
  const std::vector<int64_t> cur_counts{0, 2, 0, 1};
  const auto by_value = chi2_test(reference, current).value();
  const auto by_count = chi2_test(ref_counts, cur_counts).value();
  EXPECT_EQ(by_value.statistic, by_count.statistic);
  EXPECT_EQ(by_value.dof, 3);
}

TEST(Chi2Test, RefusesMalformedCounts) {
  const std::vector<int64_t> two{1, 2};
  const std::vector<int64_t> three{1, 2, 3};
  const std::vector<int64_t> negative{1, -2};
  const std::vector<int64_t> zeros{0, 0};
  EXPECT_FALSE(chi2_test(two, three));
  EXPECT_FALSE(chi2_test(two, negative));
  const auto empty = chi2_test(zeros, two);
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message().find("reference"), std::string::npos);
  EXPECT_FALSE(chi2_test(std::vector<std::string>{}, std::vector<std::string>{"a"}));
}

}  // namespace
}  // namespace aiotops::drift
