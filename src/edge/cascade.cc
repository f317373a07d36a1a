#include "edge/cascade.h"

#include "edge/outbound_json.h"

namespace aiotops::edge {

Result<CascadeScorer> CascadeScorer::create(size_t lane, CascadeOptions options) {
  if (!(options.low >= 0 && options.low <= options.high && options.high <= 1)) {
    return fail(ErrorCode::kInvalidArgument,
                "cascade band [{}, {}) must satisfy 0 <= low <= high <= 1", options.low,
                options.high);
  }
  return CascadeScorer(lane, options);
}

Result<Decision> CascadeScorer::decide(const ModelSet& set, std::span<const double> row) {
  auto primary = set.primary->score(lane_, row);
  if (!primary) return fail(primary.error());
  Decision decision{.score = *primary,
                    .stage = kPrimaryStage,
                    .model = set.primary.get(),
                    .primary_score = *primary,
                    .cascade_score = std::nullopt};
  if (!set.cascade || !(*primary >= options_.low && *primary < options_.high)) return decision;
  cascade_row_.resize(set.cascade_inputs.size());
  for (size_t i = 0; i < set.cascade_inputs.size(); ++i) {
    cascade_row_[i] = row[set.cascade_inputs[i]];
  }
  auto cascade = set.cascade->score(lane_, cascade_row_);
  if (!cascade) return fail(cascade.error());
  consulted_.inc();
  decision.score = *cascade;
  decision.stage = kCascadeStage;
  decision.model = set.cascade.get();
  decision.cascade_score = *cascade;
  return decision;
}

}  // namespace aiotops::edge
