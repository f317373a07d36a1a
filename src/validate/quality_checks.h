#pragma once
// The individual data-quality checks behind check_quality (quality.h), and what they share.
// Internal to the validate module. Each appends its findings to `out`. Thread-safe.

#include <vector>

#include "validate/quality.h"

namespace aiotops::validate::detail {

// Appends an example for `row` (0-based) unless the finding already holds max_examples.
void add_example(QualityFinding& finding, const telemetry::Dataset& data, size_t row, double value,
                 std::string detail, size_t max_examples);

// Row indices grouped by device, groups in order of first appearance, rows in file order; one
// group of every row when the dataset has no device ids.
std::vector<std::vector<size_t>> rows_by_device(const telemetry::Dataset& data);

// A finding of `check` for `feature`, with `fails` set from the options.
QualityFinding make_finding(QualityCheck check, std::string feature, size_t total,
                            const QualityOptions& options);

void check_missing(const telemetry::Dataset& data, const QualityOptions& options,
                   std::vector<QualityFinding>& out);
void check_out_of_range(const telemetry::Dataset& data,
                        const std::map<std::string, ValueRange>& reference,
                        const QualityOptions& options, std::vector<QualityFinding>& out);
void check_impossible(const telemetry::Dataset& data, const QualityOptions& options,
                      std::vector<QualityFinding>& out);
void check_stuck(const telemetry::Dataset& data, const QualityOptions& options,
                 std::vector<QualityFinding>& out);
void check_timestamps(const telemetry::Dataset& data, const QualityOptions& options,
                      std::vector<QualityFinding>& out);
void check_label_balance(const telemetry::Dataset& data, const QualityOptions& options,
                         std::vector<QualityFinding>& out);

}  // namespace aiotops::validate::detail
