#pragma once
// Labels from maintenance records: an annotations file of intervals
//   device,from,to,label[,fault_type]
// (CSV; an optional header row; times as Unix ms or ISO-8601, see time_window.h). A reading of
// `device` at time t gets the interval's label when from <= t < to: the start is inclusive and
// the end exclusive, as for the extraction window, so back-to-back records [a, b) and [b, c)
// never both claim the reading at b. Readings in no interval get `outside_label` (0 by default).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "telemetry/dataset.h"

namespace aiotops::extract {

struct Annotation {
  std::string device_id;
  int64_t from_ms = 0;  // inclusive
  int64_t to_ms = 0;    // exclusive
  double label = 0;
  std::string fault_type;  // empty when the record names none
  size_t line = 0;         // in the annotations file, for messages
};

struct LabelOptions {
  // The label of a reading no interval covers; none: such readings are left out (counted).
  std::optional<double> outside_label = 0;
  // fault_type of such readings when the file names fault types at all.
  std::string outside_fault_type{telemetry::kNoFault};
};

struct LabelReport {
  size_t rows_in_intervals = 0;  // readings an interval covered
  size_t rows_outside = 0;   // readings no interval covered (labelled outside_label or left out)
  size_t rows_left_out = 0;  // of those, removed (outside_label unset)
};

// Parses the annotations text; `source` names it in errors ("source:line: why"). Fails with
// kInvalidArgument for a malformed row (field count, empty device, bad time, from >= to, a label
// that is not a finite number) or for two overlapping intervals of one device with different
// labels (naming both lines). Thread-safe.
Result<std::vector<Annotation>> parse_annotations(std::string_view text, std::string_view source);

// Replaces the labels (and fault types) of `dataset`, which must have device ids and timestamps,
// from `annotations`; rows left out are removed. Never fails. Thread-safe for distinct datasets.
LabelReport apply_annotations(telemetry::Dataset& dataset,
                              const std::vector<Annotation>& annotations,
                              const LabelOptions& options = {});

}  // namespace aiotops::extract
