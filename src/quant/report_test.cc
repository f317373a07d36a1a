#include "quant/report.h"

#include <cmath>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiotops::quant {
namespace {

using ::testing::HasSubstr;

TEST(CompareScoresTest, MeasuresErrorsAndFlipsAtTheThreshold) {
  const std::vector<double> reference{0.10, 0.49, 0.51, 0.90};
  const std::vector<double> quantized{0.12, 0.50, 0.50, 0.90};
  auto a = compare_scores(reference, quantized, 0.5);
  ASSERT_TRUE(a.has_value()) << a.error().message();
  EXPECT_EQ(a->rows, 4u);
  EXPECT_NEAR(a->max_abs_error, 0.02, 1e-12);
  EXPECT_NEAR(a->mean_abs_error, (0.02 + 0.01 + 0.01) / 4, 1e-12);
  // 0.49 -> 0.50 crosses upwards (>= threshold), 0.51 -> 0.50 does not cross.
  EXPECT_EQ(a->flips, 1u);
  EXPECT_DOUBLE_EQ(a->flip_rate, 0.25);
}

TEST(CompareScoresTest, RejectsMismatchedOrEmptyInputs) {
  EXPECT_FALSE(compare_scores(std::vector<double>{0.1}, std::vector<double>{}, 0.5).has_value());
  EXPECT_FALSE(compare_scores(std::vector<double>{}, std::vector<double>{}, 0.5).has_value());
}

ml::BinaryMetrics metrics(double auc, double f1) {
  ml::BinaryMetrics m;
  m.roc_auc = auc;
  m.pr_auc = auc;
  m.f1 = f1;
  return m;
}

QuantReport report_with(double float_auc, double float_f1, double q_auc, double q_f1) {
  QuantReport report;
  report.eval_source = "eval.csv";
  report.float_metrics = metrics(float_auc, float_f1);
  report.selected.metrics = metrics(q_auc, q_f1);
  return report;
}

GateLimits limits(std::optional<double> auc, std::optional<double> f1) {
  GateLimits limits;
  limits.max_auc_drop = auc;
  limits.max_f1_drop = f1;
  return limits;
}

TEST(GateTest, PassesWithinTheLimitsAndRefusesBeyond) {
  const QuantReport report = report_with(0.95, 0.80, 0.94, 0.70);
  auto unchecked = apply_gate(report, {});
  ASSERT_TRUE(unchecked.has_value());
  EXPECT_FALSE(unchecked->checked);
  EXPECT_TRUE(unchecked->passed);

  auto within = apply_gate(report, limits(0.02, 0.2));
  ASSERT_TRUE(within.has_value());
  EXPECT_TRUE(within->checked);
  EXPECT_TRUE(within->passed) << within->reasons.front();

  auto auc = apply_gate(report, limits(0.005, std::nullopt));
  ASSERT_TRUE(auc.has_value());
  EXPECT_FALSE(auc->passed);
  ASSERT_EQ(auc->reasons.size(), 1u);
  EXPECT_THAT(auc->reasons[0], HasSubstr("ROC-AUC dropped by 0.010000"));

  auto both = apply_gate(report, limits(0.005, 0.05));
  ASSERT_TRUE(both.has_value());
  EXPECT_FALSE(both->passed);
  EXPECT_EQ(both->reasons.size(), 2u);
}

TEST(GateTest, AnImprovementNeverRefuses) {
  auto gate = apply_gate(report_with(0.90, 0.70, 0.91, 0.72), limits(0, 0));
  ASSERT_TRUE(gate.has_value());
  EXPECT_TRUE(gate->passed);
}

TEST(GateTest, NeedsDefinedMetrics) {
  QuantReport unlabelled;
  unlabelled.eval_source = "unlabelled.csv";
  auto no_labels = apply_gate(unlabelled, limits(std::nullopt, 0.1));
  ASSERT_FALSE(no_labels.has_value());
  EXPECT_EQ(no_labels.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(no_labels.error().message(), HasSubstr("unlabelled.csv"));
  auto one_class = apply_gate(report_with(NAN, 0.5, NAN, 0.5), limits(0.1, std::nullopt));
  ASSERT_FALSE(one_class.has_value());
  EXPECT_THAT(one_class.error().message(), HasSubstr("undefined"));
}

TEST(ReportJsonTest, CarriesDeltasBytesAndTheGate) {
  QuantReport report = report_with(0.95, 0.80, 0.94, 0.70);
  report.eval_rows = 4;
  report.float_model_bytes = 1000;
  report.selected.model_bytes = 600;
  report.selected.arena_bytes = 96;
  report.selected.options.per_channel = true;
  report.alternative.options.weights = WeightMode::kPow2;
  const GateLimits gate_limits = limits(0.005, std::nullopt);
  auto gate = apply_gate(report, gate_limits);
  ASSERT_TRUE(gate.has_value());
  const nlohmann::json json = to_json(report, gate_limits, *gate);
  EXPECT_EQ(json["eval"]["source"], "eval.csv");
  EXPECT_EQ(json["float"]["model_bytes"], 1000);
  EXPECT_EQ(json["selected"]["model_bytes"], 600);
  EXPECT_EQ(json["selected"]["arena_bytes"], 96);
  EXPECT_EQ(json["selected"]["quantization"]["per_channel"], true);
  EXPECT_EQ(json["alternative"]["quantization"]["weights"], "pow2");
  EXPECT_NEAR(json["selected"]["metric_deltas"]["roc_auc"].get<double>(), -0.01, 1e-12);
  EXPECT_NEAR(json["selected"]["metric_deltas"]["f1"].get<double>(), -0.10, 1e-12);
  EXPECT_EQ(json["gate"]["passed"], false);
  EXPECT_EQ(json["gate"]["max_auc_drop"], 0.005);
  EXPECT_TRUE(json["gate"]["max_f1_drop"].is_null());
  EXPECT_THAT(format_report(report, *gate), HasSubstr("REFUSED"));
}

}  // namespace
}  // namespace aiotops::quant
