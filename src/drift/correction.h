#pragma once
// Multiple-testing correction of per-feature p-values, as statsmodels.stats.multitest
// .multipletests defines "bonferroni" and "holm". Definitions: docs/drift.md.

#include <span>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace aiotops::drift {

enum class Correction {
  kNone,        // p-values as they are
  kBonferroni,  // min(1, m * p)
  kHolm,        // step-down: sorted ascending, min(1, max over j <= i of (m - j) * p_(j))
};

// Adjusted p-values in the input order (same size). Thread-safe. NaN inputs are not allowed
// (the caller validates); an empty span gives an empty vector.
std::vector<double> adjust_pvalues(std::span<const double> pvalues, Correction correction);

// Parses "none" / "bonferroni" / "holm" (kInvalidArgument otherwise) and names a correction.
Result<Correction> parse_correction(std::string_view text);
std::string_view to_string(Correction correction);

}  // namespace aiotops::drift
