#pragma once
// Data-quality checks of a dataset before it is trusted for drift tests or training: missing
// values, values outside the reference's widened range or outside physical limits, stuck
// sensors, duplicate and out-of-order timestamps per device, and label balance. Each check
// yields findings with counts and a few examples; which checks fail the step is configurable.

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "telemetry/dataset.h"

namespace aiotops::validate {

enum class QualityCheck {
  kMissingValues,         // NaN feature values (telemetry::ReadOptions::missing_as_nan)
  kOutOfRange,            // outside the reference's [min, max] widened by range_widening
  kImpossibleValues,      // outside a feature's physical limits
  kStuckSensor,           // a device's feature unchanged for >= stuck_readings readings
  kDuplicateTimestamps,   // a device sends the same timestamp twice
  kOutOfOrderTimestamps,  // a device's timestamp earlier than its previous reading's
  kLabelBalance,          // one class only, or the minority class below min_minority_share
};

// Every check, in report order.
inline constexpr QualityCheck kAllQualityChecks[] = {
    QualityCheck::kMissingValues,       QualityCheck::kOutOfRange,
    QualityCheck::kImpossibleValues,    QualityCheck::kStuckSensor,
    QualityCheck::kDuplicateTimestamps, QualityCheck::kOutOfOrderTimestamps,
    QualityCheck::kLabelBalance};

// "missing_values", "out_of_range", "impossible_values", "stuck_sensor",
// "duplicate_timestamps", "out_of_order_timestamps", "label_balance". Thread-safe.
std::string_view to_string(QualityCheck check);
// The inverse of to_string; kInvalidArgument listing the names otherwise. Thread-safe.
Result<QualityCheck> parse_quality_check(std::string_view text);

// A closed interval of values, in the feature's unit.
struct ValueRange {
  double min = 0;
  double max = 0;
};

// The motor features' physical limits: current, vibration and sound are magnitudes (>= 0) and
// temperature (degC) is above absolute zero. Thread-safe.
std::map<std::string, ValueRange> default_physical_limits();

// The checks that fail the step by default: missing values, impossible values, stuck sensors and
// duplicate timestamps. Out-of-range values (often drift rather than bad data), out-of-order
// timestamps (receive-time logs reorder) and label balance (a healthy window of telemetry has a
// single class; training refuses that itself) are reported as warnings.
std::set<QualityCheck> default_failing_checks();

struct QualityOptions {
  // A feature's missing values make a finding when their share exceeds this (fraction, [0, 1)).
  double max_missing_share = 0;
  // Reference range widening on each side, as a multiple of the range's width (|value| for a
  // constant feature, 1 when that is 0). Same rule as the edge service's training-range check.
  double range_widening = 0.5;
  // Physical limits by feature name; features not named here have none.
  std::map<std::string, ValueRange> physical_limits = default_physical_limits();
  // Readings (consecutive rows of one device, in file order) with an unchanged value that make
  // a stuck sensor. >= 2.
  size_t stuck_readings = 30;
  // Labelled data whose least frequent class has a smaller share makes a finding (fraction,
  // [0, 0.5]); a single class always does.
  double min_minority_share = 0.01;
  // Examples kept per finding.
  size_t max_examples = 5;
  // Checks whose findings fail the step; the others' findings are warnings.
  std::set<QualityCheck> failing = default_failing_checks();
};

// Where a problem was seen. `row` is the 1-based data row (header not counted).
struct QualityExample {
  std::string device;  // empty when the dataset has no device ids
  size_t row = 0;
  double value = 0;    // the offending value (NaN for a missing one; the timestamp in ms for
                       // timestamp checks; the stuck value; the label for label balance)
  std::string detail;  // e.g. "unchanged for 45 readings (rows 12-56)"
};

struct QualityFinding {
  QualityCheck check = QualityCheck::kMissingValues;
  std::string feature;                   // empty for checks of whole rows (timestamps, labels)
  size_t count = 0;                      // offending values, rows or runs (the message says which)
  size_t total = 0;                      // values or rows examined
  bool fails = false;                    // the check is in QualityOptions::failing
  std::string message;                   // one line naming the feature and the counts
  std::vector<QualityExample> examples;  // the first few, in row order
};

struct QualityReport {
  std::vector<QualityFinding> findings;  // in kAllQualityChecks order, then feature order
  bool ok = true;                        // no finding fails
  size_t rows = 0;
  size_t devices = 0;  // distinct non-empty device ids
};

// Reference ranges by feature name: each feature's finite [min, max] in `reference` (features
// without a finite value are left out). Thread-safe.
std::map<std::string, ValueRange> reference_ranges(const telemetry::Dataset& reference);

// Checks that options are in range; kInvalidArgument naming the option otherwise. Thread-safe.
Status check_options(const QualityOptions& options);

// Runs every check on `data`. Out-of-range uses `reference` ranges (features absent from it are
// not checked). Fails only with check_options' errors. Thread-safe.
Result<QualityReport> check_quality(const telemetry::Dataset& data,
                                    const std::map<std::string, ValueRange>& reference,
                                    const QualityOptions& options = {});

}  // namespace aiotops::validate
