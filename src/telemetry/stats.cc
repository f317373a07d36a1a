#include "telemetry/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace aiotops::telemetry {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Neumaier's compensated sum: accurate to a few ulps whatever the order of the values.
class CompensatedSum {
 public:
  void add(double value) {
    double total = sum_ + value;
    compensation_ +=
        std::abs(sum_) >= std::abs(value) ? (sum_ - total) + value : (value - total) + sum_;
    sum_ = total;
  }
  double value() const { return sum_ + compensation_; }

 private:
  double sum_ = 0;
  double compensation_ = 0;
};

// numpy.quantile(sorted, level) with method="linear" (numpy 1.22+): virtual index (n-1)*level,
// then numpy's _lerp, which interpolates from the nearer end.
double quantile_sorted(const std::vector<double>& sorted, double level) {
  double index = static_cast<double>(sorted.size() - 1) * level;
  double below = std::floor(index);
  auto lo = static_cast<size_t>(below);
  size_t hi = std::min(lo + 1, sorted.size() - 1);
  double t = index - below;
  double a = sorted[lo];
  double b = sorted[hi];
  double diff = b - a;
  if (!std::isfinite(diff)) return a * (1 - t) + b * t;  // a range wider than a double holds
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

// numpy.histogram(values, bins) for equal-width bins: numpy.linspace edges, then numpy's index
// computation and its correction against the edges. Ranges wider than a double can hold (only
// possible near +-1.8e308) are computed on halved values instead of overflowing.
Histogram histogram_of(const std::vector<double>& sorted, size_t bins) {
  Histogram histogram;
  double first = sorted.front();
  double last = sorted.back();
  if (first == last) {
    first -= 0.5;
    last += 0.5;
  }
  const auto count = static_cast<double>(bins);
  const double delta = last - first;
  const bool wide = !std::isfinite(delta);
  const double step = delta / count;
  histogram.edges.resize(bins + 1);
  for (size_t i = 0; i <= bins; ++i) {
    auto position = static_cast<double>(i);
    if (wide) {
      histogram.edges[i] = first * (1 - position / count) + last * (position / count);
    } else {
      histogram.edges[i] = step == 0 ? position / count * delta + first : position * step + first;
    }
  }
  histogram.edges[bins] = last;
  histogram.counts.assign(bins, 0);
  const auto& edges = histogram.edges;
  for (double value : sorted) {
    double scaled = wide ? (value / 2 - first / 2) / (last / 2 - first / 2) * count
                         : (value - first) / delta * count;
    size_t index = scaled >= 0 ? static_cast<size_t>(std::min(scaled, count)) : 0;
    if (index >= bins) index = bins - 1;
    if (value < edges[index] && index > 0) --index;
    if (value >= edges[index + 1] && index != bins - 1) ++index;
    ++histogram.counts[index];
  }
  return histogram;
}

FeatureStats feature_stats(const Dataset& dataset, size_t column, size_t bins) {
  FeatureStats stats;
  stats.name = dataset.feature_names[column];
  stats.count = dataset.rows();
  if (stats.count == 0) {
    stats.min = stats.max = stats.mean = stats.stddev = kNaN;
    stats.quantiles.fill(kNaN);
    return stats;
  }
  std::vector<double> values(stats.count);
  for (size_t r = 0; r < stats.count; ++r) values[r] = dataset.at(r, column);
  std::sort(values.begin(), values.end());
  stats.min = values.front();
  stats.max = values.back();
  const auto n = static_cast<double>(stats.count);
  // Two passes as numpy does; if a sum overflows (values near 1.8e308), the same sums are taken
  // over scaled values instead.
  CompensatedSum sum;
  for (double value : values) sum.add(value);
  stats.mean = sum.value() / n;
  if (!std::isfinite(stats.mean)) {
    CompensatedSum scaled;
    for (double value : values) scaled.add(value / n);
    stats.mean = scaled.value();
  }
  CompensatedSum squares;
  for (double value : values) squares.add((value - stats.mean) * (value - stats.mean));
  stats.stddev = std::sqrt(squares.value() / n);
  if (!std::isfinite(stats.stddev)) {
    const double scale = std::max(std::abs(stats.min), std::abs(stats.max));
    CompensatedSum scaled;
    for (double value : values) {
      double deviation = value / scale - stats.mean / scale;
      scaled.add(deviation * deviation);
    }
    stats.stddev = scale * std::sqrt(scaled.value() / n);
  }
  for (size_t q = 0; q < kQuantileLevels.size(); ++q) {
    stats.quantiles[q] = quantile_sorted(values, kQuantileLevels[q]);
  }
  stats.histogram = histogram_of(values, bins);
  return stats;
}

}  // namespace

DatasetStats compute_stats(const Dataset& dataset, const StatsOptions& options) {
  DatasetStats stats;
  stats.content_hash = dataset_content_hash(dataset);
  stats.rows = dataset.rows();
  const size_t bins = std::max<size_t>(options.histogram_bins, 1);
  for (size_t c = 0; c < dataset.cols(); ++c)
    stats.features.push_back(feature_stats(dataset, c, bins));
  if (dataset.has_labels()) {
    stats.label_name = dataset.label_name.empty() ? std::string(kLabelColumn) : dataset.label_name;
    for (double label : dataset.labels) ++stats.label_counts[label == 0 ? 0.0 : label];
    auto positives = stats.label_counts.find(1.0);
    size_t positive = positives == stats.label_counts.end() ? 0 : positives->second;
    stats.positive_rate =
        stats.rows == 0 ? 0.0 : static_cast<double>(positive) / static_cast<double>(stats.rows);
  } else if (!dataset.label_name.empty() && dataset.rows() == 0) {
    stats.label_name = dataset.label_name;
    stats.positive_rate = 0.0;
  }
  std::set<std::string_view> devices;
  for (const auto& id : dataset.device_ids) {
    if (!id.empty()) devices.insert(id);
  }
  stats.devices = devices.size();
  if (!dataset.timestamps_ms.empty()) {
    auto [first, last] =
        std::minmax_element(dataset.timestamps_ms.begin(), dataset.timestamps_ms.end());
    stats.time_range = TimeRange{*first, *last};
  }
  return stats;
}

}  // namespace aiotops::telemetry
