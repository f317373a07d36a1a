#pragma once
// Wasserstein-1 (earth mover's) distance between two samples, equal to
// scipy.stats.wasserstein_distance(u, v) with unit weights: the integral of |F_u - F_v|.

#include "drift/sorted_sample.h"

namespace aiotops::drift {

// One merge walk over the two sorted samples. Never fails; >= 0, in the samples' unit.
// Thread-safe, no allocation.
double wasserstein_distance(const SortedSample& u, const SortedSample& v);

}  // namespace aiotops::drift
