#pragma once
// The validation report: data quality, per-feature drift, the verdict and the settings used, as
// JSON (what `aiotops validate --json` prints; top-level scalars are a workflow step's outputs)
// and as a self-contained HTML page (inline CSS and SVG, one histogram overlay per feature).
// Both are deterministic: the same report gives the same bytes.

#include <string>

#include <nlohmann/json.hpp>

#include "validate/feature_drift.h"
#include "validate/quality.h"

namespace aiotops::validate {

struct ValidationReport {
  std::string data;       // what was validated: a path or "registry:NAME@VERSION"
  std::string reference;  // what it was compared with, named the same way
  size_t reference_rows = 0;
  QualityReport quality;  // of `data`
  DriftReport drift;
  nlohmann::json settings;  // settings_json() of the options used
};

// The options as the report records them (thresholds, correction, KS mode, failing checks).
// Thread-safe.
nlohmann::json settings_json(const QualityOptions& quality, const DriftOptions& drift);

// The JSON form: top-level "drift" (bool), "quality_ok" (bool), counts, "features" by name
// (ks_statistic, ks_pvalue, psi, wasserstein, drift, ...; chi2_* for categorical features),
// "quality" with every finding and its examples, "settings". NaN values are null. Layout:
// docs/drift.md. Thread-safe.
nlohmann::json to_json(const ValidationReport& report);

// The HTML page: verdict, the per-feature table, one <svg> per feature (reference vs data share
// per PSI bin or category), the quality findings and the settings. Text from the data (names,
// devices) is escaped. Thread-safe.
std::string to_html(const ValidationReport& report);

}  // namespace aiotops::validate
