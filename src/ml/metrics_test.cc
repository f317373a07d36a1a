#include "ml/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <vector>

#include "common/files.h"
#include "support/scratch_dir.h"

namespace aiotops::ml {
namespace {

using ::testing::HasSubstr;

// Eight rows with tied scores at 0.8 (one positive, one negative) and at 0.4 (the same).
// P = 4, N = 4. Distinct thresholds, highest first, with cumulative (TP, FP):
//   0.9 (1,0)  0.8 (2,1)  0.6 (3,1)  0.4 (4,2)  0.2 (4,3)  0.1 (4,4)
const std::vector<double> kScores{0.9, 0.8, 0.8, 0.6, 0.4, 0.4, 0.2, 0.1};
const std::vector<double> kLabels{1, 1, 0, 1, 0, 1, 0, 0};

TEST(MetricsTest, RocAucCountsTiesAsHalf) {
  // Trapezoids over (FPR, TPR): (0,0) (0,.25) (.25,.5) (.25,.75) (.5,1) (.75,1) (1,1)
  //   = .25*(.25+.5)/2 + .25*(.75+1)/2 + .25*1 + .25*1 = .09375 + .21875 + .25 + .25 = 0.8125.
  // Pairwise check: positives beat 4 + 3.5 + 3 + 2.5 = 13 of 16 (positive, negative) pairs.
  EXPECT_DOUBLE_EQ(roc_auc(kScores, kLabels).value(), 0.8125);
}

TEST(MetricsTest, AveragePrecisionStepsAtEachDistinctThreshold) {
  // Recall rises by 1/4 at 0.9, 0.8, 0.6 and 0.4 with precision 1/1, 2/3, 3/4 and 4/6:
  // AP = (1 + 2/3 + 3/4 + 2/3) / 4 = (37/12) / 4 = 37/48 = 0.7708333...
  EXPECT_DOUBLE_EQ(pr_auc(kScores, kLabels).value(), 37.0 / 48.0);
}

TEST(MetricsTest, LogLossIsMeanNegativeLogLikelihood) {
  // Positives score .9 .8 .6 .4; negatives score .8 .4 .2 .1, i.e. P(label 0) = .2 .6 .8 .9.
  // -(2 ln .9 + 2 ln .8 + 2 ln .6 + ln .4 + ln .2) / 8 = 4.2043880 / 8 = 0.5255485
  double expected =
      -(2 * std::log(0.9) + 2 * std::log(0.8) + 2 * std::log(0.6) + std::log(0.4) + std::log(0.2)) /
      8;
  EXPECT_NEAR(expected, 0.5255485, 1e-7);
  EXPECT_NEAR(log_loss(kScores, kLabels).value(), expected, 1e-15);
}

TEST(MetricsTest, LogLossClipsCertainMistakes) {
  // Score 0 for a positive is clipped to 2^-52: -ln(2^-52) = 52 ln 2 = 36.04365338911715.
  // Score 1 for a positive is clipped to 1 - 2^-52 and costs about 2^-52, nearly nothing.
  std::vector<double> scores{0.0, 1.0};
  std::vector<double> labels{1, 1};
  EXPECT_NEAR(log_loss(scores, labels).value(), 36.04365338911715 / 2, 1e-12);
}

TEST(MetricsTest, WeightedLogLossEqualsRepeatedRows) {
  std::vector<double> weights{2, 0, 1, 1, 3, 1, 1, 1};
  std::vector<double> repeated_scores, repeated_labels;
  for (size_t i = 0; i < kScores.size(); ++i) {
    for (int copy = 0; copy < weights[i]; ++copy) {
      repeated_scores.push_back(kScores[i]);
      repeated_labels.push_back(kLabels[i]);
    }
  }
  EXPECT_NEAR(log_loss(kScores, kLabels, weights).value(),
              log_loss(repeated_scores, repeated_labels).value(), 1e-15);
  std::vector<double> zero(kScores.size(), 0.0);
  EXPECT_FALSE(log_loss(kScores, kLabels, zero).has_value());
  std::vector<double> negative(kScores.size(), 1.0);
  negative[3] = -1;
  auto bad = log_loss(kScores, kLabels, negative);
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error().message(), HasSubstr("row 3"));
}

TEST(MetricsTest, ComputeMetricsAtThreshold) {
  // At 0.5: predicted positive are .9(1) .8(1) .8(0) .6(1) -> TP 3, FP 1; TN 3, FN 1 (the .4).
  // accuracy 6/8, precision 3/4, recall 3/4, F1 3/4.
  BinaryMetrics m = compute_metrics(kScores, kLabels, 0.5).value();
  EXPECT_EQ(m.rows, 8u);
  EXPECT_EQ(m.positives, 4u);
  EXPECT_EQ(m.confusion.true_positives, 3u);
  EXPECT_EQ(m.confusion.false_positives, 1u);
  EXPECT_EQ(m.confusion.true_negatives, 3u);
  EXPECT_EQ(m.confusion.false_negatives, 1u);
  EXPECT_DOUBLE_EQ(m.threshold, 0.5);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.75);
  EXPECT_DOUBLE_EQ(m.precision, 0.75);
  EXPECT_DOUBLE_EQ(m.recall, 0.75);
  EXPECT_DOUBLE_EQ(m.f1, 0.75);
  EXPECT_DOUBLE_EQ(m.roc_auc, 0.8125);
  EXPECT_DOUBLE_EQ(m.pr_auc, 37.0 / 48.0);
  EXPECT_DOUBLE_EQ(m.log_loss, log_loss(kScores, kLabels).value());
}

TEST(MetricsTest, ThresholdIsInclusive) {
  // At 0.4 the tied .4 rows (one positive, one negative) are predicted positive:
  // TP 4, FP 2 -> precision 4/6, recall 1, F1 = 8 / (8 + 2) = 0.8.
  BinaryMetrics m = compute_metrics(kScores, kLabels, 0.4).value();
  EXPECT_EQ(m.confusion.true_positives, 4u);
  EXPECT_EQ(m.confusion.false_positives, 2u);
  EXPECT_DOUBLE_EQ(m.precision, 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(m.recall, 1.0);
  EXPECT_DOUBLE_EQ(m.f1, 0.8);
}

TEST(MetricsTest, NoPredictedPositivesGivesZeroPrecision) {
  BinaryMetrics m = compute_metrics(kScores, kLabels, 0.95).value();
  EXPECT_EQ(m.confusion.true_positives + m.confusion.false_positives, 0u);
  EXPECT_EQ(m.precision, 0.0);
  EXPECT_EQ(m.recall, 0.0);
  EXPECT_EQ(m.f1, 0.0);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.5);
}

TEST(MetricsTest, OneClassLeavesAucUndefined) {
  std::vector<double> scores{0.2, 0.7, 0.4};
  std::vector<double> labels{0, 0, 0};
  auto auc = roc_auc(scores, labels);
  ASSERT_FALSE(auc.has_value());
  EXPECT_EQ(auc.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(auc.error().message(), HasSubstr("both classes"));
  EXPECT_FALSE(pr_auc(scores, labels).has_value());

  // compute_metrics still reports the rest; the AUCs are NaN and null in JSON.
  BinaryMetrics m = compute_metrics(scores, labels, 0.5).value();
  EXPECT_TRUE(std::isnan(m.roc_auc));
  EXPECT_TRUE(std::isnan(m.pr_auc));
  EXPECT_EQ(m.confusion.false_positives, 1u);
  EXPECT_DOUBLE_EQ(m.accuracy, 2.0 / 3.0);
  EXPECT_EQ(m.recall, 0.0);
  nlohmann::json j = to_json(m);
  EXPECT_TRUE(j["roc_auc"].is_null());
  EXPECT_TRUE(j["pr_auc"].is_null());
  EXPECT_TRUE(j["log_loss"].is_number());
}

TEST(MetricsTest, RejectsBadInputNamingTheRow) {
  std::vector<double> scores{0.1, 0.2, 0.3};
  auto label = compute_metrics(scores, std::vector<double>{0, 0.5, 1}, 0.5);
  ASSERT_FALSE(label.has_value());
  EXPECT_EQ(label.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(label.error().message(), HasSubstr("row 1"));

  auto score = roc_auc(std::vector<double>{0.1, 1.5, 0.3}, std::vector<double>{0, 1, 1});
  ASSERT_FALSE(score.has_value());
  EXPECT_THAT(score.error().message(), HasSubstr("row 1"));

  auto nan = log_loss(std::vector<double>{0.1, NAN}, std::vector<double>{0, 1});
  ASSERT_FALSE(nan.has_value());
  EXPECT_THAT(nan.error().message(), HasSubstr("row 1"));

  EXPECT_FALSE(compute_metrics(scores, std::vector<double>{0, 1}, 0.5).has_value());
  EXPECT_FALSE(compute_metrics({}, {}, 0.5).has_value());
  EXPECT_FALSE(compute_metrics(scores, std::vector<double>{0, 1, 1}, NAN).has_value());
  EXPECT_FALSE(validate_binary_labels(std::vector<double>{1, 0, 2}).has_value());
  EXPECT_TRUE(validate_binary_labels(std::vector<double>{1, 0, 0}).has_value());
}

TEST(MetricsTest, MaxF1Threshold) {
  // F1 = 2TP / (TP + FP + P) at each distinct threshold of kScores:
  //   0.9: 2/5 = .4   0.8: 4/7 = .571   0.6: 6/8 = .75   0.4: 8/10 = .8   0.2: 8/11   0.1: 8/12
  ThresholdChoice c = select_threshold(kScores, kLabels, ThresholdRule::kMaxF1).value();
  EXPECT_DOUBLE_EQ(c.threshold, 0.4);
  EXPECT_DOUBLE_EQ(c.f1, 0.8);
  EXPECT_DOUBLE_EQ(c.precision, 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(c.recall, 1.0);
}

TEST(MetricsTest, MaxF1PrefersTheHigherThresholdOnTies) {
  // P = 2. At 0.9: TP 1, FP 0 -> F1 2/3. At 0.5: TP 2, FP 2 -> F1 4/6 = 2/3. Others lower.
  std::vector<double> scores{0.9, 0.7, 0.6, 0.5};
  std::vector<double> labels{1, 0, 0, 1};
  ThresholdChoice c = select_threshold(scores, labels, ThresholdRule::kMaxF1).value();
  EXPECT_DOUBLE_EQ(c.threshold, 0.9);
  EXPECT_DOUBLE_EQ(c.f1, 2.0 / 3.0);
}

TEST(MetricsTest, TargetRecallThreshold) {
  // Recall at 0.9, 0.8, 0.6, 0.4: .25, .5, .75, 1. Highest threshold with recall >= .7 is 0.6.
  ThresholdChoice c = select_threshold(kScores, kLabels, ThresholdRule::kTargetRecall, 0.7).value();
  EXPECT_DOUBLE_EQ(c.threshold, 0.6);
  EXPECT_DOUBLE_EQ(c.recall, 0.75);
  EXPECT_DOUBLE_EQ(c.precision, 0.75);
  EXPECT_DOUBLE_EQ(c.f1, 0.75);
  // Exactly reaching the target counts.
  EXPECT_DOUBLE_EQ(
      select_threshold(kScores, kLabels, ThresholdRule::kTargetRecall, 0.75).value().threshold,
      0.6);
  EXPECT_DOUBLE_EQ(
      select_threshold(kScores, kLabels, ThresholdRule::kTargetRecall, 1.0).value().threshold, 0.4);
  // The chosen threshold gives the promised recall through compute_metrics.
  EXPECT_DOUBLE_EQ(compute_metrics(kScores, kLabels, c.threshold).value().recall, c.recall);

  EXPECT_FALSE(select_threshold(kScores, kLabels, ThresholdRule::kTargetRecall, 0.0));
  EXPECT_FALSE(select_threshold(kScores, kLabels, ThresholdRule::kTargetRecall, 1.5));
  auto no_positive = select_threshold(std::vector<double>{0.1, 0.2}, std::vector<double>{0, 0},
                                      ThresholdRule::kMaxF1);
  ASSERT_FALSE(no_positive.has_value());
  EXPECT_THAT(no_positive.error().message(), HasSubstr("label 1"));
}

TEST(MetricsTest, JsonHasEveryKey) {
  nlohmann::json j = to_json(compute_metrics(kScores, kLabels, 0.5).value());
  for (const char* key : {"rows", "positives", "threshold", "accuracy", "precision", "recall", "f1",
                          "roc_auc", "pr_auc", "log_loss"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["rows"], 8);
  EXPECT_EQ(j["confusion"]["tp"], 3);
  EXPECT_EQ(j["confusion"]["fp"], 1);
  EXPECT_EQ(j["confusion"]["tn"], 3);
  EXPECT_EQ(j["confusion"]["fn"], 1);
  EXPECT_DOUBLE_EQ(j["roc_auc"].get<double>(), 0.8125);
}

// Cross-check against scikit-learn on random data, run by the reference Python interpreter.
class SklearnCrossCheck : public ::testing::Test {
 protected:
  // sklearn's numbers for (scores, labels, weights) at threshold 0.5, keyed by name.
  std::map<std::string, double> sklearn_metrics(const std::vector<double>& scores,
                                                const std::vector<double>& labels,
                                                const std::vector<double>& weights) {
    std::ostringstream rows;
    rows.precision(17);
    for (size_t i = 0; i < scores.size(); ++i) {
      rows << scores[i] << ' ' << labels[i] << ' ' << weights[i] << '\n';
    }
    EXPECT_TRUE(write_file_atomic(dir_ / "rows.txt", rows.str()).has_value());
    EXPECT_TRUE(write_file_atomic(dir_ / "check.py", kScript).has_value());
    std::string command = std::string(AIOTOPS_REFERENCE_PYTHON) + " " +
                          (dir_ / "check.py").string() + " " + (dir_ / "rows.txt").string();
    std::map<std::string, double> out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
      ADD_FAILURE() << "cannot run " << command;
      return out;
    }
    char name[64];
    double value;
    while (std::fscanf(pipe, "%63s %lf", name, &value) == 2) out[name] = value;
    EXPECT_EQ(::pclose(pipe), 0) << command;
    return out;
  }

  static constexpr const char* kScript = R"(
import sys
import numpy as np
from sklearn import metrics
data = np.loadtxt(sys.argv[1])
s, y, w = data[:, 0], data[:, 1], data[:, 2]
pred = (s >= 0.5).astype(float)
p, r, _ = metrics.precision_recall_curve(y, s)
f1s = np.where(p + r > 0, 2 * p * r / np.where(p + r > 0, p + r, 1), 0)
out = {
    'roc_auc': metrics.roc_auc_score(y, s),
    'pr_auc': metrics.average_precision_score(y, s),
    'log_loss': metrics.log_loss(y, s),
    'weighted_log_loss': metrics.log_loss(y, s, sample_weight=w),
    'f1': metrics.f1_score(y, pred),
    'precision': metrics.precision_score(y, pred, zero_division=0),
    'recall': metrics.recall_score(y, pred),
    'accuracy': metrics.accuracy_score(y, pred),
    'max_f1': f1s.max(),
}
for k, v in out.items():
    print(k, repr(float(v)))
)";
  aiotops::testing::ScratchDir dir_{"metrics-test"};
};

void expect_matches_sklearn(const std::map<std::string, double>& reference,
                            const std::vector<double>& scores, const std::vector<double>& labels,
                            const std::vector<double>& weights) {
  ASSERT_EQ(reference.size(), 9u) << "the reference script did not report every metric";
  constexpr double kTolerance = 1e-12;
  BinaryMetrics m = compute_metrics(scores, labels, 0.5).value();
  EXPECT_NEAR(m.roc_auc, reference.at("roc_auc"), kTolerance);
  EXPECT_NEAR(m.pr_auc, reference.at("pr_auc"), kTolerance);
  EXPECT_NEAR(m.log_loss, reference.at("log_loss"), kTolerance);
  EXPECT_NEAR(m.f1, reference.at("f1"), kTolerance);
  EXPECT_NEAR(m.precision, reference.at("precision"), kTolerance);
  EXPECT_NEAR(m.recall, reference.at("recall"), kTolerance);
  EXPECT_NEAR(m.accuracy, reference.at("accuracy"), kTolerance);
  EXPECT_NEAR(log_loss(scores, labels, weights).value(), reference.at("weighted_log_loss"),
              kTolerance);
  EXPECT_NEAR(select_threshold(scores, labels, ThresholdRule::kMaxF1).value().f1,
              reference.at("max_f1"), kTolerance);
}

// Labels drawn from the score (a calibrated-ish model), so the AUCs are far from 0.5 and 1.
void random_rows(size_t n, bool coarse, uint64_t seed, std::vector<double>& scores,
                 std::vector<double>& labels, std::vector<double>& weights) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (size_t i = 0; i < n; ++i) {
    double s = unit(rng);
    if (coarse) s = std::round(s * 20) / 20;  // 21 distinct values, exact 0 and 1: many ties
    scores.push_back(s);
    labels.push_back(unit(rng) < 0.15 + 0.6 * s ? 1.0 : 0.0);
    weights.push_back(std::round(unit(rng) * 40) / 8);
  }
}

TEST_F(SklearnCrossCheck, ContinuousScores) {
  std::vector<double> scores, labels, weights;
  random_rows(4000, false, 7, scores, labels, weights);
  expect_matches_sklearn(sklearn_metrics(scores, labels, weights), scores, labels, weights);
}

TEST_F(SklearnCrossCheck, HeavilyTiedScores) {
  std::vector<double> scores, labels, weights;
  random_rows(3000, true, 11, scores, labels, weights);
  expect_matches_sklearn(sklearn_metrics(scores, labels, weights), scores, labels, weights);
}

}  // namespace
}  // namespace aiotops::ml
