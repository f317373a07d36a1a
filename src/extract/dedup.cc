#include "extract/dedup.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "extract/time_window.h"

namespace aiotops::extract {
namespace {

bool same_label(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// What differs between rows a and b, or "" when they are the same reading.
std::string difference(const telemetry::Dataset& d, size_t a, size_t b) {
  for (size_t c = 0; c < d.cols(); ++c) {
    if (d.at(a, c) != d.at(b, c)) {
      return fmt::format("{} {} vs {}", d.feature_names[c], d.at(a, c), d.at(b, c));
    }
  }
  if (d.has_labels() && !same_label(d.labels[a], d.labels[b])) {
    return fmt::format("label {} vs {}", d.labels[a], d.labels[b]);
  }
  if (!d.fault_types.empty() && d.fault_types[a] != d.fault_types[b]) {
    return fmt::format("fault_type '{}' vs '{}'", d.fault_types[a], d.fault_types[b]);
  }
  return {};
}

}  // namespace

DedupReport sort_and_deduplicate(telemetry::Dataset& dataset, size_t max_examples) {
  std::vector<size_t> order(dataset.rows());
  std::iota(order.begin(), order.end(), size_t{0});
  const auto& ids = dataset.device_ids;
  const auto& times = dataset.timestamps_ms;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (ids[a] != ids[b]) return ids[a] < ids[b];
    return times[a] < times[b];
  });
  DedupReport report;
  std::vector<size_t> kept;
  kept.reserve(order.size());
  for (size_t r : order) {
    if (kept.empty() || ids[kept.back()] != ids[r] || times[kept.back()] != times[r]) {
      kept.push_back(r);
      continue;
    }
    ++report.duplicates;
    std::string differs = difference(dataset, kept.back(), r);
    if (differs.empty()) continue;
    ++report.conflicts;
    if (report.conflict_examples.size() < max_examples) {
      report.conflict_examples.push_back(fmt::format("device {} at {} ({}): {}; the first kept",
                                                     ids[r], times[r], format_time_point(times[r]),
                                                     differs));
    }
  }
  dataset = telemetry::select_rows(dataset, kept);
  return report;
}

}  // namespace aiotops::extract
