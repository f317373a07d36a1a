#include <cmath>

#include "validate/report.h"

namespace aiotops::validate {
namespace {

using nlohmann::json;

// NaN and infinities have no JSON number; they are written as null.
json number(double value) { return std::isfinite(value) ? json(value) : json(); }

json optional_number(const std::optional<double>& value) { return value ? number(*value) : json(); }

json feature_json(const FeatureDrift& feature) {
  const drift::FeatureVerdict& verdict = feature.verdict;
  json out = {
      {"categorical", feature.categorical},
      {"count", feature.current_count},
      {"reference_count", feature.reference_count},
      {"ks_statistic", feature.ks ? number(feature.ks->statistic) : json()},
      {"ks_pvalue", feature.ks ? number(feature.ks->pvalue) : json()},
      {"ks_exact", feature.ks ? json(feature.ks->exact) : json()},
      {"psi", feature.psi ? number(feature.psi->psi) : json()},
      {"wasserstein", optional_number(feature.wasserstein)},
      {"pvalue", number(verdict.pvalue)},
      {"adjusted_pvalue", number(verdict.adjusted_pvalue)},
      {"alpha", number(verdict.alpha)},
      {"min_psi", number(verdict.min_psi)},
      {"psi_threshold", number(verdict.psi_threshold)},
      {"significant", verdict.significant},
      {"drift_by_pvalue", verdict.drift_by_pvalue},
      {"drift_by_psi", verdict.drift_by_psi},
      {"drift", verdict.drift},
      {"decisive", verdict.decisive},
      {"bins",
       {{"labels", feature.bin_labels},
        {"reference_share", feature.reference_share},
        {"current_share", feature.current_share}}},
  };
  if (feature.psi) out["bins"]["edges"] = feature.psi->edges;
  if (feature.chi2) {
    out["chi2_statistic"] = number(feature.chi2->statistic);
    out["chi2_pvalue"] = number(feature.chi2->pvalue);
    out["chi2_dof"] = feature.chi2->dof;
  }
  return out;
}

json finding_json(const QualityFinding& finding) {
  json examples = json::array();
  for (const auto& example : finding.examples) {
    examples.push_back({{"device", example.device},
                        {"row", example.row},
                        {"value", number(example.value)},
                        {"detail", example.detail}});
  }
  return {{"check", to_string(finding.check)},
          {"feature", finding.feature},
          {"count", finding.count},
          {"total", finding.total},
          {"fails", finding.fails},
          {"severity", finding.fails ? "error" : "warning"},
          {"message", finding.message},
          {"examples", std::move(examples)}};
}

}  // namespace

json settings_json(const QualityOptions& quality, const DriftOptions& drift) {
  json limits = json::object();
  for (const auto& [name, range] : quality.physical_limits) {
    limits[name] = {number(range.min), number(range.max)};
  }
  json failing = json::array();
  for (QualityCheck check : kAllQualityChecks) {
    if (quality.failing.contains(check)) failing.push_back(to_string(check));
  }
  json overrides = json::object();
  for (const auto& [name, thresholds] : drift.verdict.overrides) {
    json entry = json::object();
    if (thresholds.alpha) entry["alpha"] = *thresholds.alpha;
    if (thresholds.psi_threshold) entry["psi_threshold"] = number(*thresholds.psi_threshold);
    if (thresholds.min_psi) entry["min_psi"] = number(*thresholds.min_psi);
    overrides[name] = std::move(entry);
  }
  return {
      {"quality",
       {{"max_missing_share", quality.max_missing_share},
        {"range_widening", quality.range_widening},
        {"physical_limits", std::move(limits)},
        {"stuck_readings", quality.stuck_readings},
        {"min_minority_share", quality.min_minority_share},
        {"max_examples", quality.max_examples},
        {"failing", std::move(failing)}}},
      {"drift",
       {{"ks_mode", drift::to_string(drift.ks.mode)},
        {"psi_bins", drift.psi.bins},
        {"psi_epsilon", drift.psi.epsilon},
        {"rule", drift::to_string(drift.verdict.rule)},
        {"correction", drift::to_string(drift.verdict.correction)},
        {"alpha", drift.verdict.alpha},
        {"min_psi", number(drift.verdict.min_psi)},
        {"psi_threshold", number(drift.verdict.psi_threshold)},
        {"drift_share", drift.verdict.drift_share},
        {"decisive_psi", number(drift.verdict.decisive_psi)},
        {"feature_thresholds", std::move(overrides)},
        {"categorical", drift.categorical}}},
  };
}

json to_json(const ValidationReport& report) {
  json features = json::object();
  for (const auto& feature : report.drift.features) features[feature.name] = feature_json(feature);
  json findings = json::array();
  size_t failures = 0;
  for (const auto& finding : report.quality.findings) {
    findings.push_back(finding_json(finding));
    failures += finding.fails ? 1 : 0;
  }
  return {
      {"drift", report.drift.drift},
      {"quality_ok", report.quality.ok},
      {"data", report.data},
      {"reference", report.reference},
      {"rows", report.quality.rows},
      {"reference_rows", report.reference_rows},
      {"devices", report.quality.devices},
      {"features_compared", report.drift.features.size()},
      {"drifted_features", report.drift.drifted},
      {"drifted_share", number(report.drift.drifted_share)},
      {"decisive_features", report.drift.decisive},
      {"quality_failures", failures},
      {"quality_warnings", report.quality.findings.size() - failures},
      {"features", std::move(features)},
      {"quality",
       {{"ok", report.quality.ok},
        {"rows", report.quality.rows},
        {"devices", report.quality.devices},
        {"findings", std::move(findings)}}},
      {"settings", report.settings},
  };
}

}  // namespace aiotops::validate
