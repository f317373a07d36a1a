#pragma once
// Seeded samples for the drift tests: normal draws, shifted or scaled, optionally rounded to
// make ties. Deterministic for a given seed (libstdc++'s engines and distributions).

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace aiotops::drift::testing {

// n draws from N(mean, sd^2); rounded to `decimals` places when decimals >= 0 (ties).
inline std::vector<double> normal_sample(size_t n, uint64_t seed, double mean = 0, double sd = 1,
                                         int decimals = -1) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(mean, sd);
  std::vector<double> values(n);
  const double scale = decimals >= 0 ? std::pow(10.0, decimals) : 1;
  for (double& v : values) {
    v = normal(engine);
    if (decimals >= 0) v = std::round(v * scale) / scale;
  }
  return values;
}

}  // namespace aiotops::drift::testing
