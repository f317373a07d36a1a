#pragma once
// Test support: runs a fleet to completion and keeps each motor's readings as series.
// Used by the sim tests only.

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "sim/fleet.h"
#include "telemetry/reading_writer.h"

namespace aiotops::sim::testing {

struct MotorSeries {
  std::vector<int64_t> timestamps;
  std::vector<SensorValues> values;
  std::vector<double> labels;
  std::vector<std::string> fault_types;
  MotorPhysics last;  // physics after the final reading
};

struct FleetRun {
  std::vector<MotorSeries> motors;
  std::vector<FaultEvent> faults;
  std::string bytes;  // every reading as a reference JSON line
};

inline FleetRun run_fleet(const FleetOptions& options) {
  FleetRun run;
  auto fleet = Fleet::create(options);
  EXPECT_TRUE(fleet.has_value()) << fleet.error().message();
  if (!fleet) return run;
  run.faults = fleet->faults();
  run.motors.resize(options.devices);
  telemetry::Reading reading;
  std::string line;
  size_t index = 0;
  while (fleet->next(reading)) {
    MotorSeries& series = run.motors[index];
    index = (index + 1) % options.devices;
    series.timestamps.push_back(*reading.timestamp_ms);
    SensorValues values;
    std::copy(reading.values.begin(), reading.values.end(), values.begin());
    series.values.push_back(values);
    series.labels.push_back(*reading.label);
    series.fault_types.push_back(reading.fault_type);
    EXPECT_TRUE(
        telemetry::format_reading_json(reading, fleet->feature_names(), {}, line).has_value());
    run.bytes += line;
    run.bytes += '\n';
  }
  for (size_t i = 0; i < options.devices; ++i) run.motors[i].last = fleet->motor(i).physics();
  return run;
}

// Mean of one feature over readings with from_ms <= timestamp < to_ms, skipping dropped values.
inline double window_mean(const MotorSeries& series, size_t feature, int64_t from_ms,
                          int64_t to_ms) {
  double sum = 0.0;
  size_t count = 0;
  for (size_t i = 0; i < series.timestamps.size(); ++i) {
    double v = series.values[i][feature];
    if (series.timestamps[i] < from_ms || series.timestamps[i] >= to_ms || std::isnan(v)) continue;
    sum += v;
    ++count;
  }
  EXPECT_GT(count, 0u) << "empty window";
  return count == 0 ? 0.0 : sum / static_cast<double>(count);
}

// Fraction of readings in [from_ms, to_ms) for which `predicate(index)` holds.
template <typename Predicate>
double window_fraction(const MotorSeries& series, int64_t from_ms, int64_t to_ms,
                       Predicate predicate) {
  size_t hits = 0, count = 0;
  for (size_t i = 0; i < series.timestamps.size(); ++i) {
    if (series.timestamps[i] < from_ms || series.timestamps[i] >= to_ms) continue;
    ++count;
    hits += predicate(i) ? 1 : 0;
  }
  return count == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(count);
}

}  // namespace aiotops::sim::testing
