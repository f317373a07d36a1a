#include "ml/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace aiotops::ml {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// scikit-learn's default clipping for log_loss (eps="auto": the float64 machine epsilon).
constexpr double kLogLossEps = std::numeric_limits<double>::epsilon();

// The counts of rows scoring at or above one distinct score.
struct CurvePoint {
  double threshold = 0;
  size_t true_positives = 0;
  size_t false_positives = 0;
};

// One point per distinct score, highest first, with cumulative counts (as sklearn's
// _binary_clf_curve). Inputs must be valid.
std::vector<CurvePoint> threshold_curve(std::span<const double> scores,
                                        std::span<const double> labels) {
  struct Row {
    double score;
    bool positive;
  };
  std::vector<Row> rows(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) rows[i] = {scores[i], labels[i] == 1.0};
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.score > b.score; });
  std::vector<CurvePoint> curve;
  size_t tp = 0;
  size_t fp = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    (rows[i].positive ? tp : fp) += 1;
    if (i + 1 == rows.size() || rows[i + 1].score != rows[i].score) {
      curve.push_back({rows[i].score, tp, fp});
    }
  }
  return curve;
}

Status validate_inputs(std::span<const double> scores, std::span<const double> labels) {
  if (scores.empty()) return fail(ErrorCode::kInvalidArgument, "no rows to evaluate");
  if (scores.size() != labels.size()) {
    return fail(ErrorCode::kInvalidArgument, "{} scores but {} labels", scores.size(),
                labels.size());
  }
  for (size_t i = 0; i < scores.size(); ++i) {
    if (!(scores[i] >= 0.0 && scores[i] <= 1.0)) {
      return fail(ErrorCode::kInvalidArgument, "row {}: score {} is not a probability in [0, 1]", i,
                  scores[i]);
    }
  }
  return validate_binary_labels(labels);
}

size_t count_positives(std::span<const double> labels) {
  return static_cast<size_t>(std::count(labels.begin(), labels.end(), 1.0));
}

// sklearn.metrics.roc_auc_score: trapezoids between consecutive distinct thresholds, starting
// at (0, 0). Summed exactly in integers: each step adds dFP * (TP_prev + TP).
double roc_auc_of(const std::vector<CurvePoint>& curve, size_t positives, size_t negatives) {
  uint64_t twice_area = 0;
  size_t previous_tp = 0;
  size_t previous_fp = 0;
  for (const CurvePoint& point : curve) {
    twice_area += static_cast<uint64_t>(point.false_positives - previous_fp) *
                  (point.true_positives + previous_tp);
    previous_tp = point.true_positives;
    previous_fp = point.false_positives;
  }
  return static_cast<double>(twice_area) /
         (2.0 * static_cast<double>(positives) * static_cast<double>(negatives));
}

// sklearn.metrics.average_precision_score: sum of (R_n - R_{n-1}) * P_n.
double average_precision_of(const std::vector<CurvePoint>& curve, size_t positives) {
  double sum = 0;
  size_t previous_tp = 0;
  for (const CurvePoint& point : curve) {
    if (point.true_positives == previous_tp) continue;
    double precision = static_cast<double>(point.true_positives) /
                       static_cast<double>(point.true_positives + point.false_positives);
    sum += static_cast<double>(point.true_positives - previous_tp) * precision;
    previous_tp = point.true_positives;
  }
  return sum / static_cast<double>(positives);
}

// Neumaier's compensated sum, so a million terms lose no more than a couple of ulps.
class CompensatedSum {
 public:
  void add(double value) {
    double t = sum_ + value;
    compensation_ += std::abs(sum_) >= std::abs(value) ? (sum_ - t) + value : (value - t) + sum_;
    sum_ = t;
  }
  double value() const { return sum_ + compensation_; }

 private:
  double sum_ = 0;
  double compensation_ = 0;
};

struct Rates {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
};

Rates rates(size_t tp, size_t fp, size_t positives) {
  Rates r;
  if (tp == 0) return r;
  r.precision = static_cast<double>(tp) / static_cast<double>(tp + fp);
  r.recall = static_cast<double>(tp) / static_cast<double>(positives);
  r.f1 = 2.0 * static_cast<double>(tp) / static_cast<double>(tp + fp + positives);
  return r;
}

Status require_both_classes(size_t positives, size_t rows, std::string_view metric) {
  if (positives == 0 || positives == rows) {
    return fail(ErrorCode::kInvalidArgument, "{} needs both classes but all {} rows have label {}",
                metric, rows, positives == 0 ? 0 : 1);
  }
  return {};
}

// log_loss on validated scores and labels.
Result<double> log_loss_of(std::span<const double> scores, std::span<const double> labels,
                           std::span<const double> sample_weights) {
  bool weighted = !sample_weights.empty();
  if (weighted && sample_weights.size() != scores.size()) {
    return fail(ErrorCode::kInvalidArgument, "{} sample weights for {} rows", sample_weights.size(),
                scores.size());
  }
  CompensatedSum loss;
  CompensatedSum total_weight;
  for (size_t i = 0; i < scores.size(); ++i) {
    double weight = 1.0;
    if (weighted) {
      weight = sample_weights[i];
      if (!(weight >= 0.0 && std::isfinite(weight))) {
        return fail(ErrorCode::kInvalidArgument,
                    "row {}: sample weight {} is not a finite "
                    "non-negative number",
                    i, weight);
      }
    }
    // As scikit-learn: clip p, form (1 - p, p), renormalise the pair, take the label's entry.
    double p = std::clamp(scores[i], kLogLossEps, 1.0 - kLogLossEps);
    double q = 1.0 - p;
    double chosen = labels[i] == 1.0 ? p : q;
    loss.add(-weight * std::log(chosen / (p + q)));
    total_weight.add(weight);
  }
  if (!(total_weight.value() > 0.0)) {
    return fail(ErrorCode::kInvalidArgument, "sample weights sum to {}, need a positive sum",
                total_weight.value());
  }
  return loss.value() / total_weight.value();
}

nlohmann::json number_or_null(double value) {
  if (std::isnan(value)) return nullptr;
  return value;
}

}  // namespace

Status validate_binary_labels(std::span<const double> labels) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0.0 && labels[i] != 1.0) {
      return fail(ErrorCode::kInvalidArgument, "row {}: label {} is not 0 or 1", i, labels[i]);
    }
  }
  return {};
}

Result<BinaryMetrics> compute_metrics(std::span<const double> scores,
                                      std::span<const double> labels, double threshold) {
  if (!std::isfinite(threshold)) {
    return fail(ErrorCode::kInvalidArgument, "threshold {} is not finite", threshold);
  }
  if (auto ok = validate_inputs(scores, labels); !ok) return fail(ok.error());
  BinaryMetrics m;
  m.rows = scores.size();
  m.threshold = threshold;
  ConfusionMatrix& c = m.confusion;
  for (size_t i = 0; i < scores.size(); ++i) {
    bool predicted = scores[i] >= threshold;
    if (labels[i] == 1.0) {
      (predicted ? c.true_positives : c.false_negatives) += 1;
    } else {
      (predicted ? c.false_positives : c.true_negatives) += 1;
    }
  }
  m.positives = c.true_positives + c.false_negatives;
  m.accuracy =
      static_cast<double>(c.true_positives + c.true_negatives) / static_cast<double>(m.rows);
  Rates r = rates(c.true_positives, c.false_positives, m.positives);
  m.precision = r.precision;
  m.recall = r.recall;
  m.f1 = r.f1;
  if (m.positives == 0 || m.positives == m.rows) {
    m.roc_auc = kNaN;
    m.pr_auc = kNaN;
  } else {
    auto curve = threshold_curve(scores, labels);
    m.roc_auc = roc_auc_of(curve, m.positives, m.rows - m.positives);
    m.pr_auc = average_precision_of(curve, m.positives);
  }
  auto loss = log_loss_of(scores, labels, {});
  if (!loss) return fail(loss.error());
  m.log_loss = *loss;
  return m;
}

Result<double> roc_auc(std::span<const double> scores, std::span<const double> labels) {
  if (auto ok = validate_inputs(scores, labels); !ok) return fail(ok.error());
  size_t positives = count_positives(labels);
  if (auto ok = require_both_classes(positives, labels.size(), "ROC-AUC"); !ok) {
    return fail(ok.error());
  }
  return roc_auc_of(threshold_curve(scores, labels), positives, labels.size() - positives);
}

Result<double> pr_auc(std::span<const double> scores, std::span<const double> labels) {
  if (auto ok = validate_inputs(scores, labels); !ok) return fail(ok.error());
  size_t positives = count_positives(labels);
  if (auto ok = require_both_classes(positives, labels.size(), "PR-AUC"); !ok) {
    return fail(ok.error());
  }
  return average_precision_of(threshold_curve(scores, labels), positives);
}

Result<double> log_loss(std::span<const double> scores, std::span<const double> labels,
                        std::span<const double> sample_weights) {
  if (auto ok = validate_inputs(scores, labels); !ok) return fail(ok.error());
  return log_loss_of(scores, labels, sample_weights);
}

Result<ThresholdChoice> select_threshold(std::span<const double> scores,
                                         std::span<const double> labels, ThresholdRule rule,
                                         double target_recall) {
  if (auto ok = validate_inputs(scores, labels); !ok) return fail(ok.error());
  if (rule == ThresholdRule::kTargetRecall && !(target_recall > 0.0 && target_recall <= 1.0)) {
    return fail(ErrorCode::kInvalidArgument, "target recall {} is not in (0, 1]", target_recall);
  }
  size_t positives = count_positives(labels);
  if (positives == 0) {
    return fail(ErrorCode::kInvalidArgument,
                "cannot choose a threshold: none of the {} rows has label 1", labels.size());
  }
  std::vector<CurvePoint> curve = threshold_curve(scores, labels);
  // The lowest score has recall 1, which reaches any target.
  const CurvePoint* best = &curve.back();
  double best_f1 = -1;
  for (const CurvePoint& point : curve) {
    Rates r = rates(point.true_positives, point.false_positives, positives);
    if (rule == ThresholdRule::kMaxF1 && r.f1 > best_f1) {
      best = &point;
      best_f1 = r.f1;
    }
    if (rule == ThresholdRule::kTargetRecall && r.recall >= target_recall) {
      best = &point;
      break;
    }
  }
  Rates r = rates(best->true_positives, best->false_positives, positives);
  return ThresholdChoice{best->threshold, r.f1, r.precision, r.recall};
}

nlohmann::json to_json(const BinaryMetrics& m) {
  return nlohmann::json{
      {"rows", m.rows},
      {"positives", m.positives},
      {"threshold", m.threshold},
      {"accuracy", m.accuracy},
      {"precision", m.precision},
      {"recall", m.recall},
      {"f1", m.f1},
      {"roc_auc", number_or_null(m.roc_auc)},
      {"pr_auc", number_or_null(m.pr_auc)},
      {"log_loss", m.log_loss},
      {"confusion",
       {{"tp", m.confusion.true_positives},
        {"fp", m.confusion.false_positives},
        {"tn", m.confusion.true_negatives},
        {"fn", m.confusion.false_negatives}}},
  };
}

}  // namespace aiotops::ml
