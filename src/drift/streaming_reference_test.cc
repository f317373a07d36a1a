#include "drift/streaming_reference.h"

#include <gtest/gtest.h>

#include <numeric>

#include "drift/streaming_test_data.h"

namespace aiotops::drift {
namespace {

using testing::normal_sample;
using testing::stats_of;

TEST(StreamingReferenceTest, TakesTheHistogramsBinsWithOpenOuterBins) {
  const auto stats = stats_of(normal_sample(5000, 60, 5, 1), 20);
  auto reference = streaming_reference(stats);
  ASSERT_TRUE(reference.has_value()) << reference.error().message();
  ASSERT_EQ(reference->features.size(), 1u);
  const StreamingFeatureReference& f = reference->features[0];
  const telemetry::Histogram& h = stats.features[0].histogram;
  EXPECT_EQ(f.name, "temperature");
  EXPECT_EQ(reference->content_hash, stats.content_hash);
  ASSERT_EQ(f.bins(), 20u);
  ASSERT_EQ(f.edges.size(), 19u);
  for (size_t i = 0; i < f.edges.size(); ++i) EXPECT_EQ(f.edges[i], h.edges[i + 1]);
  for (size_t i = 0; i < f.bins(); ++i) EXPECT_EQ(f.counts[i], h.counts[i]);
  EXPECT_EQ(f.total, 5000u);
  EXPECT_EQ(reference->find("temperature"), &f);
  EXPECT_EQ(reference->find("current"), nullptr);
}

TEST(StreamingReferenceTest, PsiBinsHoldTheMinimumShareAndCoverEveryFineBin) {
  const auto stats = stats_of(normal_sample(5000, 60, 5, 2), 20);
  for (double share : {0.05, 0.1, 0.25, 0.5}) {
    auto reference = streaming_reference(stats, {.psi_min_bin_share = share});
    ASSERT_TRUE(reference.has_value());
    const StreamingFeatureReference& f = reference->features[0];
    ASSERT_FALSE(f.psi_bin_end.empty());
    EXPECT_EQ(f.psi_bin_end.back(), f.bins());
    EXPECT_LE(f.psi_bin_end.size(), static_cast<size_t>(1 / share)) << share;
    size_t begin = 0;
    for (size_t end : f.psi_bin_end) {
      ASSERT_GT(end, begin);
      const uint64_t held =
          std::accumulate(f.counts.begin() + begin, f.counts.begin() + end, uint64_t{0});
      EXPECT_GE(static_cast<double>(held), share * f.total) << share << " bins to " << end;
      begin = end;
    }
  }
}

TEST(StreamingReferenceTest, CoarsensLargeHistogramsKeepingCountsExact) {
  const auto stats = stats_of(normal_sample(5000, 60, 5, 3), 100);
  auto reference = streaming_reference(stats);
  ASSERT_TRUE(reference.has_value());
  const StreamingFeatureReference& f = reference->features[0];
  const telemetry::Histogram& h = stats.features[0].histogram;
  // 100 -> 50 -> 25 bins, each the sum of 4 neighbours (the last of 4 too).
  ASSERT_EQ(f.bins(), 25u);
  ASSERT_EQ(f.edges.size(), 24u);
  for (size_t i = 0; i < f.bins(); ++i) {
    EXPECT_EQ(f.counts[i], h.counts[4 * i] + h.counts[4 * i + 1] + h.counts[4 * i + 2] +
                               h.counts[4 * i + 3]);
    if (i + 1 < f.bins()) EXPECT_EQ(f.edges[i], h.edges[4 * (i + 1)]);
  }
  EXPECT_EQ(f.total, 5000u);
}

TEST(StreamingReferenceTest, RefusesEmptyFeaturesAndBadOptions) {
  const auto empty = stats_of({}, 20);
  auto reference = streaming_reference(empty);
  ASSERT_FALSE(reference.has_value());
  EXPECT_NE(reference.error().message().find("temperature"), std::string::npos);
  const auto stats = stats_of(normal_sample(100, 0, 1, 4));
  EXPECT_FALSE(streaming_reference(stats, {.psi_min_bin_share = 0}).has_value());
  EXPECT_FALSE(streaming_reference(stats, {.psi_min_bin_share = 0.6}).has_value());
  const std::vector<double> edges{0, 2, 1};
  const std::vector<size_t> counts{1, 1};
  EXPECT_FALSE(streaming_feature_reference("x", edges, counts).has_value());
}

}  // namespace
}  // namespace aiotops::drift
