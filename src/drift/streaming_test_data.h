#pragma once
// Reference samples for the streaming drift tests: values drawn with a fixed seed, their dataset
// statistics (the real `aiotops stats` computation) and the streaming reference built from them.

#include <random>
#include <string>
#include <vector>

#include "drift/streaming_reference.h"
#include "telemetry/stats.h"

namespace aiotops::drift::testing {

// `n` normal values (mean, sd), rounded to `decimals` so that ties occur, drawn with `seed`.
inline std::vector<double> normal_sample(size_t n, double mean, double sd, uint64_t seed,
                                         int decimals = 1) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> draw(mean, sd);
  const double scale = std::pow(10.0, decimals);
  std::vector<double> values(n);
  for (double& v : values) v = std::round(draw(rng) * scale) / scale;
  return values;
}

// The statistics of a one-feature dataset holding `values`.
inline telemetry::DatasetStats stats_of(const std::vector<double>& values, size_t bins = 20,
                                        const std::string& name = "temperature") {
  telemetry::Dataset dataset;
  dataset.feature_names = {name};
  dataset.features = values;
  return telemetry::compute_stats(dataset, {.histogram_bins = bins});
}

}  // namespace aiotops::drift::testing
