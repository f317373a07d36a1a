#pragma once
// Seeded randomness with output defined by aiotops, not by the standard library: the engine is
// std::mt19937_64 (its sequence is fixed by the standard) and every distribution is computed
// here, so one seed gives the same numbers on every platform and library version.

#include <cstdint>
#include <random>

namespace aiotops::sim {

// A seed for an independent stream: SplitMix64 over (seed, stream, index). Used so that each
// motor's numbers depend only on the run seed and the motor, not on how many motors run.
uint64_t derive_seed(uint64_t seed, uint64_t stream, uint64_t index);

// Not thread-safe; one Rng per stream.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  // The next 64 raw bits of the engine.
  uint64_t bits() { return engine_(); }
  // Uniform in [0, 1): the top 53 bits of one engine output times 2^-53.
  double uniform();
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Standard normal by the Box-Muller transform; draws come in pairs, the second is kept.
  double normal();
  double normal(double mean, double stddev) { return mean + stddev * normal(); }
  // Exponential with the given rate (> 0) by inversion.
  double exponential(double rate);
  // True with probability p.
  bool bernoulli(double p) { return uniform() < p; }
  // Uniform integer in [0, n) for n > 0 (multiply-shift; bias at most n / 2^64).
  uint64_t below(uint64_t n);

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace aiotops::sim
