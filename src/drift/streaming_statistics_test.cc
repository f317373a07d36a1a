#include "drift/streaming_statistics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "drift/streaming_histogram.h"
#include "drift/streaming_test_data.h"

namespace aiotops::drift {
namespace {

using testing::normal_sample;
using testing::reference_of;

// The window's counts as the streaming path makes them.
std::vector<uint32_t> stream(const StreamingFeatureReference& reference,
                             const std::vector<double>& window) {
  StreamingHistogram histogram(reference);
  for (double v : window) histogram.add(v);
  return {histogram.counts().begin(), histogram.counts().end()};
}

// Batch PSI over the raw values on the same PSI bins: each value's PSI bin from the reference's
// edges, then sum (w - r) ln(w / r) with both shares floored at 1e-4.
double batch_psi(const std::vector<double>& reference_values, const StreamingFeatureReference& bins,
                 const std::vector<double>& window) {
  auto psi_bin = [&](double v) {
    const size_t fine = static_cast<size_t>(
        std::upper_bound(bins.edges.begin(), bins.edges.end(), v) - bins.edges.begin());
    return static_cast<size_t>(
        std::upper_bound(bins.psi_bin_end.begin(), bins.psi_bin_end.end(), fine) -
        bins.psi_bin_end.begin());
  };
  std::vector<double> r(bins.psi_bin_end.size()), w(bins.psi_bin_end.size());
  for (double v : reference_values) r[psi_bin(v)] += 1.0 / reference_values.size();
  for (double v : window) w[psi_bin(v)] += 1.0 / window.size();
  double psi = 0;
  for (size_t g = 0; g < r.size(); ++g) {
    const double rg = std::max(r[g], 1e-4), wg = std::max(w[g], 1e-4);
    psi += (wg - rg) * std::log(wg / rg);
  }
  return psi;
}

// The two-sample KS statistic of the values themselves (scipy.stats.ks_2samp's D).
double exact_ks(std::vector<double> a, std::vector<double> b) {
  std::ranges::sort(a);
  std::ranges::sort(b);
  double d = 0;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] == x) ++i;
    while (j < b.size() && b[j] == x) ++j;
    d = std::max(d,
                 std::abs(static_cast<double>(i) / a.size() - static_cast<double>(j) / b.size()));
  }
  return d;
}

struct Case {
  double mean, sd;
  size_t n;
  int decimals;
};

TEST(StreamingStatisticsTest, WindowPsiEqualsTheBatchFormulaOnTheSameBins) {
  const std::vector<double> ref = normal_sample(10000, 60, 5, 11);
  for (double share : {0.05, 0.1, 0.2}) {
    auto bins = reference_of(ref, 20, {.psi_min_bin_share = share});
    ASSERT_TRUE(bins.has_value());
    uint64_t seed = 100;
    for (const Case& c : {Case{60, 5, 1000, 1}, Case{61, 5, 500, 1}, Case{70, 8, 1000, 0},
                          Case{40, 2, 300, 2}, Case{60, 15, 2000, 1}}) {
      const std::vector<double> window = normal_sample(c.n, c.mean, c.sd, ++seed, c.decimals);
      const WindowStatistics s = window_statistics(*bins, stream(*bins, window));
      EXPECT_EQ(s.count, c.n);
      EXPECT_NEAR(s.psi, batch_psi(ref, *bins, window), 1e-12)
          << "share " << share << ", window mean " << c.mean;
    }
  }
}

TEST(StreamingStatisticsTest, BinnedKsBracketsTheExactStatistic) {
  uint64_t seed = 200;
  for (size_t bins : {5, 20, 32, 64}) {
    for (int decimals : {0, 1, 3}) {
      const std::vector<double> ref = normal_sample(4000, 60, 5, ++seed, decimals);
      auto reference = reference_of(ref, bins);
      ASSERT_TRUE(reference.has_value());
      for (const Case& c : {Case{60, 5, 1000, decimals}, Case{62, 5, 777, decimals},
                            Case{75, 3, 250, decimals}, Case{60, 1, 1500, decimals}}) {
        const std::vector<double> window = normal_sample(c.n, c.mean, c.sd, ++seed, c.decimals);
        const WindowStatistics s = window_statistics(*reference, stream(*reference, window));
        const double exact = exact_ks(ref, window);
        EXPECT_LE(s.ks, exact + 1e-12) << bins << " bins, mean " << c.mean;
        EXPECT_GE(s.ks + s.ks_bound, exact - 1e-12) << bins << " bins, mean " << c.mean;
        EXPECT_LE(s.ks_bound, 1.0);
      }
    }
  }
}

TEST(StreamingStatisticsTest, SameDistributionIsQuietAndAShiftIsLoud) {
  const std::vector<double> ref = normal_sample(10000, 60, 5, 31);
  auto reference = reference_of(ref);
  ASSERT_TRUE(reference.has_value());
  const WindowStatistics same =
      window_statistics(*reference, stream(*reference, normal_sample(1000, 60, 5, 32)));
  EXPECT_LT(same.psi, 0.05);
  EXPECT_LT(same.ks, 0.06);
  const WindowStatistics shifted =
      window_statistics(*reference, stream(*reference, normal_sample(1000, 68, 5, 33)));
  EXPECT_GT(shifted.psi, 1.0);
  EXPECT_GT(shifted.ks, 0.5);
}

TEST(StreamingStatisticsTest, AnEmptyWindowHasNoStatistics) {
  auto reference = reference_of(normal_sample(100, 0, 1, 41));
  ASSERT_TRUE(reference.has_value());
  const WindowStatistics s = window_statistics(*reference, std::vector<uint32_t>(20, 0));
  EXPECT_EQ(s.count, 0u);
  EXPECT_TRUE(std::isnan(s.psi));
  EXPECT_TRUE(std::isnan(s.ks));
}

}  // namespace
}  // namespace aiotops::drift
