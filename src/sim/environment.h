#pragma once
// The site shared by every motor of a fleet: ambient temperature (site mean, a daily cycle and
// slow weather wander) and supply voltage (slow wander around nominal).

#include <cstdint>

#include "sim/rng.h"

namespace aiotops::sim {

struct EnvironmentOptions {
  double ambient_c = 24.0;            // site mean ambient, degC
  double daily_swing_c = 4.0;         // amplitude of the daily cycle, degC (warmest 15:00 UTC)
  double weather_sigma_c = 0.8;       // stationary std of the slow wander, degC
  double weather_tau_s = 3.0 * 3600;  // correlation time of the wander, s
  double supply_sigma = 0.012;        // stationary std of the supply voltage factor (1 = nominal)
  double supply_tau_s = 1800.0;       // correlation time of the supply wander, s
};

// Not thread-safe.
class Environment {
 public:
  // `interval_s` is the step advance() takes; the wanders start at stationary draws.
  Environment(const EnvironmentOptions& options, double interval_s, uint64_t seed);

  // Moves to `timestamp_ms` (one interval after the previous call; the first call sets the
  // starting time without stepping the wanders).
  void advance(int64_t timestamp_ms);

  double ambient_c() const { return ambient_c_; }
  double supply_factor() const { return supply_factor_; }  // supply voltage / nominal

 private:
  EnvironmentOptions options_;
  Rng rng_;
  double weather_decay_;
  double supply_decay_;
  double weather_c_;
  double supply_offset_;
  bool started_ = false;
  double ambient_c_ = 0.0;
  double supply_factor_ = 1.0;
};

// One step of an Ornstein-Uhlenbeck process with the given stationary std, exact for any step:
// x' = decay * x + sigma * sqrt(1 - decay^2) * N(0, 1), decay = exp(-dt / tau).
double ou_step(double x, double decay, double sigma, Rng& rng);

}  // namespace aiotops::sim
