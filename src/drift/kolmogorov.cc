#include "drift/kolmogorov.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <tuple>
#include <utility>
#include <vector>

namespace aiotops::drift {
namespace {

constexpr int kScaleExponent = 128;  // rescale by 2^128 to keep products in range
const double kBig = std::ldexp(1.0, kScaleExponent);
const double kSmall = std::ldexp(1.0, -kScaleExponent);
constexpr double kPi = std::numbers::pi;
constexpr double kPi2 = kPi * kPi;
constexpr double kPi4 = kPi2 * kPi2;
constexpr double kPi6 = kPi4 * kPi2;
const double kSqrt2Pi = std::sqrt(2 * kPi);

double clip01(double p) { return std::clamp(p, 0.0, 1.0); }

// log(n! / n^n) by Stirling's series without the n*log(n) terms that would cancel.
double log_factorial_over_power(double n) {
  // Bernoulli-number coefficients B_2j / (2j (2j - 1)), highest order first.
  constexpr std::array<double, 8> kStirling{-2.955065359477124183e-2,  6.4102564102564102564e-3,
                                            -1.9175269175269175269e-3, 8.4175084175084175084e-4,
                                            -5.952380952380952381e-4,  7.9365079365079365079e-4,
                                            -2.7777777777777777778e-3, 8.3333333333333333333e-2};
  const double rn = 1.0 / n;
  double poly = 0;
  for (double c : kStirling) poly = poly * (rn / n) + c;
  return std::log(n) / 2 - n + std::log(2 * kPi) / 2 + rn * poly;
}

using Matrix = std::vector<double>;  // square, row-major

Matrix multiply(const Matrix& a, const Matrix& b, int m) {
  Matrix c(a.size(), 0.0);
  for (int i = 0; i < m; ++i) {
    for (int k = 0; k < m; ++k) {
      const double aik = a[i * m + k];
      for (int j = 0; j < m; ++j) c[i * m + j] += aik * b[k * m + j];
    }
  }
  return c;
}

// P(D_n <= d) by Durbin's matrix method as Marsaglia, Tsang and Wang (2003) evaluate it: the
// k-th diagonal entry of H^n times n!/n^n, with explicit exponents against overflow.
double kolmogn_dmtw_cdf(int64_t n, double d) {
  if (d >= 1.0) return 1.0;
  const double nd = static_cast<double>(n) * d;
  if (nd <= 0.5) return 0.0;
  const int k = static_cast<int>(std::ceil(nd));
  const double h = k - nd;
  const int m = 2 * k - 1;
  std::vector<double> v(m);
  std::vector<double> w(m);
  double fac = 1.0;
  for (int j = 1; j <= m; ++j) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1.0 - std::pow(h, j)) * fac;
  }
  const double tt = std::pow(std::max(2 * h - 1.0, 0.0), m) - 2 * std::pow(h, m);
  v[m - 1] = (1.0 + tt) * fac;
  Matrix hm(static_cast<size_t>(m) * m, 0.0);
  for (int i = 1; i < m; ++i) {
    for (int r = i - 1; r < m; ++r) hm[r * m + i] = w[r - (i - 1)];
  }
  for (int r = 0; r < m; ++r) hm[r * m] = v[r];
  for (int c = 0; c < m; ++c) hm[(m - 1) * m + c] = v[m - 1 - c];

  Matrix power(hm.size(), 0.0);
  for (int i = 0; i < m; ++i) power[i * m + i] = 1.0;
  int64_t exponent = 0;
  int64_t h_exponent = 0;
  for (int64_t nn = n; nn > 0; nn /= 2) {
    if (nn % 2) {
      power = multiply(power, hm, m);
      exponent += h_exponent;
    }
    hm = multiply(hm, hm, m);
    h_exponent *= 2;
    if (std::abs(hm[(k - 1) * m + (k - 1)]) > kBig) {
      for (double& x : hm) x /= kBig;
      h_exponent += kScaleExponent;
    }
  }
  double p = power[(k - 1) * m + (k - 1)];
  const double dn = static_cast<double>(n);
  for (int64_t i = 1; i <= n; ++i) {
    p = static_cast<double>(i) * p / dn;
    if (std::abs(p) < kSmall) {
      p *= kBig;
      exponent -= kScaleExponent;
    }
  }
  if (exponent != 0) p = std::ldexp(p, static_cast<int>(exponent));
  return clip01(p);
}

// The interval of non-zero entries of row i in Pomeranz's recursion.
std::pair<int64_t, int64_t> pomeranz_bounds(int64_t i, int64_t n, int64_t ll, int64_t ceilf,
                                            int64_t roundf) {
  int64_t j1;
  int64_t j2;
  if (i == 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const int64_t half = (i + 1) / 2;
    if ((i + 1) % 2 == 0) {  // i is odd
      if (half == n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return {std::max(j1 + 2, int64_t{0}), std::min(j2, n)};
}

// P(D_n <= x) by Pomeranz's (1974) recursion: each row is the previous one convolved with
// (almost) Poisson probabilities; only a window of each row is non-zero.
double kolmogn_pomeranz_cdf(int64_t n, double x) {
  const double dn = static_cast<double>(n);
  const double t = dn * x;
  const int64_t ll = static_cast<int64_t>(std::floor(t));
  const double f = t - static_cast<double>(ll);
  const double g = std::min(f, 1.0 - f);
  const int64_t ceilf = f > 0 ? 1 : 0;
  const int64_t roundf = f > 0.5 ? 1 : 0;
  const size_t npowers = static_cast<size_t>(2 * (ll + 1));
  std::vector<double> gpower(npowers);
  std::vector<double> twogpower(npowers);
  std::vector<double> onem2gpower(npowers);
  gpower[0] = twogpower[0] = onem2gpower[0] = 1.0;
  const double g_over_n = g / dn;
  const double two_g_over_n = 2 * g / dn;
  const double one_minus_two_g_over_n = (1 - 2 * g) / dn;
  for (size_t m = 1; m < npowers; ++m) {
    gpower[m] = gpower[m - 1] * g_over_n / static_cast<double>(m);
    twogpower[m] = twogpower[m - 1] * two_g_over_n / static_cast<double>(m);
    onem2gpower[m] = onem2gpower[m - 1] * one_minus_two_g_over_n / static_cast<double>(m);
  }
  std::vector<double> v0(npowers, 0.0);
  std::vector<double> v1(npowers, 0.0);
  v1[0] = 1;
  int64_t v0s = 0;
  int64_t v1s = 0;
  int64_t exponent = 0;
  auto [j1, j2] = pomeranz_bounds(0, n, ll, ceilf, roundf);
  for (int64_t i = 1; i < 2 * n + 2; ++i) {
    const int64_t k1 = j1;
    std::swap(v0, v1);
    std::swap(v0s, v1s);
    std::fill(v1.begin(), v1.end(), 0.0);
    std::tie(j1, j2) = pomeranz_bounds(i, n, ll, ceilf, roundf);
    const std::vector<double>& powers =
        (i == 1 || i == 2 * n + 1) ? gpower : (i % 2 ? twogpower : onem2gpower);
    const int64_t len = j2 - k1 + 1;
    if (len <= 0) continue;
    // Entries [j1 - k1, j2 - k1] of the full convolution of v0[k1 - v0s, +len) with powers.
    const int64_t base = k1 - v0s;
    const int64_t avail = std::min<int64_t>(len, static_cast<int64_t>(npowers) - base);
    double top = 0;
    for (int64_t out = 0; out <= j2 - j1; ++out) {
      const int64_t c = j1 - k1 + out;
      double sum = 0;
      for (int64_t a = std::max<int64_t>(0, c - len + 1); a <= std::min(c, avail - 1); ++a) {
        sum += v0[base + a] * powers[c - a];
      }
      v1[out] = sum;
      top = std::max(top, sum);
    }
    if (top > 0 && top < kSmall) {
      for (double& e : v1) e *= kBig;
      exponent -= kScaleExponent;
    }
    v1s = v0s + j1 - k1;
  }
  double ans = v1[n - v1s];
  for (int64_t m = 1; m <= n; ++m) {
    if (std::abs(ans) > kBig) {
      ans *= kSmall;
      exponent += kScaleExponent;
    }
    ans *= static_cast<double>(m);
  }
  if (exponent != 0) ans = std::ldexp(ans, static_cast<int>(exponent));
  return clip01(ans);
}

// The Pelz-Good (1976) expansion of P(D_n <= x) in powers of 1/sqrt(n) (not clipped).
double kolmogn_pelz_good_cdf(int64_t n, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double dn = static_cast<double>(n);
  const double z = std::sqrt(dn) * x;
  const double z2 = z * z;
  const double z3 = z2 * z;
  const double z4 = z2 * z2;
  const double z6 = z4 * z2;
  const double qlog = -kPi2 / 8 / z2;
  if (qlog < -708) return 0.0;
  double q = std::exp(qlog);
  const double k1a = -z2;
  const double k1b = kPi2 / 4;
  const double k2a = 6 * z6 + 2 * z4;
  const double k2b = (2 * z4 - 5 * z2) * kPi2 / 4;
  const double k2c = kPi4 * (1 - 2 * z2) / 16;
  const double k3d = kPi6 * (5 - 30 * z2) / 64;
  const double k3c = kPi4 * (-60 * z2 + 212 * z4) / 16;
  const double k3b = kPi2 * (135 * z4 - 96 * z6) / 4;
  const double k3a = -30 * z6 - 90 * std::pow(z, 8);
  std::array<double, 4> k{0, 0, 0, 0};
  const int64_t maxk = static_cast<int64_t>(std::ceil(16 * z / kPi));
  // Horner in q over the odd integers m = 2k - 1.
  for (int64_t kk = maxk; kk > 0; --kk) {
    const double m = static_cast<double>(2 * kk - 1);
    const double m2 = m * m;
    const double m4 = m2 * m2;
    const double m6 = m4 * m2;
    const double qpower = std::pow(q, 8.0 * static_cast<double>(kk));
    const std::array<double, 4> coeffs{1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4,
                                       k3a + k3b * m2 + k3c * m4 + k3d * m6};
    for (int i = 0; i < 4; ++i) k[i] = k[i] * qpower + coeffs[i];
  }
  const std::array<double, 4> divisors{z, 6 * z4, 72 * std::pow(z, 7), 6480 * std::pow(z, 10)};
  for (int i = 0; i < 4; ++i) k[i] = k[i] * q * kSqrt2Pi / divisors[i];
  // The sums over all integers that K2 and K3 carry in addition.
  q = std::exp(-kPi2 / 2 / z2);
  const double sqrt3z = std::sqrt(3.0) * z;
  double k2extra = 0;
  double k3extra = 0;
  for (int64_t kk = maxk; kk > 0; --kk) {
    const double kd = static_cast<double>(kk);
    const double k2 = kd * kd;
    const double qk = std::pow(q, k2);
    const double kpi = kPi * kd;
    k2extra += k2 * qk;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qk;
  }
  k[2] += k2extra * (kPi2 * kSqrt2Pi / (-36 * z3));
  k[3] += k3extra * (kPi2 * kSqrt2Pi / (216 * z6));
  double sum = 0;
  for (int i = 0; i < 4; ++i) sum += k[i] / std::pow(dn, i / 2.0);
  return sum;
}

// log(C(n, v + 1) / C(n, v)).
double log_binomial_step(int64_t n, int64_t v) {
  return std::log(static_cast<double>(n - v) / static_cast<double>(v + 1));
}

}  // namespace

double smirnov_sf(int64_t n, double x) {
  if (!(x > 0)) return 1.0;
  if (x >= 1) return 0.0;
  if (n == 1) return 1 - x;
  const double dn = static_cast<double>(n);
  // floor(n*x) and its fractional part, exactly.
  const double hi = dn * x;
  const double lo = std::fma(dn, x, -hi);
  double floor_hi = std::floor(hi);
  double alpha = (hi - floor_hi) + lo;
  if (alpha < 0) {
    floor_hi -= 1;
    alpha += 1;
  }
  if (alpha >= 1) {
    floor_hi += 1;
    alpha = 0;
  }
  const int64_t nxfl = static_cast<int64_t>(floor_hi);
  if (nxfl == 0 || (nxfl == 1 && alpha == 0)) {
    const long double cdf = x * std::pow(1.0L + x, static_cast<long double>(n - 1));
    return clip01(static_cast<double>(1.0L - cdf));
  }
  constexpr double kMinLog = -7.08396418532264106224e2;
  if (-2 * dn * x * x < kMinLog) return 0.0;
  if (nxfl >= n - 1) return clip01(static_cast<double>(std::pow(1.0L - x, n)));
  if (n > 1000000) {
    // SciPy's approximation for very large n: p ~ exp(-(6nx + 1)^2 / (18n)).
    const double logp = -std::pow(6.0 * dn * x + 1, 2) / 18.0 / dn;
    return clip01(logp < -std::numbers::ln2 ? std::exp(logp) : 1 + std::expm1(logp));
  }
  // The Birnbaum-Tingey sum (positive terms, nothing cancels), accumulated in extended
  // precision; the logarithms are double's (18x faster than long double's, and their rounding
  // errors, independent from term to term, stay near 1e-13 of the sum). Terms v = 0 .. last,
  // the largest v with v < n (1 - x):
  // x * C(n, v) * (x + v/n)^(v-1) * (1 - x - v/n)^(n-v).
  const int64_t last = n - nxfl - 1;
  const long double lx = x;
  const long double ln = n;
  long double log_c = 0;  // log C(n, v)
  long double sum = 0;
  for (int64_t v = 0; v <= last; ++v) {
    const long double upper = static_cast<long double>(n - v) / ln - lx;  // 1 - x - v/n
    const long double lower = static_cast<long double>(v) / ln + lx;      // x + v/n
    const long double log_term =
        log_c + static_cast<long double>(v - 1) * std::log(static_cast<double>(lower)) +
        static_cast<long double>(n - v) * std::log(static_cast<double>(upper));
    const long double term = std::exp(static_cast<double>(log_term));
    sum += term;
    // The remaining terms cannot change the sum in double precision any more.
    if (v < last &&
        4 * static_cast<long double>(last - v + 1) * term <
            static_cast<long double>(std::numeric_limits<double>::epsilon()) * 1e-3L * sum) {
      break;
    }
    log_c += log_binomial_step(n, v);
  }
  return clip01(static_cast<double>(lx * sum));
}

double kstwo_sf(int64_t n, double x) {
  if (x >= 1.0) return 0.0;
  if (x <= 0.0) return 1.0;
  const double dn = static_cast<double>(n);
  const double t = dn * x;
  if (t <= 1.0) {  // Ruben-Gambino: 1/2n <= x <= 1/n
    if (t <= 0.5) return 1.0;
    double prob;
    if (n <= 140) {
      prob = 1;
      for (int64_t i = 1; i <= n; ++i) prob *= static_cast<double>(i) * (1.0 / dn) * (2 * t - 1);
    } else {
      prob = std::exp(log_factorial_over_power(dn) + dn * std::log(2 * t - 1));
    }
    return clip01(1.0 - prob);
  }
  if (t >= dn - 1) return clip01(2 * std::pow(1.0 - x, dn));  // Ruben-Gambino
  if (x >= 0.5) return clip01(2 * smirnov_sf(n, x));          // exact
  const double nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 0.754693) return clip01(1.0 - kolmogn_dmtw_cdf(n, x));
    if (nx2 <= 4) return clip01(1.0 - kolmogn_pomeranz_cdf(n, x));
    return clip01(2 * smirnov_sf(n, x));
  }
  if (nx2 >= 370.0) return 0.0;
  if (nx2 >= 2.2) return clip01(2 * smirnov_sf(n, x));
  const double cdf = (n <= 100000 && dn * std::pow(x, 1.5) <= 1.4) ? kolmogn_dmtw_cdf(n, x)
                                                                   : kolmogn_pelz_good_cdf(n, x);
  return clip01(1.0 - cdf);
}

}  // namespace aiotops::drift
