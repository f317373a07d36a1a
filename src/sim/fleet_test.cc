#include "sim/fleet.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/test_series.h"

namespace aiotops::sim {
namespace {

using testing::FleetRun;
using ::testing::HasSubstr;
using testing::MotorSeries;
using testing::run_fleet;

constexpr int64_t kHourMs = 3'600'000;

FleetOptions small_fleet() {
  FleetOptions options;
  options.devices = 6;
  options.duration = std::chrono::hours(3);
  options.interval = std::chrono::seconds(5);
  options.seed = 42;
  for (const char* text :
       {"motor-1:bearing-wear@30m", "motor-2:cooling-failure@1h", "motor-3:rotor-imbalance@1h",
        "motor-4:electrical-fault@1h", "motor-5:sensor-stuck@1h:temperature",
        "motor-6:sensor-dropout@1h:vibration"}) {
    options.faults.push_back(parse_fault_spec(text).value());
  }
  return options;
}

TEST(Fleet, SameSeedGivesIdenticalBytesAndAnotherSeedDiffers) {
  for (bool fft : {false, true}) {
    FleetOptions options = small_fleet();
    options.esp32_fft = fft;
    options.duration = std::chrono::minutes(fft ? 70 : 90);
    options.interval = std::chrono::seconds(fft ? 60 : 5);
    options.fault_rate_per_hour = 0.5;
    FleetRun first = run_fleet(options);
    FleetRun second = run_fleet(options);
    ASSERT_FALSE(first.bytes.empty());
    EXPECT_EQ(first.bytes, second.bytes) << "esp32_fft=" << fft;
    options.seed = 43;
    EXPECT_NE(run_fleet(options).bytes, first.bytes) << "esp32_fft=" << fft;
  }
}

TEST(Fleet, AMotorsReadingsDoNotDependOnTheFleetSize) {
  FleetOptions two;
  two.devices = 2;
  two.duration = std::chrono::minutes(30);
  two.faults.push_back(parse_fault_spec("motor-2:electrical-fault@5m").value());
  FleetOptions five = two;
  five.devices = 5;
  MotorSeries a = run_fleet(two).motors[1];
  MotorSeries b = run_fleet(five).motors[1];
  ASSERT_EQ(a.values.size(), b.values.size());
  for (size_t i = 0; i < a.values.size(); ++i) ASSERT_EQ(a.values[i], b.values[i]) << i;
}

TEST(Fleet, TimeMajorOrderFromTheStart) {
  FleetOptions options;
  options.devices = 3;
  options.duration = std::chrono::milliseconds(10'500);
  options.interval = std::chrono::seconds(2);
  options.start_ms = 1'000;
  auto fleet = Fleet::create(options);
  ASSERT_TRUE(fleet.has_value());
  EXPECT_EQ(fleet->steps(), 6);  // 0, 2, 4, 6, 8, 10 s
  EXPECT_EQ(fleet->rows(), 18u);
  EXPECT_EQ(fleet->feature_names(),
            (std::vector<std::string>{"current", "temperature", "vibration", "sound"}));
  telemetry::Reading reading;
  for (int64_t step = 0; step < 6; ++step) {
    for (int motor = 1; motor <= 3; ++motor) {
      ASSERT_TRUE(fleet->next(reading));
      EXPECT_EQ(reading.device_id, "motor-" + std::to_string(motor));
      EXPECT_EQ(reading.timestamp_ms, 1'000 + step * 2'000);
      EXPECT_EQ(reading.values.size(), 4u);
    }
  }
  EXPECT_FALSE(fleet->next(reading));
  EXPECT_FALSE(fleet->next(reading));
}

TEST(Fleet, LabelAndFaultTypeFollowOnsetAndLabelTime) {
  FleetOptions options = small_fleet();
  options.fault_rate_per_hour = 0.3;
  options.random_modes.assign(kAllFaultModes.begin(), kAllFaultModes.end());
  FleetRun run = run_fleet(options);
  ASSERT_GE(run.faults.size(), 8u) << "scheduled plus random faults";
  for (size_t motor = 0; motor < options.devices; ++motor) {
    const MotorSeries& series = run.motors[motor];
    for (size_t i = 0; i < series.timestamps.size(); ++i) {
      int64_t t = series.timestamps[i];
      // The documented rule: the earliest active motor fault, else the earliest active sensor
      // fault, names the row; any motor fault past its label time sets the label.
      const FaultEvent* motor_fault = nullptr;
      const FaultEvent* sensor_fault = nullptr;
      bool label = false;
      for (const FaultEvent& e : run.faults) {
        if (e.motor != motor || t < e.onset_ms) continue;
        const FaultEvent*& slot = is_sensor_fault(e.mode) ? sensor_fault : motor_fault;
        if (slot == nullptr) slot = &e;
        label = label || (e.label_ms && t >= *e.label_ms);
      }
      const FaultEvent* shown = motor_fault != nullptr ? motor_fault : sensor_fault;
      ASSERT_EQ(series.fault_types[i], shown ? to_string(shown->mode) : telemetry::kNoFault)
          << "motor-" << motor + 1 << " at " << t;
      ASSERT_EQ(series.labels[i], label ? 1.0 : 0.0) << "motor-" << motor + 1 << " at " << t;
    }
  }
}

TEST(Fleet, MotorFaultOutranksAnEarlierSensorFaultInFaultType) {
  FleetOptions options;
  options.devices = 1;
  options.duration = std::chrono::hours(2);
  options.interval = std::chrono::seconds(10);
  options.faults = {parse_fault_spec("motor-1:sensor-stuck@10m:sound").value(),
                    parse_fault_spec("motor-1:rotor-imbalance@30m").value()};
  FleetRun run = run_fleet(options);
  const MotorSeries& m = run.motors[0];
  const FaultEvent& imbalance = run.faults[1];
  for (size_t i = 0; i < m.timestamps.size(); ++i) {
    int64_t t = m.timestamps[i] - options.start_ms;
    std::string expected = t < 600'000     ? "none"
                           : t < 1'800'000 ? "sensor-stuck"
                                           : "rotor-imbalance";
    ASSERT_EQ(m.fault_types[i], expected) << t;
    ASSERT_EQ(m.labels[i], m.timestamps[i] >= *imbalance.label_ms ? 1.0 : 0.0) << t;
  }
}

TEST(Fleet, StuckSensorRepeatsItsLastValueExactly) {
  FleetRun run = run_fleet(small_fleet());
  const MotorSeries& m = run.motors[4];  // motor-5: temperature stuck from 1 h
  int64_t onset = small_fleet().start_ms + kHourMs;
  size_t first = 0;
  while (m.timestamps[first] < onset) ++first;
  ASSERT_GT(first, 0u);
  double held = m.values[first - 1][kTemperature];
  size_t current_changes = 0;
  for (size_t i = first; i < m.values.size(); ++i) {
    ASSERT_EQ(m.values[i][kTemperature], held) << i;
    current_changes += m.values[i][kCurrent] != m.values[i - 1][kCurrent];
  }
  EXPECT_GT(current_changes, (m.values.size() - first) * 9 / 10) << "other sensors still live";
  EXPECT_THAT(m.labels, ::testing::Each(0.0));
}

TEST(Fleet, DroppedFieldsAreMissingOnlyForTheFaultySensorAfterOnset) {
  FleetRun run = run_fleet(small_fleet());
  const MotorSeries& m = run.motors[5];  // motor-6: vibration dropout from 1 h
  const FaultEvent& dropout = *std::find_if(run.faults.begin(), run.faults.end(), [](auto& e) {
    return e.mode == FaultMode::kSensorDropout && e.scheduled;
  });
  size_t after = 0, dropped = 0;
  for (size_t i = 0; i < m.values.size(); ++i) {
    for (size_t f = 0; f < kSensorCount; ++f) {
      if (f == kVibration && m.timestamps[i] >= dropout.onset_ms) continue;
      ASSERT_FALSE(std::isnan(m.values[i][f])) << i << " feature " << f;
    }
    if (m.timestamps[i] >= dropout.onset_ms) {
      ++after;
      dropped += std::isnan(m.values[i][kVibration]);
    }
  }
  EXPECT_NEAR(static_cast<double>(dropped) / after, dropout.magnitude, 0.05);
  EXPECT_THAT(m.labels, ::testing::Each(0.0));
  EXPECT_EQ(m.fault_types.back(), "sensor-dropout");
  // The JSON line omits the key, as the reader expects of a missing field.
  EXPECT_THAT(run.bytes, HasSubstr(R"("temperature":)"));
  EXPECT_THAT(run.bytes, ::testing::ContainsRegex(R"("temperature":[0-9.]+,"sound":)"));
}

TEST(Fleet, HealthyMotorsStayInPlausibleRangesAndDifferFromEachOther) {
  FleetOptions options;
  options.devices = 12;
  options.duration = std::chrono::hours(24);
  options.interval = std::chrono::minutes(1);
  options.seed = 7;
  FleetRun run = run_fleet(options);
  EXPECT_TRUE(run.faults.empty());
  std::vector<double> mean_current;
  for (const MotorSeries& m : run.motors) {
    double sum = 0;
    for (size_t i = 0; i < m.values.size(); ++i) {
      const SensorValues& v = m.values[i];
      ASSERT_GT(v[kCurrent], 250.0);
      ASSERT_LT(v[kCurrent], 1300.0);
      ASSERT_GT(v[kTemperature], 15.0);
      ASSERT_LT(v[kTemperature], 60.0);
      ASSERT_GT(v[kVibration], 50.0);
      ASSERT_LT(v[kVibration], 300.0);
      ASSERT_GT(v[kSound], 50.0);
      ASSERT_LT(v[kSound], 72.0);
      ASSERT_EQ(m.labels[i], 0.0);
      ASSERT_EQ(m.fault_types[i], "none");
      sum += v[kCurrent];
    }
    mean_current.push_back(sum / static_cast<double>(m.values.size()));
  }
  auto [lo, hi] = std::minmax_element(mean_current.begin(), mean_current.end());
  EXPECT_GT(*hi - *lo, 150.0) << "per-motor variation";
}

TEST(Fleet, AmbientFollowsADailyCycle) {
  FleetOptions options;
  options.devices = 1;
  options.duration = std::chrono::hours(24);
  options.interval = std::chrono::minutes(1);
  options.start_ms = 1'700'006'400'000;  // 00:00 UTC
  const MotorSeries m = run_fleet(options).motors[0];
  double night = testing::window_mean(m, kTemperature, options.start_ms + 2 * kHourMs,
                                      options.start_ms + 6 * kHourMs);
  double afternoon = testing::window_mean(m, kTemperature, options.start_ms + 13 * kHourMs,
                                          options.start_ms + 17 * kHourMs);
  EXPECT_GT(afternoon, night + 3.0);
}

TEST(Fleet, Esp32FeaturesLookLikeTheReferenceFirmware) {
  FleetOptions options;
  options.devices = 6;
  options.duration = std::chrono::minutes(30);
  options.interval = std::chrono::seconds(10);
  options.esp32_fft = true;
  FleetRun run = run_fleet(options);
  size_t rows = 0, vibration_at_resonance = 0, low_current = 0, low_sound = 0;
  for (const MotorSeries& m : run.motors) {
    for (const SensorValues& v : m.values) {
      ++rows;
      vibration_at_resonance += v[kVibration] > 1000.0 && v[kVibration] < 1500.0;
      low_current += v[kCurrent] > 50.0 && v[kCurrent] < 700.0;
      low_sound += v[kSound] > 50.0 && v[kSound] < 1500.0;
      ASSERT_GT(v[kTemperature], 15.0);
      ASSERT_LT(v[kTemperature], 60.0);
    }
  }
  EXPECT_GT(vibration_at_resonance, rows * 90 / 100);
  EXPECT_GT(low_current, rows * 90 / 100);
  EXPECT_GT(low_sound, rows * 95 / 100);
}

TEST(Fleet, AgedBearingsVibrateMoreWithoutFaultsOrLabels) {
  FleetOptions options = small_fleet();
  const FleetRun young = run_fleet(options);
  options.bearing_age = 0.3;
  const FleetRun aged = run_fleet(options);
  ASSERT_EQ(young.motors.size(), aged.motors.size());
  std::vector<double> rises;  // mean vibration, aged minus young, per motor
  for (size_t m = 0; m < young.motors.size(); ++m) {
    const MotorSeries& y = young.motors[m];
    const MotorSeries& a = aged.motors[m];
    ASSERT_EQ(y.values.size(), a.values.size());
    EXPECT_EQ(y.labels, a.labels) << "motor " << m;
    EXPECT_EQ(y.fault_types, a.fault_types) << "motor " << m;
    for (size_t i = 0; i < y.values.size(); ++i) {
      ASSERT_EQ(y.values[i][kCurrent], a.values[i][kCurrent]) << "motor " << m << " reading " << i;
      if (!std::isnan(y.values[i][kTemperature])) {
        ASSERT_EQ(y.values[i][kTemperature], a.values[i][kTemperature]);
      }
    }
    const int64_t from = options.start_ms;
    const int64_t to = from + 3 * kHourMs;
    rises.push_back(testing::window_mean(a, kVibration, from, to) -
                    testing::window_mean(y, kVibration, from, to));
    EXPECT_GT(rises.back(), 0.0) << "motor " << m;
  }
  // Each motor aged by its own amount: 0..0.3 on a baseline of 0.05..0.2 adds up to ~200 mg.
  auto [least, most] = std::minmax_element(rises.begin(), rises.end());
  EXPECT_GT(*most, 40.0);
  EXPECT_GT(*most - *least, 20.0);
}

TEST(Fleet, CreateRejectsBadOptions) {
  struct Case {
    void (*change)(FleetOptions&);
    const char* why;
  };
  for (const Case& c : {
           Case{[](FleetOptions& o) { o.devices = 0; }, "devices: 0"},
           Case{[](FleetOptions& o) { o.devices = kMaxDevices + 1; }, "devices"},
           Case{[](FleetOptions& o) { o.interval = std::chrono::milliseconds(0); }, "interval"},
           Case{[](FleetOptions& o) { o.duration = std::chrono::milliseconds(0); }, "duration"},
           Case{[](FleetOptions& o) {
                  o.devices = 100'000;
                  o.duration = std::chrono::hours(24 * 365);
                },
                "exceed the limit"},
           Case{[](FleetOptions& o) { o.start_ms = -1; }, "start"},
           Case{[](FleetOptions& o) { o.mains_hz = 400.0; }, "mains"},
           Case{[](FleetOptions& o) { o.ambient_c = std::numeric_limits<double>::quiet_NaN(); },
                "ambient"},
           Case{[](FleetOptions& o) { o.bearing_age = 0.6; }, "bearing age: 0.6"},
           Case{[](FleetOptions& o) { o.bearing_age = -0.1; }, "bearing age"},
           Case{[](FleetOptions& o) { o.fault_rate_per_hour = -1.0; }, "fault rate"},
           Case{[](FleetOptions& o) {
                  o.fault_rate_per_hour = 1.0;
                  o.random_modes.clear();
                },
                "no fault modes"},
           Case{[](FleetOptions& o) {
                  o.faults.push_back(parse_fault_spec("motor-11:bearing-wear@1h").value());
                },
                "no device 'motor-11'"},
       }) {
    FleetOptions options;
    c.change(options);
    auto fleet = Fleet::create(options);
    ASSERT_FALSE(fleet.has_value()) << c.why;
    EXPECT_EQ(fleet.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(fleet.error().message(), HasSubstr(c.why));
  }
}

}  // namespace
}  // namespace aiotops::sim
