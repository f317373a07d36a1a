#include "drift/ks.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>

#include "drift/kolmogorov.h"
#include "drift/ks_exact.h"

namespace aiotops::drift {
namespace {

// The most negative and most positive F1 - F2 and the first value where each occurs.
struct Extremes {
  double min_diff = std::numeric_limits<double>::infinity();
  double min_location = 0;
  double max_diff = -std::numeric_limits<double>::infinity();
  double max_location = 0;
  void offer(double diff, double x) {
    if (diff < min_diff) {
      min_diff = diff;
      min_location = x;
    }
    if (diff > max_diff) {
      max_diff = diff;
      max_location = x;
    }
  }
};

// One merge walk: at each distinct pooled value x, F1(x) = i/n1 and F2(x) = j/n2 count the
// values <= x (searchsorted side='right'), computed with SciPy's operations so the statistic
// is bit-identical.
Extremes ecdf_extremes(std::span<const double> a, std::span<const double> b) {
  const double n1 = static_cast<double>(a.size());
  const double n2 = static_cast<double>(b.size());
  // SciPy scans the pooled array (sample 1 ascending, then sample 2) and reports the first
  // extreme, so an extreme at a value of sample 1 wins over the same extreme in sample 2.
  Extremes in1;  // over the values present in sample 1
  Extremes in2;  // over the values present in sample 2
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() || j < b.size()) {
    const double x = j == b.size() ? a[i] : i == a.size() ? b[j] : std::min(a[i], b[j]);
    const bool from1 = i < a.size() && a[i] == x;
    const bool from2 = j < b.size() && b[j] == x;
    while (i < a.size() && a[i] == x) ++i;
    while (j < b.size() && b[j] == x) ++j;
    const double diff = static_cast<double>(i) / n1 - static_cast<double>(j) / n2;
    if (from1) in1.offer(diff, x);
    if (from2) in2.offer(diff, x);
  }
  Extremes e;
  if (in1.min_diff <= in2.min_diff) {
    e.min_diff = in1.min_diff;
    e.min_location = in1.min_location;
  } else {
    e.min_diff = in2.min_diff;
    e.min_location = in2.min_location;
  }
  if (in1.max_diff >= in2.max_diff) {
    e.max_diff = in1.max_diff;
    e.max_location = in1.max_location;
  } else {
    e.max_diff = in2.max_diff;
    e.max_location = in2.max_location;
  }
  return e;
}

// Smirnov's asymptotic p-value: the two-sided kstwo distribution at n = round(m*n/(m+n)), or
// Hodges' eq. 5.3 for one-sided tests (m the larger size).
double asymptotic_pvalue(double d, int64_t n1, int64_t n2, KsAlternative alternative) {
  const double m = static_cast<double>(std::max(n1, n2));
  const double n = static_cast<double>(std::min(n1, n2));
  const double en = m * n / (m + n);
  if (alternative == KsAlternative::kTwoSided) {
    return kstwo_sf(static_cast<int64_t>(std::nearbyint(en)), d);
  }
  const double z = std::sqrt(en) * d;
  const double expt = -2 * z * z - 2 * z * (m + 2 * n) / std::sqrt(m * n * (m + n)) / 3.0;
  return std::exp(expt);
}

}  // namespace

KsResult ks_2samp(const SortedSample& sample1, const SortedSample& sample2,
                  const KsOptions& options) {
  const Extremes e = ecdf_extremes(sample1.values(), sample2.values());
  const double min_s = std::clamp(-e.min_diff, 0.0, 1.0);
  const double max_s = e.max_diff;
  KsResult result;
  if (options.alternative == KsAlternative::kLess ||
      (options.alternative == KsAlternative::kTwoSided && min_s > max_s)) {
    result.statistic = min_s;
    result.statistic_location = e.min_location;
    result.statistic_sign = -1;
  } else {
    result.statistic = max_s;
    result.statistic_location = e.max_location;
    result.statistic_sign = 1;
  }
  const auto n1 = static_cast<int64_t>(sample1.size());
  const auto n2 = static_cast<int64_t>(sample2.size());
  constexpr int64_t kMaxAutoN = 10000;
  const int64_t g = std::gcd(n1, n2);
  bool exact = false;
  if (options.mode == KsMode::kAuto) {
    exact = std::max(n1, n2) <= kMaxAutoN;
  } else if (options.mode == KsMode::kExact) {
    // lcm(n1, n2) must fit a 32-bit integer, as in SciPy.
    exact = static_cast<double>(n1 / g) <
            static_cast<double>(std::numeric_limits<int32_t>::max()) / static_cast<double>(n2 / g);
  }
  // Two samples of one value: round(m*n/(m+n)) = 0 leaves the asymptotic distribution undefined
  // (SciPy returns NaN); the exact p-value is cheap there.
  if (n1 == 1 && n2 == 1 && options.alternative == KsAlternative::kTwoSided) exact = true;
  if (exact) {
    // The exact distribution lives on multiples of 1/lcm: snap D to the nearest one.
    const int64_t lcm = (n1 / g) * n2;
    const auto h =
        static_cast<int64_t>(std::nearbyint(result.statistic * static_cast<double>(lcm)));
    result.statistic = static_cast<double>(h) * 1.0 / static_cast<double>(lcm);
    if (auto p = ks_exact_pvalue(n1, n2, h, options.alternative)) {
      result.pvalue = std::clamp(*p, 0.0, 1.0);
      result.exact = true;
      return result;
    }
  }
  result.pvalue =
      std::clamp(asymptotic_pvalue(result.statistic, n1, n2, options.alternative), 0.0, 1.0);
  return result;
}

Result<KsResult> ks_2samp(std::span<const double> sample1, std::string_view what,
                          const SortedSample& sample2, const KsOptions& options) {
  auto sorted = SortedSample::from_values(sample1, what);
  if (!sorted) return fail(sorted.error());
  return ks_2samp(*sorted, sample2, options);
}

Result<KsMode> parse_ks_mode(std::string_view text) {
  for (KsMode mode : {KsMode::kAuto, KsMode::kExact, KsMode::kAsymp}) {
    if (text == to_string(mode)) return mode;
  }
  return fail(ErrorCode::kInvalidArgument, "unknown KS mode '{}' (expected auto, exact or asymp)",
              text);
}

std::string_view to_string(KsMode mode) {
  switch (mode) {
    case KsMode::kAuto:
      return "auto";
    case KsMode::kExact:
      return "exact";
    case KsMode::kAsymp:
      return "asymp";
  }
  return "auto";
}

}  // namespace aiotops::drift
