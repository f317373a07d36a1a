// The checks of single feature values: missing, out of the reference range, physically
// impossible, stuck.

#include <cmath>

#include <fmt/format.h>

#include "validate/quality_checks.h"

namespace aiotops::validate::detail {
namespace {

double percent(size_t count, size_t total) {
  return total == 0 ? 0.0 : 100.0 * static_cast<double>(count) / static_cast<double>(total);
}

// Counts the finite values of column `c` outside `range` into `finding`; true when any.
bool count_outside(const telemetry::Dataset& data, size_t c, ValueRange range,
                   QualityFinding& finding, const QualityOptions& options) {
  for (size_t r = 0; r < data.rows(); ++r) {
    const double value = data.at(r, c);
    if (std::isnan(value) || (value >= range.min && value <= range.max)) continue;
    ++finding.count;
    add_example(finding, data, r, value, {}, options.max_examples);
  }
  return finding.count > 0;
}

}  // namespace

void check_missing(const telemetry::Dataset& data, const QualityOptions& options,
                   std::vector<QualityFinding>& out) {
  for (size_t c = 0; c < data.cols(); ++c) {
    const std::string& name = data.feature_names[c];
    QualityFinding finding = make_finding(QualityCheck::kMissingValues, name, data.rows(), options);
    for (size_t r = 0; r < data.rows(); ++r) {
      if (!std::isnan(data.at(r, c))) continue;
      ++finding.count;
      add_example(finding, data, r, data.at(r, c), {}, options.max_examples);
    }
    const double share = percent(finding.count, finding.total) / 100.0;
    if (finding.count == 0 || share <= options.max_missing_share) continue;
    finding.message = fmt::format("{}: {} of {} values missing ({:.2f}%)", name, finding.count,
                                  finding.total, percent(finding.count, finding.total));
    out.push_back(std::move(finding));
  }
}

void check_out_of_range(const telemetry::Dataset& data,
                        const std::map<std::string, ValueRange>& reference,
                        const QualityOptions& options, std::vector<QualityFinding>& out) {
  for (size_t c = 0; c < data.cols(); ++c) {
    const std::string& name = data.feature_names[c];
    auto it = reference.find(name);
    if (it == reference.end()) continue;
    const ValueRange ref = it->second;
    double width = ref.max - ref.min;
    if (width == 0) width = ref.min == 0 ? 1.0 : std::fabs(ref.min);
    const double margin = options.range_widening * width;
    const ValueRange widened{ref.min - margin, ref.max + margin};
    QualityFinding finding = make_finding(QualityCheck::kOutOfRange, name, data.rows(), options);
    if (!count_outside(data, c, widened, finding, options)) continue;
    finding.message = fmt::format(
        "{}: {} of {} values ({:.2f}%) outside the reference range [{:g}, {:g}] widened to "
        "[{:g}, {:g}]",
        name, finding.count, finding.total, percent(finding.count, finding.total), ref.min, ref.max,
        widened.min, widened.max);
    out.push_back(std::move(finding));
  }
}

void check_impossible(const telemetry::Dataset& data, const QualityOptions& options,
                      std::vector<QualityFinding>& out) {
  for (size_t c = 0; c < data.cols(); ++c) {
    const std::string& name = data.feature_names[c];
    auto it = options.physical_limits.find(name);
    if (it == options.physical_limits.end()) continue;
    QualityFinding finding =
        make_finding(QualityCheck::kImpossibleValues, name, data.rows(), options);
    if (!count_outside(data, c, it->second, finding, options)) continue;
    finding.message =
        fmt::format("{}: {} of {} values outside the physical limits [{:g}, {:g}]", name,
                    finding.count, finding.total, it->second.min, it->second.max);
    out.push_back(std::move(finding));
  }
}

void check_stuck(const telemetry::Dataset& data, const QualityOptions& options,
                 std::vector<QualityFinding>& out) {
  const auto groups = rows_by_device(data);
  for (size_t c = 0; c < data.cols(); ++c) {
    const std::string& name = data.feature_names[c];
    QualityFinding finding = make_finding(QualityCheck::kStuckSensor, name, data.rows(), options);
    size_t stuck_readings = 0;
    for (const auto& rows : groups) {
      // A run is rows[begin, end) of equal values; NaN never equals, so it ends any run.
      for (size_t begin = 0; begin < rows.size();) {
        size_t end = begin + 1;
        while (end < rows.size() && data.at(rows[end], c) == data.at(rows[begin], c)) ++end;
        const size_t length = end - begin;
        if (length >= options.stuck_readings) {
          ++finding.count;
          stuck_readings += length;
          add_example(finding, data, rows[begin], data.at(rows[begin], c),
                      fmt::format("unchanged for {} readings, rows {}-{}", length, rows[begin] + 1,
                                  rows[end - 1] + 1),
                      options.max_examples);
        }
        begin = end;
      }
    }
    if (finding.count == 0) continue;
    finding.message = fmt::format(
        "{}: {} stuck run(s) of at least {} unchanged readings from one device, {} of {} "
        "readings",
        name, finding.count, options.stuck_readings, stuck_readings, finding.total);
    out.push_back(std::move(finding));
  }
}

}  // namespace aiotops::validate::detail
