#pragma once
// Population Stability Index on reference-quantile bins, with the per-bin shares the HTML
// report draws as a histogram overlay. Definitions: docs/drift.md.

#include <vector>

#include "common/error.h"
#include "drift/sorted_sample.h"

namespace aiotops::drift {

struct PsiOptions {
  int bins = 10;          // wanted bins (>= 1); repeated quantile edges (ties) merge bins
  double epsilon = 1e-4;  // share (fraction) that replaces an empty bin's 0 in the logarithm
};

struct PsiResult {
  double psi = 0;  // sum over bins of (current - reference) * ln(current / reference), >= 0
  // edges.size() == reference_share.size() + 1. Inner edges are the distinct reference
  // quantiles; bin i holds values v with edges[i] < v <= edges[i + 1], the first and last bins
  // are open-ended. edges.front() / edges.back() are the smallest / largest value of either
  // sample, for drawing.
  std::vector<double> edges;
  std::vector<double> reference_share;  // fraction of the reference in each bin (sums to 1)
  std::vector<double> current_share;    // fraction of the current sample in each bin
};

// PSI of `current` against `reference`. Fails with kInvalidArgument when options are out of
// range (bins < 1, epsilon not in (0, 1)). Thread-safe.
Result<PsiResult> psi(const SortedSample& reference, const SortedSample& current,
                      const PsiOptions& options = {});

}  // namespace aiotops::drift
