#pragma once
// Per-feature drift of a dataset against a reference: KS, PSI and Wasserstein-1 for numeric
// features, chi-squared for categorical ones, then the corrected verdict (src/drift). Missing
// (NaN) values are left out of every statistic; the quality checks count them.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "drift/chi2.h"
#include "drift/ks.h"
#include "drift/psi.h"
#include "drift/verdict.h"
#include "telemetry/dataset.h"

namespace aiotops::validate {

struct DriftOptions {
  drift::KsOptions ks;            // mode (auto / exact / asymp); two-sided
  drift::PsiOptions psi;          // bins on reference quantiles
  drift::VerdictOptions verdict;  // rule, correction, thresholds, drift share, overrides
  // Features tested with chi-squared on their distinct values (e.g. a numeric state code).
  std::set<std::string> categorical;
};

// One feature's statistics, the shares the report draws, and its verdict.
struct FeatureDrift {
  std::string name;
  bool categorical = false;
  size_t reference_count = 0;  // values compared (missing ones left out)
  size_t current_count = 0;
  std::optional<drift::KsResult> ks;      // numeric features
  std::optional<drift::PsiResult> psi;    // numeric features
  std::optional<double> wasserstein;      // numeric features, in the feature's unit
  std::optional<drift::Chi2Result> chi2;  // categorical features
  // What the histogram overlay shows: PSI bins (numeric) or categories (categorical), as
  // labels with the reference's and the current data's share of values in each.
  std::vector<std::string> bin_labels;
  std::vector<double> reference_share;
  std::vector<double> current_share;
  drift::FeatureVerdict verdict;
};

struct DriftReport {
  std::vector<FeatureDrift> features;  // in `features` order
  size_t drifted = 0;                  // features with drift
  double drifted_share = 0;            // drifted / features
  size_t decisive = 0;                 // features whose drift alone makes the dataset drift
  bool drift = false;                  // the dataset verdict
};

// Compares feature `features[i]` of `current` with the same-named feature of `reference`.
// Fails with kInvalidArgument when `features` is empty, a name is missing from either dataset,
// a categorical name is not among `features`, a feature has no values left after missing ones
// are dropped, or the options are out of range (naming the feature and dataset). Thread-safe.
Result<DriftReport> compare_features(const telemetry::Dataset& reference,
                                     const telemetry::Dataset& current,
                                     const std::vector<std::string>& features,
                                     const DriftOptions& options = {});

}  // namespace aiotops::validate
