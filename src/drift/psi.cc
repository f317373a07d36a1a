#include "drift/psi.h"

#include <algorithm>
#include <cmath>

namespace aiotops::drift {
namespace {

// numpy.quantile's default ("linear") of an ascending sample: virtual index (n - 1) * level,
// interpolated from the nearer neighbour as numpy's _lerp does, so edges equal numpy's bits.
double linear_quantile(std::span<const double> sorted, double level) {
  const double index = static_cast<double>(sorted.size() - 1) * level;
  const double floor_index = std::floor(index);
  const auto below = static_cast<size_t>(floor_index);
  const double lo = sorted[below];
  const double hi = sorted[std::min(below + 1, sorted.size() - 1)];
  const double t = index - floor_index;
  const double step = hi - lo;
  if (!std::isfinite(step)) return lo * (1 - t) + hi * t;  // a range wider than a double holds
  return t < 0.5 ? lo + step * t : hi - step * (1 - t);
}

// Shares of `sorted` per bin: bin i holds values in (edges[i-1], edges[i]] over the inner
// edges, open at both ends. One pass, as both are ascending.
std::vector<double> shares(std::span<const double> sorted, std::span<const double> inner) {
  std::vector<double> out(inner.size() + 1, 0.0);
  size_t bin = 0;
  for (double v : sorted) {
    while (bin < inner.size() && v > inner[bin]) ++bin;
    out[bin] += 1;
  }
  for (double& s : out) s /= static_cast<double>(sorted.size());
  return out;
}

}  // namespace

Result<PsiResult> psi(const SortedSample& reference, const SortedSample& current,
                      const PsiOptions& options) {
  if (options.bins < 1) {
    return fail(ErrorCode::kInvalidArgument, "PSI bins {} is below 1", options.bins);
  }
  if (!(options.epsilon > 0 && options.epsilon < 1)) {
    return fail(ErrorCode::kInvalidArgument, "PSI epsilon {} is not in (0, 1)", options.epsilon);
  }
  // Inner edges at the reference's k/bins quantiles; ties repeat a quantile, and a repeated
  // edge would make an empty bin, so repeats collapse into one edge (fewer, wider bins).
  std::vector<double> inner;
  inner.reserve(static_cast<size_t>(options.bins - 1));
  for (int k = 1; k < options.bins; ++k) {
    const double level = static_cast<double>(k) / static_cast<double>(options.bins);
    const double edge = linear_quantile(reference.values(), level);
    if (inner.empty() || edge > inner.back()) inner.push_back(edge);
  }
  PsiResult result;
  result.reference_share = shares(reference.values(), inner);
  result.current_share = shares(current.values(), inner);
  for (size_t i = 0; i < result.reference_share.size(); ++i) {
    const double r = result.reference_share[i] == 0 ? options.epsilon : result.reference_share[i];
    const double c = result.current_share[i] == 0 ? options.epsilon : result.current_share[i];
    result.psi += (c - r) * std::log(c / r);
  }
  result.edges.reserve(inner.size() + 2);
  result.edges.push_back(std::min(reference.min(), current.min()));
  result.edges.insert(result.edges.end(), inner.begin(), inner.end());
  result.edges.push_back(std::max(reference.max(), current.max()));
  return result;
}

}  // namespace aiotops::drift
