#pragma once
// Null distributions of the one-sample Kolmogorov-Smirnov statistics for a sample of size n,
// computed as SciPy 1.10 does (scipy.stats.kstwo after Simard & L'Ecuyer 2011, and
// scipy.special.smirnov): the two-sample asymptotic test evaluates them at n = m*n/(m+n).

#include <cstdint>

namespace aiotops::drift {

// P(D_n >= x) for the two-sided statistic D_n = sup |F_n - F| (scipy.stats.kstwo.sf(x, n)).
// n >= 1. Exact (Durbin matrix, Pomeranz, Ruben-Gambino, 2 * Smirnov) or the Pelz-Good
// expansion, chosen by n and n*x^2 as SciPy chooses. Thread-safe, pure.
double kstwo_sf(int64_t n, double x);

// P(D+_n >= x) for the one-sided statistic (scipy.special.smirnov(n, x)): the
// Birnbaum-Tingey sum (SciPy's approximation above n = 10^6). n >= 1. Relative accuracy about
// 1e-13. Thread-safe, pure.
double smirnov_sf(int64_t n, double x);

}  // namespace aiotops::drift
