#pragma once
// Sorting an extracted dataset by device then time, and removing repeated readings: two rows of
// one device with one timestamp are one reading seen twice (a QoS 1 redelivery, overlapping
// files). The first in source order is kept; a repeat whose values, label or fault type differ
// is a conflict, counted and described, since no rule can tell which one is right.

#include <cstddef>
#include <string>
#include <vector>

#include "telemetry/dataset.h"

namespace aiotops::extract {

struct DedupReport {
  size_t duplicates = 0;                       // rows removed (each a repeat of a kept row)
  size_t conflicts = 0;                        // of those, rows that differed from the kept one
  std::vector<std::string> conflict_examples;  // the first few, naming device, time and field
};

// Reorders `dataset` (which must have device ids and timestamps) by (device, time), stably,
// and removes repeats. Labels equal when both are NaN (unknown). Never fails. Thread-safe for
// distinct datasets.
DedupReport sort_and_deduplicate(telemetry::Dataset& dataset, size_t max_examples = 5);

}  // namespace aiotops::extract
