#include "drift/streaming_statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace aiotops::drift {
namespace {

double floored(double share) { return std::max(share, kPsiShareFloor); }

}  // namespace

WindowStatistics window_statistics(const StreamingFeatureReference& reference,
                                   std::span<const uint32_t> counts) {
  const size_t bins = std::min(reference.bins(), counts.size());
  WindowStatistics s;
  for (size_t i = 0; i < bins; ++i) s.count += counts[i];
  if (s.count == 0) {
    s.psi = s.ks = s.ks_bound = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  const double n = static_cast<double>(s.count);
  const double total = static_cast<double>(reference.total);
  auto window_share = [&](size_t i) { return i < bins ? counts[i] / n : 0.0; };

  size_t begin = 0;
  for (size_t end : reference.psi_bin_end) {
    double r = 0, w = 0;
    for (size_t i = begin; i < end; ++i) {
      r += static_cast<double>(reference.counts[i]) / total;
      w += window_share(i);
    }
    r = floored(r);
    w = floored(w);
    s.psi += (w - r) * std::log(w / r);
    begin = end;
  }

  double r_cdf = 0, w_cdf = 0;
  for (size_t i = 0; i < reference.bins(); ++i) {
    const double r = static_cast<double>(reference.counts[i]) / total;
    const double w = window_share(i);
    s.ks_bound = std::max(s.ks_bound, std::min(r, w));
    r_cdf += r;
    w_cdf += w;
    // Below the edge that ends bin i (the last bin's end is +inf, where both CDFs are 1).
    if (i + 1 < reference.bins()) s.ks = std::max(s.ks, std::abs(w_cdf - r_cdf));
  }
  return s;
}

}  // namespace aiotops::drift
