#include "drift/wasserstein.h"

#include <cmath>

namespace aiotops::drift {

// Between consecutive distinct values of the pooled sample both ECDFs are constant, so the
// integral of |F_u - F_v| is a sum of rectangles; one merge walk visits every pooled value.
double wasserstein_distance(const SortedSample& u, const SortedSample& v) {
  const auto a = u.values();
  const auto b = v.values();
  const double na = static_cast<double>(a.size());
  const double nb = static_cast<double>(b.size());
  size_t i = 0;
  size_t j = 0;
  double sum = 0;
  double x = std::min(a[0], b[0]);
  while (i < a.size() || j < b.size()) {
    // Step past every value equal to x in both samples: the ECDFs right of x.
    while (i < a.size() && a[i] == x) ++i;
    while (j < b.size() && b[j] == x) ++j;
    if (i == a.size() && j == b.size()) break;
    const double next = i == a.size() ? b[j] : j == b.size() ? a[i] : std::min(a[i], b[j]);
    sum += std::abs(static_cast<double>(i) / na - static_cast<double>(j) / nb) * (next - x);
    x = next;
  }
  return sum;
}

}  // namespace aiotops::drift
