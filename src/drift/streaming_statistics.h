#pragma once
// PSI and the Kolmogorov–Smirnov statistic of one window against its reference, computed from
// bin counts alone (no values are kept), when a window closes. Allocation-free; thread-safe.
//
// PSI = sum over the reference's PSI bins of (w - r) * ln(w / r), with r and w the reference's
// and the window's share of the bin, each floored at kPsiShareFloor so that an empty window bin
// stays finite (0.1 is commonly read as a moderate shift, 0.2 as a significant one).
//
// KS on bins: the exact two-sample statistic sup_x |F_window(x) - F_reference(x)| needs the
// values; on bins only the CDFs just below each interior fine edge are known, both exactly. Their
// largest difference D is a lower bound, and within bin i both CDFs rise by that bin's share, so
//   D <= KS <= D + max_i min(r_i, w_i)
// with r_i, w_i the fine bin's shares. The bound is reported with D so the approximation's
// resolution is visible: with 20 equal-width reference bins it is the mass of the fullest bin.

#include <cstdint>
#include <span>

#include "drift/streaming_reference.h"

namespace aiotops::drift {

inline constexpr double kPsiShareFloor = 1e-4;

struct WindowStatistics {
  uint64_t count = 0;   // values in the window
  double psi = 0;       // on the reference's PSI bins
  double ks = 0;        // D: the largest CDF difference at the interior fine edges
  double ks_bound = 0;  // the exact KS statistic lies in [ks, ks + ks_bound]
};

// The statistics of a window's fine-bin counts (reference.bins() of them; fewer are treated as
// zeros, more are ignored). A window without values gives NaN psi and ks. Never fails.
WindowStatistics window_statistics(const StreamingFeatureReference& reference,
                                   std::span<const uint32_t> counts);

}  // namespace aiotops::drift
