#pragma once
// The reference a streaming drift monitor compares windows against: per feature, the bins of the
// reference dataset's histogram (the model's training data, from its statistics file,
// docs/formats/dataset-stats.md) with their exact reference counts. Fine bins feed the KS
// statistic; groups of adjacent fine bins holding at least a minimum share of the reference (about
// deciles by default) are the PSI bins, so no PSI bin has an empty reference share.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"

namespace aiotops::drift {

// Fine bins per feature at most: the bin locator searches a fixed array of this many slots
// (streaming_window.h). Reference histograms with more bins are coarsened by merging neighbours.
inline constexpr size_t kMaxStreamingBins = 32;

struct StreamingFeatureReference {
  std::string name;
  // Ascending interior edges, bins() - 1 of them. Bin 0 is (-inf, edges[0]), bin i is
  // [edges[i-1], edges[i]), the last [edges.back(), +inf): the histogram's bins with its outer
  // bins opened, so values outside the reference's range land in the bins at its ends.
  std::vector<double> edges;
  std::vector<uint64_t> counts;  // reference values per fine bin; edges.size() + 1 of them
  uint64_t total = 0;            // sum of counts, > 0
  // PSI bin g covers fine bins [psi_bin_end[g-1], psi_bin_end[g]) (from 0 for g = 0); the last
  // entry is bins(). Each holds at least StreamingReferenceOptions::psi_min_bin_share.
  std::vector<size_t> psi_bin_end;

  size_t bins() const { return counts.size(); }
};

struct StreamingReference {
  std::string content_hash;  // of the reference dataset, when known
  std::vector<StreamingFeatureReference> features;

  // The feature named `name`, or nullptr.
  const StreamingFeatureReference* find(std::string_view name) const;
};

struct StreamingReferenceOptions {
  // Share of the reference (0, 0.5] that each PSI bin holds at least: 0.1 makes at most 10 PSI
  // bins, about the reference's deciles.
  double psi_min_bin_share = 0.1;
};

// The fine bins of one histogram (edges e0..eB ascending, counts c0..cB-1; numpy.histogram's, as
// dataset statistics hold them) as the streaming reference of feature `name`, coarsened to
// kMaxStreamingBins. kInvalidArgument naming the feature when the histogram is malformed or holds
// no values, or for options out of range. Thread-safe.
Result<StreamingFeatureReference> streaming_feature_reference(
    std::string name, std::span<const double> histogram_edges,
    std::span<const size_t> histogram_counts, const StreamingReferenceOptions& options = {});

}  // namespace aiotops::drift
