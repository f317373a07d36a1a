#include "drift/correction.h"

#include <algorithm>
#include <numeric>

namespace aiotops::drift {

std::vector<double> adjust_pvalues(std::span<const double> pvalues, Correction correction) {
  const size_t m = pvalues.size();
  std::vector<double> adjusted(pvalues.begin(), pvalues.end());
  switch (correction) {
    case Correction::kNone:
      break;
    case Correction::kBonferroni:
      for (double& p : adjusted) p = std::min(1.0, p * static_cast<double>(m));
      break;
    case Correction::kHolm: {
      // Ascending order, then the running maximum keeps adjusted p-values monotone in the raw
      // ones (tied p-values get equal adjusted values whatever their order).
      std::vector<size_t> order(m);
      std::iota(order.begin(), order.end(), size_t{0});
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t x, size_t y) { return pvalues[x] < pvalues[y]; });
      double running = 0;
      for (size_t rank = 0; rank < m; ++rank) {
        const size_t k = order[rank];
        running = std::max(running, static_cast<double>(m - rank) * pvalues[k]);
        adjusted[k] = std::min(1.0, running);
      }
      break;
    }
  }
  return adjusted;
}

Result<Correction> parse_correction(std::string_view text) {
  for (Correction c : {Correction::kNone, Correction::kBonferroni, Correction::kHolm}) {
    if (text == to_string(c)) return c;
  }
  return fail(ErrorCode::kInvalidArgument,
              "unknown correction '{}' (expected none, bonferroni or holm)", text);
}

std::string_view to_string(Correction correction) {
  switch (correction) {
    case Correction::kNone:
      return "none";
    case Correction::kBonferroni:
      return "bonferroni";
    case Correction::kHolm:
      return "holm";
  }
  return "none";
}

}  // namespace aiotops::drift
