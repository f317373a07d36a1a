#include <unordered_map>

#include "validate/quality_checks.h"

namespace aiotops::validate::detail {

void add_example(QualityFinding& finding, const telemetry::Dataset& data, size_t row, double value,
                 std::string detail, size_t max_examples) {
  if (finding.examples.size() >= max_examples) return;
  finding.examples.push_back(QualityExample{
      .device = data.device_ids.empty() ? std::string() : data.device_ids[row],
      .row = row + 1,
      .value = value,
      .detail = std::move(detail),
  });
}

std::vector<std::vector<size_t>> rows_by_device(const telemetry::Dataset& data) {
  std::vector<std::vector<size_t>> groups;
  if (data.device_ids.empty()) {
    groups.emplace_back(data.rows());
    for (size_t r = 0; r < data.rows(); ++r) groups.back()[r] = r;
    return groups;
  }
  std::unordered_map<std::string_view, size_t> group_of;
  for (size_t r = 0; r < data.rows(); ++r) {
    auto [it, added] = group_of.try_emplace(data.device_ids[r], groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(r);
  }
  return groups;
}

QualityFinding make_finding(QualityCheck check, std::string feature, size_t total,
                            const QualityOptions& options) {
  QualityFinding finding;
  finding.check = check;
  finding.feature = std::move(feature);
  finding.total = total;
  finding.fails = options.failing.contains(check);
  return finding;
}

}  // namespace aiotops::validate::detail
