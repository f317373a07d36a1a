#include "ml/regression_gate.h"

#include <cmath>
#include <limits>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ml/test_data.h"
#include "ml/trainer.h"

namespace aiotops::ml {
namespace {

using ::testing::HasSubstr;

BinaryMetrics metrics(double roc_auc, double pr_auc, double f1, size_t rows = 100) {
  BinaryMetrics m;
  m.rows = rows;
  m.positives = rows / 4;
  m.roc_auc = roc_auc;
  m.pr_auc = pr_auc;
  m.f1 = f1;
  return m;
}

TEST(RegressionGateTest, MetricNamesRoundTrip) {
  for (GateMetric metric : {GateMetric::kRocAuc, GateMetric::kPrAuc, GateMetric::kF1}) {
    auto parsed = parse_gate_metric(to_string(metric));
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(*parsed, metric);
  }
  auto bad = parse_gate_metric("accuracy");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(bad.error().message(), HasSubstr("roc_auc, pr_auc or f1"));
}

TEST(RegressionGateTest, RefusesARegressionBeyondTheMargin) {
  auto gate = judge_regression(metrics(0.90, 0.7, 0.6), metrics(0.95, 0.8, 0.7), {});
  ASSERT_TRUE(gate) << gate.error().message();
  EXPECT_FALSE(gate->passed);
  EXPECT_DOUBLE_EQ(gate->candidate, 0.90);
  EXPECT_DOUBLE_EQ(gate->baseline, 0.95);
  EXPECT_EQ(gate->rows, 100u);
  ASSERT_EQ(gate->reasons.size(), 1u);
  EXPECT_THAT(gate->reasons[0], HasSubstr("roc_auc of the candidate 0.900000"));
  EXPECT_THAT(gate->reasons[0], HasSubstr("baseline's 0.950000"));
  EXPECT_THAT(gate->reasons[0], HasSubstr("max regression 0.01"));
}

TEST(RegressionGateTest, AcceptsARegressionWithinTheMarginAndAnyImprovement) {
  // 0.945 is 0.005 below 0.95: inside the default margin of 0.01.
  auto within = judge_regression(metrics(0.945, 0, 0), metrics(0.95, 0, 0), {});
  ASSERT_TRUE(within);
  EXPECT_TRUE(within->passed);
  EXPECT_TRUE(within->reasons.empty());
  auto better = judge_regression(metrics(0.99, 0, 0), metrics(0.95, 0, 0), {});
  ASSERT_TRUE(better);
  EXPECT_TRUE(better->passed);
  // A zero margin refuses any loss at all.
  auto strict = judge_regression(metrics(0.949, 0, 0), metrics(0.95, 0, 0),
                                 {.metric = GateMetric::kRocAuc, .max_regression = 0});
  ASSERT_TRUE(strict);
  EXPECT_FALSE(strict->passed);
}

TEST(RegressionGateTest, JudgesTheChosenMetric) {
  // Better ROC-AUC, much worse F1: the f1 gate refuses, the pr_auc gate (equal) passes.
  const BinaryMetrics candidate = metrics(0.97, 0.8, 0.50);
  const BinaryMetrics baseline = metrics(0.95, 0.8, 0.70);
  auto f1 = judge_regression(candidate, baseline, {.metric = GateMetric::kF1});
  ASSERT_TRUE(f1);
  EXPECT_FALSE(f1->passed);
  EXPECT_THAT(f1->reasons.at(0), HasSubstr("f1 of the candidate"));
  auto pr = judge_regression(candidate, baseline, {.metric = GateMetric::kPrAuc});
  ASSERT_TRUE(pr);
  EXPECT_TRUE(pr->passed);
  EXPECT_DOUBLE_EQ(pr->candidate, 0.8);
}

TEST(RegressionGateTest, UndefinedMetricsAndBadOptionsAreErrors) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto one_class = judge_regression(metrics(nan, nan, 0), metrics(nan, nan, 0), {});
  ASSERT_FALSE(one_class);
  EXPECT_EQ(one_class.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(one_class.error().message(), HasSubstr("roc_auc is undefined"));
  auto rows = judge_regression(metrics(0.9, 0, 0, 100), metrics(0.9, 0, 0, 99), {});
  ASSERT_FALSE(rows);
  EXPECT_THAT(rows.error().message(), HasSubstr("100 rows and the baseline on 99"));
  auto negative = judge_regression(metrics(0.9, 0, 0), metrics(0.9, 0, 0),
                                   {.metric = GateMetric::kRocAuc, .max_regression = -0.1});
  ASSERT_FALSE(negative);
  EXPECT_THAT(negative.error().message(), HasSubstr(">= 0"));
}

TEST(RegressionGateTest, JsonCarriesTheVerdictAndBothValues) {
  auto gate = judge_regression(metrics(0.90, 0, 0), metrics(0.95, 0, 0), {});
  ASSERT_TRUE(gate);
  const nlohmann::json json = to_json({}, *gate);
  EXPECT_EQ(json["checked"], true);
  EXPECT_EQ(json["passed"], false);
  EXPECT_EQ(json["metric"], "roc_auc");
  EXPECT_DOUBLE_EQ(json["candidate"].get<double>(), 0.90);
  EXPECT_DOUBLE_EQ(json["baseline"].get<double>(), 0.95);
  EXPECT_NEAR(json["regression"].get<double>(), 0.05, 1e-12);
  EXPECT_EQ(json["reasons"].size(), 1u);
}

// A model trained on three features, evaluated on data holding them in another order and
// on data that misses one: named errors; on the right columns, the metrics of its test part.
TEST(RegressionGateTest, EvaluatesAModelByItsOwnFeatures) {
  const auto rows = testing::make_linear_data(400, {1.5, -1.0, 0.5}, -0.5, false, 4);
  telemetry::Dataset data;
  data.feature_names = {"a", "b", "c"};
  data.label_name = "label";
  for (size_t r = 0; r < 400; ++r) {
    for (Eigen::Index c = 0; c < 3; ++c) {
      data.features.push_back(rows.x(static_cast<Eigen::Index>(r), c));
    }
    data.labels.push_back(rows.labels[r]);
  }
  TrainOptions options;
  options.split.test_fraction = 0.25;
  auto trained = train_model(data, options);
  ASSERT_TRUE(trained) << trained.error().message();
  const telemetry::Dataset test = telemetry::select_rows(data, trained->split.test);
  auto evaluated = evaluate_model(trained->model, test);
  ASSERT_TRUE(evaluated) << evaluated.error().message();
  const nlohmann::json& recorded = trained->model.metadata().metrics["test"];
  EXPECT_EQ(evaluated->rows, recorded["rows"].get<size_t>());
  EXPECT_DOUBLE_EQ(evaluated->roc_auc, recorded["roc_auc"].get<double>());
  EXPECT_DOUBLE_EQ(evaluated->f1, recorded["f1"].get<double>());

  telemetry::Dataset swapped = test;
  swapped.feature_names = {"a", "c", "b"};
  auto wrong = evaluate_model(trained->model, swapped);
  ASSERT_FALSE(wrong);
  EXPECT_THAT(wrong.error().message(),
              HasSubstr("feature 2 is 'b' but the data's column 2 is 'c'"));
  telemetry::Dataset unlabelled = test;
  unlabelled.labels.clear();
  auto no_label = evaluate_model(trained->model, unlabelled);
  ASSERT_FALSE(no_label);
  EXPECT_THAT(no_label.error().message(), HasSubstr("no label column"));
}

}  // namespace
}  // namespace aiotops::ml
