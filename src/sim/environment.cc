#include "sim/environment.h"

#include <cmath>
#include <numbers>

namespace aiotops::sim {
namespace {

constexpr double kDayMs = 86'400'000.0;
constexpr double kWarmestHourUtc = 15.0;

}  // namespace

double ou_step(double x, double decay, double sigma, Rng& rng) {
  return decay * x + sigma * std::sqrt(1.0 - decay * decay) * rng.normal();
}

Environment::Environment(const EnvironmentOptions& options, double interval_s, uint64_t seed)
    : options_(options),
      rng_(seed),
      weather_decay_(std::exp(-interval_s / options.weather_tau_s)),
      supply_decay_(std::exp(-interval_s / options.supply_tau_s)),
      weather_c_(options.weather_sigma_c * rng_.normal()),
      supply_offset_(options.supply_sigma * rng_.normal()) {}

void Environment::advance(int64_t timestamp_ms) {
  if (started_) {
    weather_c_ = ou_step(weather_c_, weather_decay_, options_.weather_sigma_c, rng_);
    supply_offset_ = ou_step(supply_offset_, supply_decay_, options_.supply_sigma, rng_);
  }
  started_ = true;
  double day_fraction = std::fmod(static_cast<double>(timestamp_ms), kDayMs) / kDayMs;
  double daily = std::cos(2.0 * std::numbers::pi * (day_fraction - kWarmestHourUtc / 24.0));
  ambient_c_ = options_.ambient_c + options_.daily_swing_c * daily + weather_c_;
  supply_factor_ = 1.0 + supply_offset_;
}

}  // namespace aiotops::sim
