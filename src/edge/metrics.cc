#include "edge/metrics.h"

#include <algorithm>
#include <cmath>

#include "edge/prometheus_text.h"

namespace aiotops::edge {

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size() + 1) {}

void Histogram::observe(double value) noexcept {
  if (std::isnan(value)) return;
  size_t bucket = static_cast<size_t>(
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

void InfoGauge::set(std::span<const std::string> values) {
  std::string labels;
  for (size_t i = 0; i < label_names_.size(); ++i) {
    append_label(labels, label_names_[i], i < values.size() ? values[i] : std::string());
  }
  std::lock_guard lock(mutex_);
  labels_ = std::move(labels);
}

std::string InfoGauge::labels() const {
  std::lock_guard lock(mutex_);
  return labels_;
}

}  // namespace aiotops::edge
