#include "drift/verdict.h"

#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace aiotops::drift {
namespace {

const std::vector<FeatureTest> kFeatures{
    {.name = "current", .pvalue = 0.001, .psi = 0.05},
    {.name = "temperature", .pvalue = 0.02, .psi = 0.01},
    {.name = "vibration", .pvalue = 0.5, .psi = 0.3},
    {.name = "sound", .pvalue = 0.9, .psi = 0.0},
};

TEST(VerdictTest, HolmPValuesAndPsiDecidePerFeature) {
  // Holm: 0.001 * 4 = 0.004; 0.02 * 3 = 0.06; then 0.5 * 2 = 1.0 (clipped), 0.9.
  const auto v = decide(kFeatures).value();
  ASSERT_EQ(v.features.size(), 4u);
  EXPECT_NEAR(v.features[0].adjusted_pvalue, 0.004, 1e-15);
  EXPECT_TRUE(v.features[0].drift_by_pvalue);
  EXPECT_FALSE(v.features[1].drift);  // 0.06 >= 0.05 after correction
  EXPECT_FALSE(v.features[2].drift_by_pvalue);
  EXPECT_TRUE(v.features[2].drift_by_psi);  // PSI 0.3 >= 0.2
  EXPECT_FALSE(v.features[3].drift);
  EXPECT_EQ(v.drifted, 2u);
  EXPECT_DOUBLE_EQ(v.drifted_share, 0.5);
  EXPECT_TRUE(v.drift);  // 0.5 >= drift_share 0.5
}

TEST(VerdictTest, OverridesChangeOnlyTheirFeature) {
  VerdictOptions options;
  options.correction = Correction::kNone;
  options.overrides["temperature"] = {.alpha = 0.01};
  options.overrides["vibration"] = {.psi_threshold = 0.5};
  const auto v = decide(kFeatures, options).value();
  EXPECT_EQ(v.features[1].alpha, 0.01);
  EXPECT_FALSE(v.features[1].drift);  // 0.02 >= 0.01
  EXPECT_EQ(v.features[0].alpha, 0.05);
  EXPECT_TRUE(v.features[0].drift);
  EXPECT_EQ(v.features[2].psi_threshold, 0.5);
  EXPECT_EQ(v.features[2].alpha, 0.05);
  EXPECT_FALSE(v.features[2].drift);
  EXPECT_EQ(v.drifted, 1u);
  EXPECT_FALSE(v.drift);
  EXPECT_EQ(options.alpha, 0.05);
}

TEST(VerdictTest, PsiRuleCanBeDisabledAndCategoricalFeaturesHaveNone) {
  VerdictOptions options;
  options.psi_threshold = std::numeric_limits<double>::infinity();
  const std::vector<FeatureTest> features{{.name = "status", .pvalue = 0.2},
                                          {.name = "vibration", .pvalue = 0.5, .psi = 9.0}};
  const auto v = decide(features, options).value();
  EXPECT_FALSE(v.features[0].drift);
  EXPECT_FALSE(v.features[1].drift);
  EXPECT_FALSE(v.drift);
}

TEST(VerdictTest, RefusesBadInput) {
  EXPECT_FALSE(decide({}));
  const std::vector<FeatureTest> twice{{.name = "a", .pvalue = 0.1}, {.name = "a", .pvalue = 0.2}};
  EXPECT_FALSE(decide(twice));
  const std::vector<FeatureTest> nan{{.name = "a", .pvalue = std::nan("")}};
  EXPECT_FALSE(decide(nan));
  VerdictOptions unknown;
  unknown.overrides["nope"] = {.alpha = 0.1};
  const auto r = decide(kFeatures, unknown);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("nope"), std::string::npos);
  EXPECT_FALSE(decide(kFeatures, {.alpha = 0}));
  EXPECT_FALSE(decide(kFeatures, {.drift_share = 1.5}));
  EXPECT_FALSE(decide(kFeatures, {.psi_threshold = -1}));
}

}  // namespace
}  // namespace aiotops::drift
