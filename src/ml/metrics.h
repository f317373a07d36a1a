#pragma once
// Binary classification metrics over (score, label) pairs, matching scikit-learn's definitions.
// Scores are P(label = 1) in [0, 1]; labels are doubles that must be exactly 0 or 1. A row is
// predicted positive when score >= threshold. Every function is O(n log n), allocates O(n) and
// is thread-safe (no shared state).

#include <cstddef>
#include <span>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace aiotops::ml {

struct ConfusionMatrix {
  size_t true_positives = 0;
  size_t false_positives = 0;
  size_t true_negatives = 0;
  size_t false_negatives = 0;
};

// Metrics at one threshold. roc_auc and pr_auc are NaN when only one class is present (they are
// undefined then); to_json writes them as null. precision is 0 when nothing is predicted
// positive, recall is 0 when there are no positives, f1 is 0 when both are 0 (scikit-learn's
// zero_division=0).
struct BinaryMetrics {
  size_t rows = 0;
  size_t positives = 0;    // rows with label 1
  double threshold = 0.5;  // probability at or above which a row is predicted positive
  double accuracy = 0;
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  double roc_auc = 0;   // NaN when one class only
  double pr_auc = 0;    // average precision; NaN when one class only
  double log_loss = 0;  // natural log, mean per row
  ConfusionMatrix confusion;
};

// Checks that every label is exactly 0 or 1. Fails with kInvalidArgument naming the first bad row.
Status validate_binary_labels(std::span<const double> labels);

// All metrics at `threshold` (finite). Fails with kInvalidArgument when there are no rows, sizes
// differ, a label is not 0/1 or a score is not in [0, 1] (naming the row).
Result<BinaryMetrics> compute_metrics(std::span<const double> scores,
                                      std::span<const double> labels, double threshold);

// Area under the ROC curve, as sklearn.metrics.roc_auc_score: tied scores form one threshold and
// the curve is integrated by trapezoids over the distinct thresholds. Fails with
// kInvalidArgument when only one class is present or the inputs are invalid (as above).
Result<double> roc_auc(std::span<const double> scores, std::span<const double> labels);

// PR-AUC reported as average precision, sklearn.metrics.average_precision_score:
// sum over distinct thresholds of (R_n - R_{n-1}) * P_n (a step function, no interpolation).
// Fails with kInvalidArgument when only one class is present or the inputs are invalid.
Result<double> pr_auc(std::span<const double> scores, std::span<const double> labels);

// Mean negative log-likelihood, as sklearn.metrics.log_loss (its default eps="auto"): scores
// are clipped to [e, 1 - e] with e = 2^-52, the double machine epsilon, so a certain mistake
// costs 52 ln 2 = 36.04. `sample_weights`, when not empty, holds one non-negative finite
// weight per row with a positive sum and gives the weighted mean. Fails with kInvalidArgument
// on invalid inputs.
Result<double> log_loss(std::span<const double> scores, std::span<const double> labels,
                        std::span<const double> sample_weights = {});

enum class ThresholdRule {
  kMaxF1,         // the threshold with the highest F1 (the highest such threshold on ties)
  kTargetRecall,  // the highest threshold whose recall reaches target_recall
};

// A chosen threshold and the metrics it gives on the data it was chosen on.
struct ThresholdChoice {
  double threshold = 0.5;
  double f1 = 0;
  double precision = 0;
  double recall = 0;
};

// Picks a threshold among the distinct scores (predict positive when score >= threshold).
// target_recall is used by kTargetRecall and must be in (0, 1]. Fails with kInvalidArgument
// when there is no positive label or the inputs are invalid.
Result<ThresholdChoice> select_threshold(std::span<const double> scores,
                                         std::span<const double> labels, ThresholdRule rule,
                                         double target_recall = 0.9);

// Keys: rows, positives, threshold, accuracy, precision, recall, f1, roc_auc, pr_auc, log_loss,
// confusion {tp, fp, tn, fn}. NaN values are written as null.
nlohmann::json to_json(const BinaryMetrics& metrics);

}  // namespace aiotops::ml
