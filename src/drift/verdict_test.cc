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

TEST(VerdictTest, HolmPValuesOrPsiDecidePerFeatureUnderTheEitherRule) {
  // Holm: 0.001 * 4 = 0.004; 0.02 * 3 = 0.06; then 0.5 * 2 = 1.0 (clipped), 0.9.
  const auto v = decide(kFeatures, {.rule = DriftRule::kEither}).value();
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
  options.rule = DriftRule::kEither;
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

// The default rule: a significant feature drifts only with a moderate effect (PSI >= 0.1); a large
// one (PSI >= 0.2) drifts whatever its p-value.
TEST(VerdictTest, EffectRuleNeedsSignificanceAndAMinimumEffect) {
  const std::vector<FeatureTest> features{
      {.name = "tiny", .pvalue = 1e-40, .psi = 0.05},      // significant, negligible effect
      {.name = "moderate", .pvalue = 1e-40, .psi = 0.12},  // significant, moderate effect
      {.name = "large", .pvalue = 0.5, .psi = 0.25},       // not significant, large effect
      {.name = "unsure", .pvalue = 0.5, .psi = 0.15},      // neither
      {.name = "categorical", .pvalue = 1e-40},            // no PSI: the p-value alone
  };
  const auto v = decide(features).value();
  EXPECT_TRUE(v.features[0].significant);
  EXPECT_FALSE(v.features[0].drift);
  EXPECT_TRUE(v.features[1].drift_by_pvalue);
  EXPECT_FALSE(v.features[1].drift_by_psi);
  EXPECT_FALSE(v.features[2].drift_by_pvalue);
  EXPECT_TRUE(v.features[2].drift_by_psi);
  EXPECT_FALSE(v.features[3].drift);
  EXPECT_TRUE(v.features[4].drift);
  EXPECT_EQ(v.drifted, 3u);
  EXPECT_EQ(v.decisive, 0u);

  // The old rule: significance alone is enough.
  const auto either = decide(features, {.rule = DriftRule::kEither}).value();
  EXPECT_TRUE(either.features[0].drift);
  EXPECT_EQ(either.drifted, 4u);

  // A feature's own minimum effect; the others keep the global one.
  VerdictOptions strict;
  strict.overrides["moderate"] = {.min_psi = 0.2};
  const auto s = decide(features, strict).value();
  EXPECT_FALSE(s.features[1].drift);
  EXPECT_EQ(s.features[1].min_psi, 0.2);
  EXPECT_EQ(s.features[0].min_psi, 0.1);
  EXPECT_EQ(strict.min_psi, 0.1);
}

// One feature far off (PSI >= decisive_psi) makes the dataset drift below the drift share.
TEST(VerdictTest, ADecisiveFeatureMakesTheDatasetDrift) {
  const std::vector<FeatureTest> features{
      {.name = "current", .pvalue = 0.8, .psi = 0.01},
      {.name = "temperature", .pvalue = 1e-12, .psi = 8.3},
      {.name = "vibration", .pvalue = 1e-20, .psi = 0.05},
      {.name = "sound", .pvalue = 0.3, .psi = 0.01},
  };
  const auto v = decide(features).value();
  EXPECT_EQ(v.drifted, 1u);
  EXPECT_TRUE(v.features[1].decisive);
  EXPECT_EQ(v.decisive, 1u);
  EXPECT_TRUE(v.drift);  // 1 of 4 is under the share of 0.5
  VerdictOptions off;
  off.decisive_psi = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(decide(features, off).value().drift);
  // A feature that does not drift (its own PSI threshold above its PSI, and not significant
  // enough) decides nothing.
  VerdictOptions relaxed;
  relaxed.overrides["temperature"] = {.alpha = 1e-300, .psi_threshold = 9.0};
  const auto r = decide(features, relaxed).value();
  EXPECT_FALSE(r.features[1].drift);
  EXPECT_FALSE(r.features[1].decisive);
  EXPECT_FALSE(r.drift);
}

TEST(VerdictTest, ParsesRules) {
  EXPECT_EQ(parse_drift_rule("effect").value(), DriftRule::kEffect);
  EXPECT_EQ(parse_drift_rule("either").value(), DriftRule::kEither);
  EXPECT_FALSE(parse_drift_rule("any"));
  EXPECT_EQ(to_string(DriftRule::kEither), "either");
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
  EXPECT_FALSE(decide(kFeatures, {.min_psi = -1}));
  EXPECT_FALSE(decide(kFeatures, {.decisive_psi = -1}));
}

}  // namespace
}  // namespace aiotops::drift
