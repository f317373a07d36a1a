#pragma once
// Cascaded models: the primary model scores every reading; an optional second model is
// consulted only when the primary's score falls in an uncertain band [low, high), and then its
// score decides. The decision says which stage decided and carries both scores. Levels and the
// threshold stay the primary model's (ModelSet::primary) whichever stage decides.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "edge/loaded_model.h"
#include "edge/model_slot.h"
#include "edge/owned_counter.h"

namespace aiotops::edge {

struct CascadeOptions {
  double low = 0.3;   // primary scores in [low, high) consult the cascade model; in [0, 1]
  double high = 0.7;  // in [low, 1]; low == high never consults
};

struct Decision {
  double score = 0;                    // the deciding stage's score
  std::string_view stage;              // kPrimaryStage or kCascadeStage (outbound_json.h)
  const LoadedModel* model = nullptr;  // the deciding model (its info().version names it)
  double primary_score = 0;
  std::optional<double> cascade_score;  // when the cascade model was consulted
};

// Not thread-safe: one per worker, scoring on the worker's lane of every model.
class CascadeScorer {
 public:
  // kInvalidArgument unless 0 <= low <= high <= 1.
  static Result<CascadeScorer> create(size_t lane, CascadeOptions options);

  // Scores `row` (raw values in set.primary's feature order) with the set's models. The
  // models' scoring errors pass through. Allocation-free once the lane is warm and the
  // cascade model's row fits the capacity already used.
  Result<Decision> decide(const ModelSet& set, std::span<const double> row);

  // Readings the cascade model was consulted for. Thread-safe.
  uint64_t consulted() const { return consulted_.value(); }
  const CascadeOptions& options() const { return options_; }

 private:
  CascadeScorer(size_t lane, CascadeOptions options) : lane_(lane), options_(options) {}

  size_t lane_;
  CascadeOptions options_;
  std::vector<double> cascade_row_;  // the row in the cascade model's feature order
  OwnedCounter consulted_;
};

}  // namespace aiotops::edge
