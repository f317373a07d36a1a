#include "drift/ks.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "drift/drift_test_data.h"

namespace aiotops::drift {
namespace {

using testing::normal_sample;

SortedSample sorted(const std::vector<double>& values) {
  return SortedSample::from_values(values, "test").value();
}

TEST(KsTest, DisjointSamplesOfThreeHaveTheExactTailOfOneInTen) {
  // Of the C(6, 3) = 20 orderings, 2 put one sample wholly below the other.
  const KsResult r = ks_2samp(sorted({1, 2, 3}), sorted({4, 5, 6}));
  EXPECT_DOUBLE_EQ(r.statistic, 1.0);
  EXPECT_NEAR(r.pvalue, 0.1, 1e-15);
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.statistic_sign, 1);  // F1 reaches 1 while F2 is still 0
  EXPECT_EQ(r.statistic_location, 3.0);
}

TEST(KsTest, DisjointSamplesOfEverySmallSizePairHaveTheClosedFormTail) {
  // D = 1 only when one sample lies wholly below the other: 2 of the C(n1 + n2, n1) orderings
  // for the two-sided test, 1 for a one-sided one.
  for (int n1 = 1; n1 <= 25; ++n1) {
    for (int n2 = 1; n2 <= 25; ++n2) {
      std::vector<double> low(n1);
      std::vector<double> high(n2);
      for (int i = 0; i < n1; ++i) low[i] = i;
      for (int i = 0; i < n2; ++i) high[i] = 100 + i;
      double orderings = 1;
      for (int k = 1; k <= n1; ++k) orderings = orderings * (n2 + k) / k;
      const auto a = sorted(low);
      const auto b = sorted(high);
      const KsResult two = ks_2samp(a, b, {.mode = KsMode::kExact});
      const KsResult greater =
          ks_2samp(a, b, {.mode = KsMode::kExact, .alternative = KsAlternative::kGreater});
      ASSERT_TRUE(two.exact && greater.exact) << n1 << " vs " << n2;
      EXPECT_EQ(two.statistic, 1.0);
      EXPECT_NEAR(two.pvalue, std::min(1.0, 2 / orderings), 1e-12 / orderings)
          << n1 << " vs " << n2;
      EXPECT_NEAR(greater.pvalue, 1 / orderings, 1e-12 / orderings) << n1 << " vs " << n2;
    }
  }
}

TEST(KsTest, IdenticalSamplesDoNotDiffer) {
  const auto values = normal_sample(500, 1);
  const KsResult r = ks_2samp(sorted(values), sorted(values));
  EXPECT_EQ(r.statistic, 0.0);
  EXPECT_EQ(r.pvalue, 1.0);
}

TEST(KsTest, AShiftedSampleIsFoundWithTheSignOfItsCdf) {
  const auto reference = sorted(normal_sample(2000, 2));
  const auto shifted = sorted(normal_sample(2000, 3, 0.5));
  const KsResult r = ks_2samp(shifted, reference);
  EXPECT_GT(r.statistic, 0.15);
  EXPECT_LT(r.pvalue, 1e-10);
  EXPECT_EQ(r.statistic_sign, -1);  // the shifted sample's CDF lies below
  const KsResult less = ks_2samp(shifted, reference, {.alternative = KsAlternative::kLess});
  const KsResult greater = ks_2samp(shifted, reference, {.alternative = KsAlternative::kGreater});
  EXPECT_EQ(less.statistic, r.statistic);
  EXPECT_LT(greater.statistic, 0.05);
  EXPECT_GT(greater.pvalue, 0.3);
}

TEST(KsTest, AutoIsExactUpToTenThousandValuesPerSample) {
  const auto a = sorted(normal_sample(10000, 4));
  const auto b = sorted(normal_sample(9000, 5));
  const auto c = sorted(normal_sample(10001, 6));
  EXPECT_TRUE(ks_2samp(a, b).exact);
  EXPECT_FALSE(ks_2samp(a, c).exact);
  EXPECT_FALSE(ks_2samp(a, b, {.mode = KsMode::kAsymp}).exact);
}

TEST(KsTest, ExactFallsBackToAsymptoticWhenTheLcmExceeds32Bits) {
  // 65537 and 65539 are coprime: lcm ~ 4.3e9.
  const auto a = sorted(normal_sample(65537, 7));
  const auto b = sorted(normal_sample(65539, 8, 0.01));
  const KsResult exact = ks_2samp(a, b, {.mode = KsMode::kExact});
  const KsResult asymp = ks_2samp(a, b, {.mode = KsMode::kAsymp});
  EXPECT_FALSE(exact.exact);
  EXPECT_EQ(exact.pvalue, asymp.pvalue);
}

TEST(KsTest, TwoSingleValuesGetTheExactPValueInEveryMode) {
  for (KsMode mode : {KsMode::kAuto, KsMode::kExact, KsMode::kAsymp}) {
    const KsResult r = ks_2samp(sorted({1}), sorted({2}), {.mode = mode});
    EXPECT_EQ(r.statistic, 1.0);
    EXPECT_EQ(r.pvalue, 1.0);
  }
}

TEST(KsTest, RawValuesAreCheckedAndNamed) {
  const auto reference = sorted({1, 2, 3});
  const std::vector<double> with_nan{1, std::nan(""), 2};
  const auto bad = ks_2samp(with_nan, "vibration (new)", reference);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("vibration (new)"), std::string::npos);
  EXPECT_NE(bad.error().message().find("value 1"), std::string::npos);
  EXPECT_FALSE(ks_2samp(std::vector<double>{}, "empty", reference));
  const auto ok = ks_2samp(std::vector<double>{3, 2, 1}, "x", reference);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->statistic, 0.0);
}

TEST(KsTest, ModesParseAndPrint) {
  for (KsMode mode : {KsMode::kAuto, KsMode::kExact, KsMode::kAsymp}) {
    EXPECT_EQ(parse_ks_mode(to_string(mode)).value(), mode);
  }
  const auto bad = parse_ks_mode("approx");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace aiotops::drift
