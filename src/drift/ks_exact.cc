#include "drift/ks_exact.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>
#include <vector>

namespace aiotops::drift {
namespace {

// Binomial coefficient as scipy.special.binom evaluates it for integer arguments: a product
// for small k (fewer rounding steps), else through the beta function.
double binom(double n, double k) {
  if (k > n / 2 && n > 0) k = n - k;
  if (k >= 0 && k < 20) {
    double num = 1;
    double den = 1;
    for (int i = 1; i <= static_cast<int>(k); ++i) {
      num *= i + n - k;
      den *= i;
      if (std::abs(num) > 1e50) {
        num /= den;
        den = 1;
      }
    }
    return num / den;
  }
  const double a = 1 + n - k;
  const double b = 1 + k;
  constexpr double kMaxGamma = 171.624376956302725;  // tgamma overflows above this
  double beta;
  if (a + b > kMaxGamma) {
    beta = std::exp(std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b));
  } else {
    const double gy = std::tgamma(a + b);
    const double ga = std::tgamma(a);
    const double gb = std::tgamma(b);
    beta = std::abs(ga - gy) > std::abs(gb - gy) ? gb / gy * ga : ga / gy * gb;
  }
  return 1 / (n + 1) / beta;
}

// Two-sided, n1 == n2 == n: P(D >= h/n) by the alternating reflection sum, evaluated
// Horner-like from the smallest term so no term cancels another.
double prob_outside_square(int64_t n, int64_t h) {
  double p = 0;
  for (int64_t k = n / h; k >= 0; --k) {
    double term = 1;
    for (int64_t j = 0; j < h; ++j) {
      term = static_cast<double>(n - k * h - j) * term / static_cast<double>(n + k * h + j + 1);
    }
    p = term * (1.0 - p);
  }
  return 2 * p;
}

// Two-sided, n1 != n2: the share of lattice paths from (0,0) to (m,n) that leave the band
// |x*n/g - y*m/g| < h. One sliding column of the path table holds the probability of having
// left the band so far (Viehmann 2021), which avoids computing 1 - (a number near 1).
double prob_outside_band(int64_t m, int64_t n, int64_t g, int64_t h) {
  if (m < n) std::swap(m, n);
  const int64_t mg = m / g;
  const int64_t ng = n / g;
  int64_t minj = 0;
  int64_t maxj = std::min(static_cast<int64_t>(std::ceil(static_cast<double>(h) / mg)), n + 1);
  int64_t curlen = maxj - minj;
  std::vector<double> column(std::min(2 * maxj + 2, n + 1), 1.0);
  std::fill(column.begin(), column.begin() + maxj, 0.0);
  for (int64_t i = 1; i <= m; ++i) {
    const int64_t lastminj = minj;
    const int64_t lastlen = curlen;
    minj = std::max(static_cast<int64_t>(std::floor(static_cast<double>(ng * i - h) / mg)) + 1,
                    int64_t{0});
    minj = std::min(minj, n);
    maxj = std::min(static_cast<int64_t>(std::ceil(static_cast<double>(ng * i + h) / mg)), n + 1);
    if (maxj <= minj) return 1.0;
    double val = minj == 0 ? 0.0 : 1.0;
    const double di = static_cast<double>(i);
    for (int64_t jj = 0; jj < maxj - minj; ++jj) {
      const double j = static_cast<double>(jj + minj);
      val = (column[jj + minj - lastminj] * di + val * j) / (di + j);
      column[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      std::fill(column.begin() + curlen, column.begin() + lastlen, 1.0);
    }
  }
  return column[maxj - minj - 1];
}

// One-sided, n1 != n2: the number of paths that reach the line m*y <= n*x - h*g (Hodges'
// treatment). Non-finite when it overflows.
double count_paths_outside(int64_t m, int64_t n, int64_t g, int64_t h) {
  if (m < n) std::swap(m, n);
  const int64_t mg = m / g;
  const int64_t ng = n / g;
  // Floor division of a possibly negative numerator, as the definition needs.
  const int64_t num = mg - h;
  const int64_t lxj = n + (num >= 0 ? num / mg : -((-num + mg - 1) / mg));
  if (lxj <= 0) return binom(static_cast<double>(m + n), static_cast<double>(n));
  std::vector<double> xj(lxj);
  for (int64_t j = 0; j < lxj; ++j) xj[j] = static_cast<double>((h + mg * j + ng - 1) / ng);
  std::vector<double> b(lxj, 0.0);
  b[0] = 1;
  for (int64_t j = 1; j < lxj; ++j) {
    double bj = binom(xj[j] + static_cast<double>(j), static_cast<double>(j));
    for (int64_t i = 0; i < j; ++i) {
      bj -= binom(xj[j] - xj[i] + static_cast<double>(j - i), static_cast<double>(j - i)) * b[i];
    }
    if (!std::isfinite(bj)) return bj;
    b[j] = bj;
  }
  double paths = 0;
  for (int64_t j = 0; j < lxj; ++j) {
    paths += b[j] * binom(static_cast<double>(m) - xj[j] + static_cast<double>(n - j),
                          static_cast<double>(n - j));
  }
  return paths;
}

}  // namespace

std::optional<double> ks_exact_pvalue(int64_t n1, int64_t n2, int64_t h,
                                      KsAlternative alternative) {
  if (h == 0) return 1.0;
  const int64_t g = std::gcd(n1, n2);
  double p;
  if (alternative == KsAlternative::kTwoSided) {
    p = n1 == n2 ? prob_outside_square(n1, h) : prob_outside_band(n1, n2, g, h);
  } else if (n1 == n2) {
    p = 1;
    for (int64_t j = 0; j < h; ++j) {
      p *= static_cast<double>(n1 - j) / (static_cast<double>(n1 + j) + 1.0);
    }
  } else {
    const double paths = count_paths_outside(n1, n2, g, h);
    const double all = binom(static_cast<double>(n1 + n2), static_cast<double>(n1));
    if (!std::isfinite(paths) || !std::isfinite(all) || paths > all) return std::nullopt;
    p = paths / all;
  }
  if (!(p >= 0 && p <= 1)) return std::nullopt;
  return p;
}

}  // namespace aiotops::drift
