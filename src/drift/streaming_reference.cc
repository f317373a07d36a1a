#include "drift/streaming_reference.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace aiotops::drift {
namespace {

// Merges neighbouring fine bins pairwise until at most kMaxStreamingBins remain: the counts stay
// exact, only resolution is lost.
void coarsen(StreamingFeatureReference& f) {
  while (f.counts.size() > kMaxStreamingBins) {
    std::vector<uint64_t> counts;
    std::vector<double> edges;
    for (size_t i = 0; i < f.counts.size(); i += 2) {
      counts.push_back(f.counts[i] + (i + 1 < f.counts.size() ? f.counts[i + 1] : 0));
      // The edge after the merged pair, if a bin follows it.
      if (i + 2 < f.counts.size()) edges.push_back(f.edges[i + 1]);
    }
    f.counts = std::move(counts);
    f.edges = std::move(edges);
  }
}

// Groups fine bins left to right until each group holds `min_share` of the reference; a short
// remainder at the end joins the last group.
std::vector<size_t> psi_bins(std::span<const uint64_t> counts, uint64_t total, double min_share) {
  std::vector<size_t> ends;
  const double need = min_share * static_cast<double>(total);
  uint64_t held = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    held += counts[i];
    if (static_cast<double>(held) >= need) {
      ends.push_back(i + 1);
      held = 0;
    }
  }
  if (ends.empty()) {
    ends.push_back(counts.size());
  } else {
    ends.back() = counts.size();
  }
  return ends;
}

}  // namespace

const StreamingFeatureReference* StreamingReference::find(std::string_view name) const {
  for (const StreamingFeatureReference& f : features) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Result<StreamingFeatureReference> streaming_feature_reference(
    std::string name, std::span<const double> histogram_edges,
    std::span<const size_t> histogram_counts, const StreamingReferenceOptions& options) {
  if (!(options.psi_min_bin_share > 0 && options.psi_min_bin_share <= 0.5)) {
    return fail(ErrorCode::kInvalidArgument, "PSI bin share {}: expected (0, 0.5]",
                options.psi_min_bin_share);
  }
  if (histogram_counts.empty() || histogram_edges.size() != histogram_counts.size() + 1) {
    return fail(ErrorCode::kInvalidArgument,
                "feature '{}': a histogram of {} edges and {} counts (expected counts + 1 edges, "
                "at least one bin)",
                name, histogram_edges.size(), histogram_counts.size());
  }
  if (!std::ranges::is_sorted(histogram_edges)) {
    return fail(ErrorCode::kInvalidArgument, "feature '{}': histogram edges are not ascending",
                name);
  }
  StreamingFeatureReference f;
  f.name = std::move(name);
  f.edges.assign(histogram_edges.begin() + 1, histogram_edges.end() - 1);
  f.counts.assign(histogram_counts.begin(), histogram_counts.end());
  f.total = std::accumulate(f.counts.begin(), f.counts.end(), uint64_t{0});
  if (f.total == 0) {
    return fail(ErrorCode::kInvalidArgument, "feature '{}': the reference holds no values", f.name);
  }
  coarsen(f);
  f.psi_bin_end = psi_bins(f.counts, f.total, options.psi_min_bin_share);
  return f;
}

}  // namespace aiotops::drift
