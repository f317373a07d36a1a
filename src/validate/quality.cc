#include "validate/quality.h"

#include <array>
#include <cmath>
#include <limits>
#include <set>
#include <utility>

#include "validate/quality_checks.h"

namespace aiotops::validate {
namespace {

constexpr std::array<std::pair<QualityCheck, std::string_view>, 7> kNames{{
    {QualityCheck::kMissingValues, "missing_values"},
    {QualityCheck::kOutOfRange, "out_of_range"},
    {QualityCheck::kImpossibleValues, "impossible_values"},
    {QualityCheck::kStuckSensor, "stuck_sensor"},
    {QualityCheck::kDuplicateTimestamps, "duplicate_timestamps"},
    {QualityCheck::kOutOfOrderTimestamps, "out_of_order_timestamps"},
    {QualityCheck::kLabelBalance, "label_balance"},
}};

bool in_unit_interval(double value, double max) { return value >= 0 && value <= max; }

}  // namespace

std::string_view to_string(QualityCheck check) {
  for (const auto& [value, name] : kNames) {
    if (value == check) return name;
  }
  return "unknown";
}

Result<QualityCheck> parse_quality_check(std::string_view text) {
  std::string known;
  for (const auto& [value, name] : kNames) {
    if (name == text) return value;
    known += known.empty() ? "" : ", ";
    known += name;
  }
  return fail(ErrorCode::kInvalidArgument, "unknown data-quality check '{}'; expected one of {}",
              text, known);
}

std::map<std::string, ValueRange> default_physical_limits() {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  constexpr double kAbsoluteZeroC = -273.15;
  return {{"current", {0, kInfinity}},
          {"temperature", {kAbsoluteZeroC, kInfinity}},
          {"vibration", {0, kInfinity}},
          {"sound", {0, kInfinity}}};
}

std::set<QualityCheck> default_failing_checks() {
  return {QualityCheck::kMissingValues, QualityCheck::kImpossibleValues, QualityCheck::kStuckSensor,
          QualityCheck::kDuplicateTimestamps};
}

std::map<std::string, ValueRange> reference_ranges(const telemetry::Dataset& reference) {
  std::map<std::string, ValueRange> ranges;
  for (size_t c = 0; c < reference.cols(); ++c) {
    ValueRange range{std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()};
    for (size_t r = 0; r < reference.rows(); ++r) {
      const double value = reference.at(r, c);
      if (!std::isfinite(value)) continue;
      range.min = std::min(range.min, value);
      range.max = std::max(range.max, value);
    }
    if (range.min <= range.max) ranges[reference.feature_names[c]] = range;
  }
  return ranges;
}

Status check_options(const QualityOptions& options) {
  if (!(options.max_missing_share >= 0 && options.max_missing_share < 1)) {
    return fail(ErrorCode::kInvalidArgument, "max missing share {} is not in [0, 1)",
                options.max_missing_share);
  }
  if (!(std::isfinite(options.range_widening) && options.range_widening >= 0)) {
    return fail(ErrorCode::kInvalidArgument, "range widening {} is not a finite number >= 0",
                options.range_widening);
  }
  if (options.stuck_readings < 2) {
    return fail(ErrorCode::kInvalidArgument, "stuck readings {} is below 2",
                options.stuck_readings);
  }
  if (!in_unit_interval(options.min_minority_share, 0.5)) {
    return fail(ErrorCode::kInvalidArgument, "minimum minority share {} is not in [0, 0.5]",
                options.min_minority_share);
  }
  for (const auto& [name, limits] : options.physical_limits) {
    if (std::isnan(limits.min) || std::isnan(limits.max) || limits.min > limits.max) {
      return fail(ErrorCode::kInvalidArgument, "physical limits of '{}': [{}, {}] is empty", name,
                  limits.min, limits.max);
    }
  }
  return {};
}

Result<QualityReport> check_quality(const telemetry::Dataset& data,
                                    const std::map<std::string, ValueRange>& reference,
                                    const QualityOptions& options) {
  if (auto status = check_options(options); !status) return fail(status.error());
  QualityReport report;
  report.rows = data.rows();
  std::set<std::string_view> devices;
  for (const auto& id : data.device_ids) {
    if (!id.empty()) devices.insert(id);
  }
  report.devices = devices.size();
  detail::check_missing(data, options, report.findings);
  detail::check_out_of_range(data, reference, options, report.findings);
  detail::check_impossible(data, options, report.findings);
  detail::check_stuck(data, options, report.findings);
  detail::check_timestamps(data, options, report.findings);
  detail::check_label_balance(data, options, report.findings);
  for (const auto& finding : report.findings) report.ok = report.ok && !finding.fails;
  return report;
}

}  // namespace aiotops::validate
