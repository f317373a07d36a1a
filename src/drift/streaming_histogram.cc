#include "drift/streaming_histogram.h"

#include <algorithm>
#include <limits>

namespace aiotops::drift {

BinLocator::BinLocator(std::span<const double> edges) {
  slots_.fill(std::numeric_limits<double>::quiet_NaN());
  const size_t used = std::min(edges.size(), kMaxStreamingBins - 1);
  std::copy_n(edges.begin(), used, slots_.begin());
}

}  // namespace aiotops::drift
