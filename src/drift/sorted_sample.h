#pragma once
// A validated, sorted copy of one feature's values: the input every drift statistic walks.
// Sorting once lets a validate run reuse the reference sample across many checks.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace aiotops::drift {

class SortedSample {
 public:
  // Copies and sorts `values` (ascending). Fails with kInvalidArgument, naming `what` (e.g. the
  // feature and dataset), when `values` is empty or holds a NaN or an infinity. Thread-safe.
  static Result<SortedSample> from_values(std::span<const double> values, std::string_view what);
  // Takes `values` as they are after checking the same rules and that they are ascending.
  static Result<SortedSample> from_sorted(std::vector<double> values, std::string_view what);

  std::span<const double> values() const { return values_; }
  size_t size() const { return values_.size(); }
  double min() const { return values_.front(); }
  double max() const { return values_.back(); }

 private:
  explicit SortedSample(std::vector<double> values) : values_(std::move(values)) {}
  std::vector<double> values_;  // ascending, finite, never empty
};

}  // namespace aiotops::drift
