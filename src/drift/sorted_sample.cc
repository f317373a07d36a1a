#include "drift/sorted_sample.h"

#include <algorithm>
#include <cmath>

#include "drift/radix_sort.h"

namespace aiotops::drift {
namespace {

Status check_values(std::span<const double> values, std::string_view what) {
  if (values.empty()) return fail(ErrorCode::kInvalidArgument, "{}: no values", what);
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return fail(ErrorCode::kInvalidArgument, "{}: value {} is {} (not a finite number)", what, i,
                  values[i]);
    }
  }
  return {};
}

}  // namespace

Result<SortedSample> SortedSample::from_values(std::span<const double> values,
                                               std::string_view what) {
  if (auto checked = check_values(values, what); !checked) return fail(checked.error());
  std::vector<double> sorted(values.begin(), values.end());
  sort_values(sorted);
  return SortedSample(std::move(sorted));
}

Result<SortedSample> SortedSample::from_sorted(std::vector<double> values, std::string_view what) {
  if (auto checked = check_values(values, what); !checked) return fail(checked.error());
  if (auto it = std::is_sorted_until(values.begin(), values.end()); it != values.end()) {
    return fail(ErrorCode::kInvalidArgument, "{}: value {} is smaller than the one before it", what,
                it - values.begin());
  }
  return SortedSample(std::move(values));
}

}  // namespace aiotops::drift
