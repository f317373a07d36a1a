#pragma once
// Two-sample Kolmogorov-Smirnov test with the statistic and p-value of scipy.stats.ks_2samp
// (SciPy 1.10): the exact null distribution (Hodges 1958 lattice-path counts) and the
// asymptotic one (the two-sided `kstwo` distribution at n = round(m*n/(m+n)); Hodges' eq. 5.3
// for one-sided tests). docs/drift.md gives the definitions.

#include <span>

#include "common/error.h"
#include "drift/sorted_sample.h"

namespace aiotops::drift {

enum class KsMode {
  kAuto,   // exact when both sizes are <= 10000, else asymptotic (SciPy's rule)
  kExact,  // exact; falls back to asymptotic when the exact computation is not possible
  kAsymp,  // asymptotic
};

enum class KsAlternative {
  kTwoSided,  // D = max |F1 - F2|
  kLess,      // D- = max (F2 - F1): the first sample's CDF lies below the second's
  kGreater,   // D+ = max (F1 - F2)
};

struct KsOptions {
  KsMode mode = KsMode::kAuto;                           // how the p-value is computed
  KsAlternative alternative = KsAlternative::kTwoSided;  // the alternative hypothesis
};

struct KsResult {
  double statistic = 0;           // D in [0, 1]
  double pvalue = 1;              // in [0, 1]
  bool exact = false;             // true when the exact distribution gave the p-value
  double statistic_location = 0;  // the value where the ECDF difference is D
  int statistic_sign = 1;         // +1 when F1 > F2 there, -1 otherwise
};

// KS test of `sample1` (F1) against `sample2` (F2): one merge walk over the two sorted samples
// plus the p-value. Never fails for valid samples. Thread-safe; no allocation for the statistic.
KsResult ks_2samp(const SortedSample& sample1, const SortedSample& sample2,
                  const KsOptions& options = {});

// The same with raw values for sample1 (sorted into a copy, checked like
// SortedSample::from_values: kInvalidArgument naming `what` when empty or non-finite). Use this
// with a reference sorted once: ks_2samp(window, "temperature (new)", reference).
Result<KsResult> ks_2samp(std::span<const double> sample1, std::string_view what,
                          const SortedSample& sample2, const KsOptions& options = {});

// Parses "auto" / "exact" / "asymp" (kInvalidArgument otherwise) and names a mode.
Result<KsMode> parse_ks_mode(std::string_view text);
std::string_view to_string(KsMode mode);

}  // namespace aiotops::drift
