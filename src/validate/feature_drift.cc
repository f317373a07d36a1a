#include "validate/feature_drift.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "drift/sorted_sample.h"
#include "drift/wasserstein.h"

namespace aiotops::validate {
namespace {

Result<size_t> column_of(const telemetry::Dataset& data, const std::string& name,
                         std::string_view which) {
  auto it = std::find(data.feature_names.begin(), data.feature_names.end(), name);
  if (it == data.feature_names.end()) {
    return fail(ErrorCode::kInvalidArgument, "feature '{}' is not in the {} dataset", name, which);
  }
  return static_cast<size_t>(it - data.feature_names.begin());
}

// The column's values without the missing (NaN) ones.
std::vector<double> present_values(const telemetry::Dataset& data, size_t c) {
  std::vector<double> values;
  values.reserve(data.rows());
  for (size_t r = 0; r < data.rows(); ++r) {
    if (!std::isnan(data.at(r, c))) values.push_back(data.at(r, c));
  }
  return values;
}

// "<= 31.2", "(31.2, 33.5]", "> 40.1": bin i of PsiResult holds edges[i] < v <= edges[i + 1],
// with open first and last bins.
std::vector<std::string> psi_bin_labels(const std::vector<double>& edges) {
  const size_t bins = edges.size() - 1;
  std::vector<std::string> labels;
  if (bins == 1) return {"all"};
  for (size_t i = 0; i < bins; ++i) {
    if (i == 0) {
      labels.push_back(fmt::format("<= {:.4g}", edges[1]));
    } else if (i + 1 == bins) {
      labels.push_back(fmt::format("> {:.4g}", edges[i]));
    } else {
      labels.push_back(fmt::format("({:.4g}, {:.4g}]", edges[i], edges[i + 1]));
    }
  }
  return labels;
}

Status compare_numeric(FeatureDrift& feature, std::span<const double> reference_values,
                       std::span<const double> current_values, const DriftOptions& options) {
  auto reference =
      drift::SortedSample::from_values(reference_values, feature.name + " (reference)");
  if (!reference) return fail(reference.error());
  auto current = drift::SortedSample::from_values(current_values, feature.name + " (data)");
  if (!current) return fail(current.error());
  feature.ks = drift::ks_2samp(*current, *reference, options.ks);
  auto psi = drift::psi(*reference, *current, options.psi);
  if (!psi) return fail(psi.error().with_context(feature.name));
  feature.wasserstein = drift::wasserstein_distance(*current, *reference);
  feature.bin_labels = psi_bin_labels(psi->edges);
  feature.reference_share = psi->reference_share;
  feature.current_share = psi->current_share;
  feature.psi = std::move(*psi);
  return {};
}

Status compare_categorical(FeatureDrift& feature, std::span<const double> reference_values,
                           std::span<const double> current_values) {
  if (reference_values.empty() || current_values.empty()) {
    return fail(ErrorCode::kInvalidArgument, "{}: no values in the {} dataset", feature.name,
                reference_values.empty() ? "reference" : "current");
  }
  std::map<double, std::pair<int64_t, int64_t>> counts;  // category -> (reference, current)
  for (double v : reference_values) ++counts[v].first;
  for (double v : current_values) ++counts[v].second;
  std::vector<int64_t> reference_counts, current_counts;
  for (const auto& [category, pair] : counts) {
    feature.bin_labels.push_back(fmt::format("{}", category));
    reference_counts.push_back(pair.first);
    current_counts.push_back(pair.second);
    feature.reference_share.push_back(static_cast<double>(pair.first) /
                                      static_cast<double>(reference_values.size()));
    feature.current_share.push_back(static_cast<double>(pair.second) /
                                    static_cast<double>(current_values.size()));
  }
  auto chi2 = drift::chi2_test(reference_counts, current_counts);
  if (!chi2) return fail(chi2.error().with_context(feature.name));
  feature.chi2 = *chi2;
  return {};
}

}  // namespace

Result<DriftReport> compare_features(const telemetry::Dataset& reference,
                                     const telemetry::Dataset& current,
                                     const std::vector<std::string>& features,
                                     const DriftOptions& options) {
  if (features.empty()) return fail(ErrorCode::kInvalidArgument, "no features to compare");
  for (const auto& name : options.categorical) {
    if (std::find(features.begin(), features.end(), name) == features.end()) {
      return fail(ErrorCode::kInvalidArgument, "categorical feature '{}' is not compared", name);
    }
  }
  DriftReport report;
  std::vector<drift::FeatureTest> tests;
  for (const auto& name : features) {
    auto reference_column = column_of(reference, name, "reference");
    if (!reference_column) return fail(reference_column.error());
    auto current_column = column_of(current, name, "current");
    if (!current_column) return fail(current_column.error());
    const auto reference_values = present_values(reference, *reference_column);
    const auto current_values = present_values(current, *current_column);
    FeatureDrift feature;
    feature.name = name;
    feature.categorical = options.categorical.contains(name);
    feature.reference_count = reference_values.size();
    feature.current_count = current_values.size();
    Status status = feature.categorical
                        ? compare_categorical(feature, reference_values, current_values)
                        : compare_numeric(feature, reference_values, current_values, options);
    if (!status) return fail(status.error());
    drift::FeatureTest test{
        .name = name,
        .pvalue = feature.categorical ? feature.chi2->pvalue : feature.ks->pvalue,
        .psi = {}};
    if (feature.psi) test.psi = feature.psi->psi;
    tests.push_back(std::move(test));
    report.features.push_back(std::move(feature));
  }
  auto verdict = drift::decide(tests, options.verdict);
  if (!verdict) return fail(verdict.error());
  for (size_t i = 0; i < report.features.size(); ++i) {
    report.features[i].verdict = verdict->features[i];
  }
  report.drifted = verdict->drifted;
  report.drifted_share = verdict->drifted_share;
  report.decisive = verdict->decisive;
  report.drift = verdict->drift;
  return report;
}

}  // namespace aiotops::validate
