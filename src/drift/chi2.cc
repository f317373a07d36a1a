#include "drift/chi2.h"

#include <cmath>
#include <limits>
#include <map>
#include <vector>

namespace aiotops::drift {
namespace {

// Regularized lower incomplete gamma P(a, x) by its power series; converges fast for x < a + 1.
double gamma_p_series(double a, double x) {
  double term = 1.0 / a;
  double sum = term;
  for (int n = 1; n < 10000; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::abs(term) < std::abs(sum) * 1e-17) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Regularized upper incomplete gamma Q(a, x) by its continued fraction (modified Lentz);
// converges fast for x >= a + 1, and keeps full relative precision in the far tail.
double gamma_q_continued_fraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1 - a;
  double c = 1 / kTiny;
  double d = 1 / b;
  double h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < 1e-16) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

}  // namespace

double chi2_sf(double x, double dof) {
  if (!(x > 0)) return 1.0;
  const double a = dof / 2;
  const double half = x / 2;
  if (half < a + 1) return 1.0 - gamma_p_series(a, half);
  return gamma_q_continued_fraction(a, half);
}

Result<Chi2Result> chi2_test(std::span<const int64_t> reference_counts,
                             std::span<const int64_t> current_counts) {
  if (reference_counts.size() != current_counts.size()) {
    return fail(ErrorCode::kInvalidArgument,
                "chi-squared: {} reference categories but {} current ones", reference_counts.size(),
                current_counts.size());
  }
  double ref_total = 0;
  double cur_total = 0;
  for (size_t i = 0; i < reference_counts.size(); ++i) {
    if (reference_counts[i] < 0 || current_counts[i] < 0) {
      return fail(ErrorCode::kInvalidArgument, "chi-squared: category {} has a negative count", i);
    }
    ref_total += static_cast<double>(reference_counts[i]);
    cur_total += static_cast<double>(current_counts[i]);
  }
  if (ref_total == 0 || cur_total == 0) {
    return fail(ErrorCode::kInvalidArgument, "chi-squared: the {} sample has no values",
                ref_total == 0 ? "reference" : "current");
  }
  // Pearson's X^2 over the 2 x k table, expected counts from the margins; categories empty in
  // both samples have no expected count and are left out.
  const double total = ref_total + cur_total;
  Chi2Result result;
  int categories = 0;
  for (size_t i = 0; i < reference_counts.size(); ++i) {
    const double r = static_cast<double>(reference_counts[i]);
    const double c = static_cast<double>(current_counts[i]);
    const double column = r + c;
    if (column == 0) continue;
    ++categories;
    const double expected_r = column * ref_total / total;
    const double expected_c = column * cur_total / total;
    result.statistic += (r - expected_r) * (r - expected_r) / expected_r +
                        (c - expected_c) * (c - expected_c) / expected_c;
  }
  result.dof = categories - 1;
  if (result.dof == 0) {
    result.statistic = 0;
    return result;
  }
  result.pvalue = chi2_sf(result.statistic, result.dof);
  return result;
}

Result<Chi2Result> chi2_test(std::span<const std::string> reference,
                             std::span<const std::string> current) {
  std::map<std::string_view, std::pair<int64_t, int64_t>> counts;
  for (const std::string& v : reference) ++counts[v].first;
  for (const std::string& v : current) ++counts[v].second;
  std::vector<int64_t> ref_counts;
  std::vector<int64_t> cur_counts;
  ref_counts.reserve(counts.size());
  cur_counts.reserve(counts.size());
  for (const auto& [name, pair] : counts) {
    ref_counts.push_back(pair.first);
    cur_counts.push_back(pair.second);
  }
  return chi2_test(ref_counts, cur_counts);
}

}  // namespace aiotops::drift
