#pragma once
// Chi-squared test of homogeneity for a categorical feature: the 2 x k contingency table of
// reference and current counts per category, as scipy.stats.chi2_contingency(table,
// correction=False). Categories empty in both samples are dropped. Definitions: docs/drift.md.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/error.h"

namespace aiotops::drift {

struct Chi2Result {
  double statistic = 0;  // Pearson's X^2
  double pvalue = 1;     // P(chi2(dof) >= statistic); 1 when dof == 0
  int dof = 0;           // categories present in either sample - 1
};

// Counts per category, aligned (reference_counts[i] and current_counts[i] are category i).
// Fails with kInvalidArgument when the sizes differ, a count is negative or a sample has no
// counts at all. Thread-safe.
Result<Chi2Result> chi2_test(std::span<const int64_t> reference_counts,
                             std::span<const int64_t> current_counts);

// The same from raw category values (counted per distinct string). Thread-safe.
Result<Chi2Result> chi2_test(std::span<const std::string> reference,
                             std::span<const std::string> current);

// Survival function of the chi-squared distribution with `dof` > 0 degrees of freedom:
// Q(dof / 2, x / 2), the regularized upper incomplete gamma function; 1 for x <= 0.
// Relative accuracy about 1e-14. Thread-safe.
double chi2_sf(double x, double dof);

}  // namespace aiotops::drift
