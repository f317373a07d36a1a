#pragma once
// Feature and dataset drift verdicts from per-feature test results. By default a feature drifts
// when its p-value after correction is below its alpha AND its PSI reaches a minimum effect, or
// when its PSI alone reaches the PSI threshold (DriftRule::kEffect); the older rule, p-value OR
// PSI, stays available (DriftRule::kEither). The dataset drifts when the share of drifted
// features reaches drift_share (Evidently's rule, default 0.5). Definitions: docs/drift.md.

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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

// How a feature's significance and effect size combine into its verdict.
enum class DriftRule {
  // Significant (adjusted p < alpha) with at least a moderate effect (PSI >= min_psi), or a
  // large effect alone (PSI >= psi_threshold). Large samples make tiny, harmless differences
  // significant; the effect size keeps them from being called drift. A feature without PSI
  // (categorical) decides on its p-value alone.
  kEffect,
  // Significant, or PSI >= psi_threshold (either alone).
  kEither,
};

// Parses "effect" / "either" (kInvalidArgument otherwise) and names a rule.
Result<DriftRule> parse_drift_rule(std::string_view text);
std::string_view to_string(DriftRule rule);

// Per-feature overrides; a missing member keeps the global value.
struct FeatureThresholds {
  std::optional<double> alpha = std::nullopt;          // probability
  std::optional<double> psi_threshold = std::nullopt;  // PSI
  std::optional<double> min_psi = std::nullopt;        // PSI
};

struct VerdictOptions {
  DriftRule rule = DriftRule::kEffect;
  Correction correction = Correction::kHolm;  // applied over all features of the dataset
  double alpha = 0.05;         // significance level for the adjusted p-value (probability)
  double min_psi = 0.1;        // kEffect: PSI a significant feature must reach to drift
  double psi_threshold = 0.2;  // PSI at or above this is drift; infinity disables the rule
  double drift_share = 0.5;    // dataset drift when drifted / features >= this (fraction)
  // Dataset drift when any drifted feature's PSI reaches this, whatever the share; infinity
  // disables (PSI).
  double decisive_psi = 1.0;
  std::map<std::string, FeatureThresholds> overrides = {};  // by feature name
};

struct FeatureVerdict {
  std::string name;
  double pvalue = 1;           // raw
  double adjusted_pvalue = 1;  // after the correction
  std::optional<double> psi = std::nullopt;
  double alpha = 0.05;         // the alpha used for this feature
  double min_psi = 0.1;        // the minimum effect used for this feature (kEffect)
  double psi_threshold = 0.2;  // the PSI threshold used for this feature
  bool significant = false;    // adjusted_pvalue < alpha
  // Significant and, under kEffect, with PSI >= min_psi (or without PSI).
  bool drift_by_pvalue = false;
  bool drift_by_psi = false;  // PSI >= psi_threshold
  bool drift = false;         // drift_by_pvalue || drift_by_psi
  bool decisive = false;      // drift with PSI >= decisive_psi: the dataset drifts
};

struct DatasetVerdict {
  std::vector<FeatureVerdict> features;  // input order
  size_t drifted = 0;                    // features with drift
  double drifted_share = 0;              // drifted / features
  size_t decisive = 0;                   // features with decisive drift
  bool drift = false;                    // drifted_share >= drift_share || decisive > 0
};

// Decides drift for each feature and the dataset. Fails with kInvalidArgument when there are no
// features, a p-value is outside [0, 1] or NaN, names repeat, an override names an unknown
// feature, or a threshold is out of range (alpha or drift_share not in (0, 1], a PSI threshold
// negative). Thread-safe.
Result<DatasetVerdict> decide(std::span<const FeatureTest> features,
                              const VerdictOptions& options = {});

}  // namespace aiotops::drift
