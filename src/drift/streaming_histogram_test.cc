#include "drift/streaming_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "drift/streaming_test_data.h"

namespace aiotops::drift {
namespace {

// The bin by definition: how many edges are <= the value.
size_t expected_bin(const std::vector<double>& edges, double value) {
  return static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), value) - edges.begin());
}

TEST(BinLocatorTest, AgreesWithUpperBoundForEveryEdgeCount) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> draw(-10, 10);
  for (size_t n = 0; n < kMaxStreamingBins; ++n) {
    std::vector<double> edges(n);
    for (double& e : edges) e = std::round(draw(rng));  // repeated edges too
    std::ranges::sort(edges);
    const BinLocator locator(edges);
    std::vector<double> probes = edges;
    for (int i = 0; i < 200; ++i) probes.push_back(draw(rng));
    probes.push_back(-std::numeric_limits<double>::infinity());
    probes.push_back(std::numeric_limits<double>::infinity());
    for (double v : probes) {
      ASSERT_EQ(locator.bin(v), expected_bin(edges, v)) << n << " edges, value " << v;
    }
    EXPECT_EQ(locator.bin(std::numeric_limits<double>::quiet_NaN()), 0u);
  }
}

TEST(StreamingHistogramTest, CountsValuesPerBin) {
  auto reference = testing::reference_of(testing::normal_sample(2000, 60, 5, 1));
  ASSERT_TRUE(reference.has_value());
  const StreamingFeatureReference& f = *reference;
  StreamingHistogram histogram(f);
  const std::vector<double> values = testing::normal_sample(1000, 62, 6, 2);
  std::vector<uint32_t> expected(f.bins());
  for (double v : values) ++expected[expected_bin(f.edges, v)];

  for (double v : values) histogram.add(v);

  EXPECT_EQ(histogram.count(), 1000u);
  EXPECT_EQ(std::vector<uint32_t>(histogram.counts().begin(), histogram.counts().end()), expected);
  histogram.clear();
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_TRUE(std::ranges::all_of(histogram.counts(), [](uint32_t c) { return c == 0; }));
}

}  // namespace
}  // namespace aiotops::drift
