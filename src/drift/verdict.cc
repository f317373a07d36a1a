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
  if (!(o.min_psi >= 0)) {
    return fail(ErrorCode::kInvalidArgument, "minimum PSI {} is negative", o.min_psi);
  }
  if (!(o.decisive_psi >= 0)) {
    return fail(ErrorCode::kInvalidArgument, "decisive PSI {} is negative", o.decisive_psi);
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
    if (t.min_psi && !(*t.min_psi >= 0)) {
      return fail(ErrorCode::kInvalidArgument, "feature '{}': minimum PSI {} is negative", name,
                  *t.min_psi);
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

Result<DriftRule> parse_drift_rule(std::string_view text) {
  if (text == "effect") return DriftRule::kEffect;
  if (text == "either") return DriftRule::kEither;
  return fail(ErrorCode::kInvalidArgument, "unknown drift rule '{}' (effect or either)", text);
}

std::string_view to_string(DriftRule rule) {
  return rule == DriftRule::kEffect ? "effect" : "either";
}

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
    v.min_psi = options.min_psi;
    v.psi_threshold = options.psi_threshold;
    if (auto it = options.overrides.find(f.name); it != options.overrides.end()) {
      v.alpha = it->second.alpha.value_or(v.alpha);
      v.min_psi = it->second.min_psi.value_or(v.min_psi);
      v.psi_threshold = it->second.psi_threshold.value_or(v.psi_threshold);
    }
    v.significant = v.adjusted_pvalue < v.alpha;
    const bool effect = options.rule == DriftRule::kEither || !f.psi || *f.psi >= v.min_psi;
    v.drift_by_pvalue = v.significant && effect;
    v.drift_by_psi = f.psi && *f.psi >= v.psi_threshold;
    v.drift = v.drift_by_pvalue || v.drift_by_psi;
    v.decisive = v.drift && f.psi && *f.psi >= options.decisive_psi;
    verdict.drifted += v.drift ? 1 : 0;
    verdict.decisive += v.decisive ? 1 : 0;
    verdict.features.push_back(std::move(v));
  }
  verdict.drifted_share =
      static_cast<double>(verdict.drifted) / static_cast<double>(features.size());
  verdict.drift = verdict.drifted_share >= options.drift_share || verdict.decisive > 0;
  return verdict;
}

}  // namespace aiotops::drift
