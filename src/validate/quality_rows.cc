// The checks of whole rows: timestamps per device and label balance.

#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "validate/quality_checks.h"

namespace aiotops::validate::detail {

void check_timestamps(const telemetry::Dataset& data, const QualityOptions& options,
                      std::vector<QualityFinding>& out) {
  if (data.timestamps_ms.empty()) return;
  QualityFinding duplicates =
      make_finding(QualityCheck::kDuplicateTimestamps, {}, data.rows(), options);
  QualityFinding disordered =
      make_finding(QualityCheck::kOutOfOrderTimestamps, {}, data.rows(), options);
  for (const auto& rows : rows_by_device(data)) {
    std::unordered_map<int64_t, size_t> first_row_of;  // timestamp -> first row with it
    for (size_t i = 0; i < rows.size(); ++i) {
      const size_t r = rows[i];
      const int64_t t = data.timestamps_ms[r];
      auto [it, added] = first_row_of.try_emplace(t, r);
      if (!added) {
        ++duplicates.count;
        add_example(duplicates, data, r, static_cast<double>(t),
                    fmt::format("same timestamp as row {}", it->second + 1), options.max_examples);
        continue;
      }
      if (i == 0) continue;
      const size_t previous = rows[i - 1];
      if (t < data.timestamps_ms[previous]) {
        ++disordered.count;
        add_example(
            disordered, data, r, static_cast<double>(t),
            fmt::format("earlier than row {} ({})", previous + 1, data.timestamps_ms[previous]),
            options.max_examples);
      }
    }
  }
  if (duplicates.count > 0) {
    duplicates.message = fmt::format("{} of {} rows repeat an earlier timestamp of their device",
                                     duplicates.count, duplicates.total);
    out.push_back(std::move(duplicates));
  }
  if (disordered.count > 0) {
    disordered.message =
        fmt::format("{} of {} rows are earlier than their device's previous reading",
                    disordered.count, disordered.total);
    out.push_back(std::move(disordered));
  }
}

void check_label_balance(const telemetry::Dataset& data, const QualityOptions& options,
                         std::vector<QualityFinding>& out) {
  if (!data.has_labels() || data.rows() == 0) return;
  std::map<double, size_t> counts;
  for (double label : data.labels) ++counts[label];
  auto minority = counts.begin();
  for (auto it = counts.begin(); it != counts.end(); ++it) {
    if (it->second < minority->second) minority = it;
  }
  const double share = static_cast<double>(minority->second) / static_cast<double>(data.rows());
  if (counts.size() > 1 && share >= options.min_minority_share) return;
  QualityFinding finding = make_finding(QualityCheck::kLabelBalance, {}, data.rows(), options);
  finding.count = minority->second;
  if (counts.size() == 1) {
    finding.message = fmt::format("label '{}' is {:g} in all {} rows: a single class",
                                  data.label_name, minority->first, data.rows());
  } else {
    finding.message =
        fmt::format("label '{}': the minority class {:g} has {} of {} rows ({:.2f}%), under {:g}%",
                    data.label_name, minority->first, minority->second, data.rows(), 100.0 * share,
                    100.0 * options.min_minority_share);
  }
  for (size_t r = 0; r < data.rows(); ++r) {
    if (data.labels[r] == minority->first) {
      add_example(finding, data, r, data.labels[r], {}, options.max_examples);
    }
  }
  out.push_back(std::move(finding));
}

}  // namespace aiotops::validate::detail
