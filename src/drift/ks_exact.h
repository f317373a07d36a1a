#pragma once
// Exact p-values of the two-sample Kolmogorov-Smirnov statistic D = h / lcm(n1, n2), from
// counts of lattice paths (Hodges 1958), computed as SciPy 1.10's ks_2samp does.

#include <cstdint>
#include <optional>

#include "drift/ks.h"

namespace aiotops::drift {

// P(D >= h / lcm(n1, n2)) under the null for sizes n1, n2 >= 1 and 0 <= h <= lcm. Empty when
// the computation overflows or leaves [0, 1] (the caller then uses the asymptotic p-value, as
// SciPy does). Thread-safe; allocates O(min(n1, n2)) doubles.
std::optional<double> ks_exact_pvalue(int64_t n1, int64_t n2, int64_t h, KsAlternative alternative);

}  // namespace aiotops::drift
