#include "validate/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

namespace aiotops::validate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Features "temperature" (normal, shifted by `shift` in the data), "load <x>" (needs escaping;
// the same distribution in both) and "mode" (a categorical code 0/1/2).
telemetry::Dataset sample(unsigned seed, double shift, size_t rows = 400) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(30.0, 2.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  telemetry::Dataset data;
  data.feature_names = {"temperature", "load <x>", "mode"};
  for (size_t r = 0; r < rows; ++r) {
    data.features.push_back(normal(rng) + shift);
    data.features.push_back(uniform(rng));
    data.features.push_back(static_cast<double>(r % 3));
    data.device_ids.push_back(r % 2 == 0 ? "m&1" : "m2");
  }
  return data;
}

ValidationReport make_report(double shift) {
  const auto reference = sample(1, 0);
  auto data = sample(2, shift);
  data.features[4 * 3 + 1] = std::numeric_limits<double>::quiet_NaN();
  DriftOptions drift_options;
  drift_options.categorical = {"mode"};
  drift_options.verdict.drift_share = 0.3;  // one drifted feature of three is dataset drift
  QualityOptions quality_options;
  ValidationReport report;
  report.data = "new.csv";
  report.reference = "registry:fleet@3";
  report.reference_rows = reference.rows();
  auto quality = check_quality(data, reference_ranges(reference), quality_options);
  EXPECT_TRUE(quality) << quality.error().message();
  if (quality) report.quality = *quality;
  auto drift = compare_features(reference, data, data.feature_names, drift_options);
  EXPECT_TRUE(drift) << drift.error().message();
  if (drift) report.drift = *drift;
  report.settings = settings_json(quality_options, drift_options);
  return report;
}

size_t count(const std::string& text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ReportTest, JsonHasTheStepContractAtTopLevel) {
  const nlohmann::json json = to_json(make_report(5.0));
  ASSERT_TRUE(json["drift"].is_boolean());
  EXPECT_TRUE(json["drift"].get<bool>());
  EXPECT_FALSE(json["quality_ok"].get<bool>());  // the missing value
  EXPECT_EQ(json["rows"], 400);
  EXPECT_EQ(json["reference_rows"], 400);
  EXPECT_EQ(json["devices"], 2);
  EXPECT_EQ(json["features_compared"], 3);
  EXPECT_EQ(json["reference"], "registry:fleet@3");
  const auto& temperature = json["features"]["temperature"];
  for (const char* key : {"ks_statistic", "ks_pvalue", "psi", "wasserstein"}) {
    EXPECT_TRUE(temperature[key].is_number()) << key;
  }
  EXPECT_TRUE(temperature["drift"].get<bool>());
  EXPECT_GT(temperature["ks_statistic"].get<double>(), 0.5);
  EXPECT_NEAR(temperature["wasserstein"].get<double>(), 5.0, 0.5);
  EXPECT_EQ(temperature["bins"]["labels"].size(), temperature["bins"]["current_share"].size());
  EXPECT_EQ(temperature["bins"]["edges"].size(), temperature["bins"]["labels"].size() + 1);
  EXPECT_FALSE(json["features"]["load <x>"]["drift"].get<bool>());
  EXPECT_EQ(json["features"]["load <x>"]["count"], 399);  // the missing value left out
  const auto& mode = json["features"]["mode"];
  EXPECT_TRUE(mode["categorical"].get<bool>());
  EXPECT_TRUE(mode["ks_statistic"].is_null());
  EXPECT_EQ(mode["chi2_dof"], 2);
  EXPECT_NEAR(mode["chi2_pvalue"].get<double>(), 1.0, 1e-9);  // identical category counts
  EXPECT_EQ(json["drifted_features"], 1);

  const auto& findings = json["quality"]["findings"];
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0]["check"], "missing_values");
  EXPECT_EQ(findings[0]["feature"], "load <x>");
  EXPECT_EQ(findings[0]["severity"], "error");
  EXPECT_TRUE(findings[0]["examples"][0]["value"].is_null());
  EXPECT_EQ(findings[0]["examples"][0]["device"], "m&1");
  EXPECT_EQ(findings[0]["examples"][0]["row"], 5);
  EXPECT_EQ(json["quality_failures"], 1);
  EXPECT_EQ(json["settings"]["drift"]["correction"], "holm");
  EXPECT_EQ(json["settings"]["quality"]["stuck_readings"], 30);
}

TEST(ReportTest, NoDriftWhenTheDistributionsMatch) {
  const nlohmann::json json = to_json(make_report(0.0));
  EXPECT_FALSE(json["drift"].get<bool>());
  EXPECT_EQ(json["drifted_features"], 0);
}

TEST(ReportTest, HtmlIsSelfContainedWithOneSvgPerFeature) {
  const std::string html = to_html(make_report(5.0));
  EXPECT_EQ(count(html, "<svg "), 3u);
  EXPECT_EQ(count(html, "</svg>"), 3u);
  EXPECT_THAT(html, HasSubstr("<style>"));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("href=")));
  // Names from the data are escaped.
  EXPECT_THAT(html, HasSubstr("load &lt;x&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("load <x>")));
  EXPECT_THAT(html, HasSubstr("m&amp;1, row 5, missing"));
  EXPECT_THAT(html, HasSubstr("registry:fleet@3"));
}

TEST(ReportTest, OutputIsDeterministic) {
  const ValidationReport report = make_report(5.0);
  EXPECT_EQ(to_html(report), to_html(make_report(5.0)));
  EXPECT_EQ(to_json(report).dump(), to_json(make_report(5.0)).dump());
}

TEST(FeatureDriftTest, RefusesUnknownAndEmptyFeatures) {
  const auto reference = sample(1, 0);
  const auto data = sample(2, 0);
  EXPECT_THAT(compare_features(reference, data, {"speed"}).error().message(),
              HasSubstr("feature 'speed' is not in the reference dataset"));
  EXPECT_FALSE(compare_features(reference, data, {}));
  DriftOptions options;
  options.categorical = {"speed"};
  EXPECT_FALSE(compare_features(reference, data, {"temperature"}, options));
  auto empty = data;
  for (size_t r = 0; r < empty.rows(); ++r) {
    empty.features[r * 3] = std::numeric_limits<double>::quiet_NaN();
  }
  EXPECT_THAT(compare_features(reference, empty, {"temperature"}).error().message(),
              HasSubstr("temperature (data)"));
}

}  // namespace
}  // namespace aiotops::validate
