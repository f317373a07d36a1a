#pragma once
// What a dataset reader reads (feature and label columns) and what it does with bad rows.
// Shared by the CSV and JSON-lines readers; read_dataset() in csv_reader.h picks one.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "telemetry/row_problem.h"

namespace aiotops::telemetry {

struct ReadOptions {
  // Feature columns, in this order. Empty: every numeric column (judged by the first data row)
  // except the label, deviceID, timeStamp and fault_type, in file order.
  std::vector<std::string> features;
  // Label column. Empty: the column named "label" if present, else the dataset is unlabelled.
  std::string label;
  // false: the first bad row is an error. true: bad rows are skipped and counted.
  bool skip_bad_rows = false;
  // true: a missing feature value (CSV: empty, "NaN" or "null"; JSON lines: null or an absent
  // field) is read as NaN instead of making the row bad, so data-quality checks can count it.
  // Labels and timestamps stay required.
  bool missing_as_nan = false;
  // How many "file:line:col: reason" examples a BadRowReport keeps (rows).
  size_t max_error_examples = 5;
};

struct BadRowReport {
  size_t rows_read = 0;                             // data rows examined: kept plus skipped
  size_t rows_skipped = 0;                          // bad rows left out (only with skip_bad_rows)
  std::map<std::string, size_t> skipped_by_reason;  // describe(RowProblem) -> rows
  std::vector<std::string> examples;                // "file:line:col: reason", the first few
};

// Applies a ReadOptions' bad-row policy while a reader walks its rows, filling a BadRowReport
// (the caller's, or a private one when none is given). Not thread-safe.
class BadRowTracker {
 public:
  BadRowTracker(const ReadOptions& options, BadRowReport* report);

  // Counts a row that was read and kept.
  void accept() { ++report_->rows_read; }
  // Counts a bad row. Returns kInvalidArgument with `message` unless bad rows are skipped, in
  // which case the row is counted under describe(problem) and success is returned.
  Status reject(RowProblem problem, std::string message);

 private:
  const ReadOptions& options_;
  BadRowReport own_report_;
  BadRowReport* report_;
};

}  // namespace aiotops::telemetry
