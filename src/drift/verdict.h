#pragma once
// Feature and dataset drift verdicts from per-feature test results. A feature drifts when its
// p-value after correction is below its alpha, or when its PSI reaches its PSI threshold; the
// dataset drifts when the share of drifted features reaches drift_share (Evidently's rule,
// default 0.5). Definitions: docs/drift.md.

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "drift/correction.h"

namespace aiotops::drift {

// One feature's test results (KS for numeric features, chi-squared for categorical ones).
struct FeatureTest {
  std::string name;
  double pvalue = 1;                         // raw p-value of the feature's test, in [0, 1]
  std::optional<double> psi = std::nullopt;  // PSI when computed (numeric features)
};

// Per-feature overrides; a missing member keeps the global value.
struct FeatureThresholds {
  std::optional<double> alpha = std::nullopt;          // probability
  std::optional<double> psi_threshold = std::nullopt;  // PSI
};

struct VerdictOptions {
  Correction correction = Correction::kHolm;  // applied over all features of the dataset
  double alpha = 0.05;         // significance level for the adjusted p-value (probability)
  double psi_threshold = 0.2;  // PSI at or above this is drift; infinity disables the rule
  double drift_share = 0.5;    // dataset drift when drifted / features >= this (fraction)
  std::map<std::string, FeatureThresholds> overrides = {};  // by feature name
};

struct FeatureVerdict {
  std::string name;
  double pvalue = 1;           // raw
  double adjusted_pvalue = 1;  // after the correction
  std::optional<double> psi = std::nullopt;
  double alpha = 0.05;         // the alpha used for this feature
  double psi_threshold = 0.2;  // the PSI threshold used for this feature
  bool drift_by_pvalue = false;
  bool drift_by_psi = false;
  bool drift = false;  // drift_by_pvalue || drift_by_psi
};

struct DatasetVerdict {
  std::vector<FeatureVerdict> features;  // input order
  size_t drifted = 0;                    // features with drift
  double drifted_share = 0;              // drifted / features
  bool drift = false;                    // drifted_share >= drift_share
};

// Decides drift for each feature and the dataset. Fails with kInvalidArgument when there are no
// features, a p-value is outside [0, 1] or NaN, names repeat, an override names an unknown
// feature, or a threshold is out of range (alpha or drift_share not in (0, 1], psi_threshold
// negative). Thread-safe.
Result<DatasetVerdict> decide(std::span<const FeatureTest> features,
                              const VerdictOptions& options = {});

}  // namespace aiotops::drift
