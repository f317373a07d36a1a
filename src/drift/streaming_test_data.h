#pragma once
// Reference samples for the streaming drift tests: values drawn with a fixed seed and their
// histogram as dataset statistics hold it (numpy.histogram: equal-width bins over [min, max],
// each [edge, next edge) except the last, which holds max).

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "drift/streaming_reference.h"

namespace aiotops::drift::testing {

// `n` normal values (mean, sd), rounded to `decimals` so that ties occur, drawn with `seed`.
inline std::vector<double> normal_sample(size_t n, double mean, double sd, uint64_t seed,
                                         int decimals = 1) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> draw(mean, sd);
  const double scale = std::pow(10.0, decimals);
  std::vector<double> values(n);
  for (double& v : values) v = std::round(draw(rng) * scale) / scale;
  return values;
}

struct TestHistogram {
  std::vector<double> edges;
  std::vector<size_t> counts;
};

// `values` (not empty) in `bins` equal-width bins; bin membership decided by the edges
// themselves, so the bins agree with comparisons against the edges.
inline TestHistogram histogram_of(const std::vector<double>& values, size_t bins) {
  const auto [lo, hi] = std::ranges::minmax(values);
  TestHistogram h;
  for (size_t i = 0; i <= bins; ++i) {
    h.edges.push_back(i == bins ? hi : lo + (hi - lo) * static_cast<double>(i) / bins);
  }
  h.counts.assign(bins, 0);
  for (double v : values) {
    const size_t above =
        static_cast<size_t>(std::upper_bound(h.edges.begin(), h.edges.end(), v) - h.edges.begin());
    ++h.counts[std::min(above, bins) - 1];
  }
  return h;
}

// The streaming reference of `values` in `bins` bins.
inline Result<StreamingFeatureReference> reference_of(const std::vector<double>& values,
                                                      size_t bins = 20,
                                                      StreamingReferenceOptions options = {}) {
  const TestHistogram h = histogram_of(values, bins);
  return streaming_feature_reference("temperature", h.edges, h.counts, options);
}

}  // namespace aiotops::drift::testing
