#include "drift/streaming_reference.h"

#include <gtest/gtest.h>

#include <numeric>

#include "drift/streaming_test_data.h"

namespace aiotops::drift {
namespace {

using testing::histogram_of;
using testing::normal_sample;
using testing::reference_of;

TEST(StreamingReferenceTest, TakesTheHistogramsBinsWithOpenOuterBins) {
  const std::vector<double> values = normal_sample(5000, 60, 5, 1);
  const testing::TestHistogram h = histogram_of(values, 20);
  auto f = reference_of(values, 20);
  ASSERT_TRUE(f.has_value()) << f.error().message();
  EXPECT_EQ(f->name, "temperature");
  ASSERT_EQ(f->bins(), 20u);
  ASSERT_EQ(f->edges.size(), 19u);
  for (size_t i = 0; i < f->edges.size(); ++i) EXPECT_EQ(f->edges[i], h.edges[i + 1]);
  for (size_t i = 0; i < f->bins(); ++i) EXPECT_EQ(f->counts[i], h.counts[i]);
  EXPECT_EQ(f->total, 5000u);

  StreamingReference reference;
  reference.features.push_back(std::move(*f));
  EXPECT_EQ(reference.find("temperature"), &reference.features[0]);
  EXPECT_EQ(reference.find("current"), nullptr);
}

TEST(StreamingReferenceTest, PsiBinsHoldTheMinimumShareAndCoverEveryFineBin) {
  const std::vector<double> values = normal_sample(5000, 60, 5, 2);
  for (double share : {0.05, 0.1, 0.25, 0.5}) {
    auto f = reference_of(values, 20, {.psi_min_bin_share = share});
    ASSERT_TRUE(f.has_value());
    ASSERT_FALSE(f->psi_bin_end.empty());
    EXPECT_EQ(f->psi_bin_end.back(), f->bins());
    EXPECT_LE(f->psi_bin_end.size(), static_cast<size_t>(1 / share)) << share;
    size_t begin = 0;
    for (size_t end : f->psi_bin_end) {
      ASSERT_GT(end, begin);
      const uint64_t held =
          std::accumulate(f->counts.begin() + begin, f->counts.begin() + end, uint64_t{0});
      EXPECT_GE(static_cast<double>(held), share * f->total) << share << " bins to " << end;
      begin = end;
    }
  }
}

TEST(StreamingReferenceTest, CoarsensLargeHistogramsKeepingCountsExact) {
  const std::vector<double> values = normal_sample(5000, 60, 5, 3);
  const testing::TestHistogram h = histogram_of(values, 100);
  auto f = reference_of(values, 100);
  ASSERT_TRUE(f.has_value());
  // 100 -> 50 -> 25 bins, each the sum of 4 neighbours.
  ASSERT_EQ(f->bins(), 25u);
  ASSERT_EQ(f->edges.size(), 24u);
  for (size_t i = 0; i < f->bins(); ++i) {
    EXPECT_EQ(f->counts[i],
              h.counts[4 * i] + h.counts[4 * i + 1] + h.counts[4 * i + 2] + h.counts[4 * i + 3]);
    if (i + 1 < f->bins()) {
      EXPECT_EQ(f->edges[i], h.edges[4 * (i + 1)]);
    }
  }
  EXPECT_EQ(f->total, 5000u);
}

TEST(StreamingReferenceTest, RefusesMalformedHistogramsAndBadOptions) {
  const std::vector<double> edges{0, 1, 2};
  const std::vector<size_t> counts{3, 4};
  EXPECT_TRUE(streaming_feature_reference("x", edges, counts).has_value());
  auto empty = streaming_feature_reference("x", edges, std::vector<size_t>{0, 0});
  ASSERT_FALSE(empty.has_value());
  EXPECT_NE(empty.error().message().find("'x'"), std::string::npos);
  EXPECT_FALSE(streaming_feature_reference("x", std::vector<double>{0, 2, 1}, counts));
  EXPECT_FALSE(streaming_feature_reference("x", std::vector<double>{0, 1}, counts));
  EXPECT_FALSE(streaming_feature_reference("x", edges, counts, {.psi_min_bin_share = 0}));
  EXPECT_FALSE(streaming_feature_reference("x", edges, counts, {.psi_min_bin_share = 0.6}));
}

}  // namespace
}  // namespace aiotops::drift
