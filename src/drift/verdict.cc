#include "drift/verdict.h"

#include <cmath>
#include <set>

namespace aiotops::drift {
namespace {

Status check_options(const VerdictOptions& o) {
  if (!(o.alpha > 0 && o.alpha <= 1)) {
    return fail(ErrorCode::kInvalidArgument, "alpha {} is not in (0, 1]", o.alpha);
  }
  if (!(o.drift_share > 0 && o.drift_share <= 1)) {
    return fail(ErrorCode::kInvalidArgument, "drift share {} is not in (0, 1]", o.drift_share);
  }
  if (!(o.psi_threshold >= 0)) {
    return fail(ErrorCode::kInvalidArgument, "PSI threshold {} is negative", o.psi_threshold);
  }
  for (const auto& [name, t] : o.overrides) {
    if (t.alpha && !(*t.alpha > 0 && *t.alpha <= 1)) {
      return fail(ErrorCode::kInvalidArgument, "feature '{}': alpha {} is not in (0, 1]", name,
                  *t.alpha);
    }
    if (t.psi_threshold && !(*t.psi_threshold >= 0)) {
      return fail(ErrorCode::kInvalidArgument, "feature '{}': PSI threshold {} is negative", name,
                  *t.psi_threshold);
    }
  }
  return {};
}

Status check_features(std::span<const FeatureTest> features, const VerdictOptions& o) {
  if (features.empty()) return fail(ErrorCode::kInvalidArgument, "no features to decide on");
  std::set<std::string_view> names;
  for (const FeatureTest& f : features) {
    if (!names.insert(f.name).second) {
      return fail(ErrorCode::kInvalidArgument, "feature '{}' appears twice", f.name);
    }
    if (!(f.pvalue >= 0 && f.pvalue <= 1)) {
      return fail(ErrorCode::kInvalidArgument, "feature '{}': p-value {} is not in [0, 1]", f.name,
                  f.pvalue);
    }
    if (f.psi && !(*f.psi >= 0)) {
      return fail(ErrorCode::kInvalidArgument, "feature '{}': PSI {} is negative", f.name, *f.psi);
    }
  }
  for (const auto& [name, t] : o.overrides) {
    if (!names.contains(name)) {
      return fail(ErrorCode::kInvalidArgument, "threshold override for unknown feature '{}'", name);
    }
  }
  return {};
}

}  // namespace

Result<DatasetVerdict> decide(std::span<const FeatureTest> features,
                              const VerdictOptions& options) {
  if (auto ok = check_options(options); !ok) return fail(ok.error());
  if (auto ok = check_features(features, options); !ok) return fail(ok.error());
  std::vector<double> raw;
  raw.reserve(features.size());
  for (const FeatureTest& f : features) raw.push_back(f.pvalue);
  const std::vector<double> adjusted = adjust_pvalues(raw, options.correction);

  DatasetVerdict verdict;
  verdict.features.reserve(features.size());
  for (size_t i = 0; i < features.size(); ++i) {
    const FeatureTest& f = features[i];
    FeatureVerdict v;
    v.name = f.name;
    v.pvalue = f.pvalue;
    v.adjusted_pvalue = adjusted[i];
    v.psi = f.psi;
    v.alpha = options.alpha;
    v.psi_threshold = options.psi_threshold;
    if (auto it = options.overrides.find(f.name); it != options.overrides.end()) {
      v.alpha = it->second.alpha.value_or(v.alpha);
      v.psi_threshold = it->second.psi_threshold.value_or(v.psi_threshold);
    }
    v.drift_by_pvalue = v.adjusted_pvalue < v.alpha;
    v.drift_by_psi = f.psi && *f.psi >= v.psi_threshold;
    v.drift = v.drift_by_pvalue || v.drift_by_psi;
    verdict.drifted += v.drift ? 1 : 0;
    verdict.features.push_back(std::move(v));
  }
  verdict.drifted_share =
      static_cast<double>(verdict.drifted) / static_cast<double>(features.size());
  verdict.drift = verdict.drifted_share >= options.drift_share;
  return verdict;
}

}  // namespace aiotops::drift
