#include "drift/correction.h"

#include <vector>

#include <gtest/gtest.h>

namespace aiotops::drift {
namespace {

const std::vector<double> kPvalues{0.01, 0.04, 0.03, 0.005};

void expect_all_near(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-15) << i;
}

TEST(CorrectionTest, BonferroniMultipliesByTheNumberOfTests) {
  expect_all_near(adjust_pvalues(kPvalues, Correction::kBonferroni), {0.04, 0.16, 0.12, 0.02});
  expect_all_near(adjust_pvalues(std::vector<double>{0.3, 0.5}, Correction::kBonferroni),
                  {0.6, 1.0});
}

TEST(CorrectionTest, HolmStepsDownAndStaysMonotone) {
  // Sorted 0.005 0.01 0.03 0.04 times 4 3 2 1 = 0.02 0.03 0.06 0.04; running max 0.06 0.06.
  expect_all_near(adjust_pvalues(kPvalues, Correction::kHolm), {0.03, 0.06, 0.06, 0.02});
  expect_all_near(adjust_pvalues(std::vector<double>{0.2, 0.2, 0.9}, Correction::kHolm),
                  {0.6, 0.6, 0.9});
  expect_all_near(adjust_pvalues(std::vector<double>{0.6, 0.7}, Correction::kHolm), {1.0, 1.0});
}

TEST(CorrectionTest, NoneAndEmpty) {
  expect_all_near(adjust_pvalues(kPvalues, Correction::kNone), kPvalues);
  EXPECT_TRUE(adjust_pvalues({}, Correction::kHolm).empty());
}

TEST(CorrectionTest, NamesParseAndPrint) {
  for (Correction c : {Correction::kNone, Correction::kBonferroni, Correction::kHolm}) {
    EXPECT_EQ(parse_correction(to_string(c)).value(), c);
  }
  EXPECT_FALSE(parse_correction("fdr_bh"));
}

}  // namespace
}  // namespace aiotops::drift
