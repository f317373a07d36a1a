// Each fault mode moves the features it should, by a stated margin, against a twin run of the
// same fleet without faults (same seed: identical motors, load and noise until the onset).

#include <gtest/gtest.h>

#include "sim/test_series.h"

namespace aiotops::sim {
namespace {

using testing::FleetRun;
using testing::MotorSeries;
using testing::run_fleet;
using testing::window_fraction;
using testing::window_mean;

constexpr int64_t kMinuteMs = 60'000;

FleetOptions fleet_with_faults(bool esp32_fft) {
  FleetOptions options;
  options.devices = 4;
  options.duration = std::chrono::hours(5);
  options.interval = std::chrono::seconds(esp32_fft ? 20 : 2);
  options.seed = 2024;
  options.esp32_fft = esp32_fft;
  for (const char* text : {"motor-1:bearing-wear@1h", "motor-2:cooling-failure@1h",
                           "motor-3:rotor-imbalance@1h", "motor-4:electrical-fault@1h"}) {
    options.faults.push_back(parse_fault_spec(text).value());
  }
  return options;
}

class FaultEffects : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    FleetOptions options = fleet_with_faults(false);
    faulty_ = new FleetRun(run_fleet(options));
    options.faults.clear();
    healthy_ = new FleetRun(run_fleet(options));
  }
  static void TearDownTestSuite() {
    delete faulty_;
    delete healthy_;
  }
  static const FaultEvent& fault(size_t motor) { return faulty_->faults.at(motor); }
  static const MotorSeries& faulty(size_t motor) { return faulty_->motors.at(motor); }
  static const MotorSeries& healthy(size_t motor) { return healthy_->motors.at(motor); }
  static int64_t end_ms() { return faulty_->motors[0].timestamps.back() + 1; }

  static FleetRun* faulty_;
  static FleetRun* healthy_;
};

FleetRun* FaultEffects::faulty_ = nullptr;
FleetRun* FaultEffects::healthy_ = nullptr;

TEST_F(FaultEffects, FaultsAreInTheExpectedOrder) {
  ASSERT_EQ(faulty_->faults.size(), 4u);
  EXPECT_EQ(fault(0).mode, FaultMode::kBearingWear);
  EXPECT_EQ(fault(1).mode, FaultMode::kCoolingFailure);
  EXPECT_EQ(fault(2).mode, FaultMode::kRotorImbalance);
  EXPECT_EQ(fault(3).mode, FaultMode::kElectricalFault);
  for (size_t m = 0; m < 4; ++m) {
    EXPECT_EQ(fault(m).motor, m);
    EXPECT_LT(*fault(m).label_ms, end_ms() - 30 * kMinuteMs) << "room to observe after the label";
  }
}

TEST_F(FaultEffects, BeforeOnsetEveryMotorMatchesItsTwinExactly) {
  for (size_t m = 0; m < 4; ++m) {
    for (size_t i = 0; faulty(m).timestamps[i] < fault(m).onset_ms; ++i) {
      ASSERT_EQ(faulty(m).values[i], healthy(m).values[i]) << "motor " << m << " row " << i;
    }
  }
}

// Bearing wear is progressive: barely visible just after onset, vibration up >= 50% in the ten
// minutes before the label flips, then friction heat.
TEST_F(FaultEffects, BearingWearRaisesVibrationBeforeTheLabelThenTemperature) {
  const FaultEvent& e = fault(0);
  int64_t onset = e.onset_ms, label = *e.label_ms;
  EXPECT_GE(label - onset, 36 * kMinuteMs);
  auto ratio = [&](size_t feature, int64_t from, int64_t to) {
    return window_mean(faulty(0), feature, from, to) / window_mean(healthy(0), feature, from, to);
  };
  EXPECT_LT(ratio(kVibration, onset, onset + 10 * kMinuteMs), 1.15);
  EXPECT_GE(ratio(kVibration, label - 10 * kMinuteMs, label), 1.5);
  double pre_onset = window_mean(faulty(0), kVibration, onset - 60 * kMinuteMs, onset);
  EXPECT_GE(window_mean(faulty(0), kVibration, label - 10 * kMinuteMs, label), 1.4 * pre_onset);
  EXPECT_GE(window_mean(faulty(0), kSound, label - 10 * kMinuteMs, label) -
                window_mean(healthy(0), kSound, label - 10 * kMinuteMs, label),
            1.0)
      << "dB";
  EXPECT_GE(ratio(kVibration, end_ms() - 30 * kMinuteMs, end_ms()), 3.0);
  EXPECT_GE(window_mean(faulty(0), kTemperature, end_ms() - 30 * kMinuteMs, end_ms()) -
                window_mean(healthy(0), kTemperature, end_ms() - 30 * kMinuteMs, end_ms()),
            2.0)
      << "degC";
}

TEST_F(FaultEffects, CoolingFailureOverheatsAndLeavesVibrationAlone) {
  const FaultEvent& e = fault(1);
  auto hotter = [&](int64_t from, int64_t to) {
    return window_mean(faulty(1), kTemperature, from, to) -
           window_mean(healthy(1), kTemperature, from, to);
  };
  EXPECT_GE(hotter(*e.label_ms - 10 * kMinuteMs, *e.label_ms), 0.5);
  EXPECT_GE(hotter(end_ms() - 30 * kMinuteMs, end_ms()), 15.0);
  double vibration = window_mean(faulty(1), kVibration, *e.label_ms, end_ms()) /
                     window_mean(healthy(1), kVibration, *e.label_ms, end_ms());
  EXPECT_NEAR(vibration, 1.0, 0.05);
}

TEST_F(FaultEffects, RotorImbalanceRaisesVibrationAtOneTimesRotation) {
  const FaultEvent& e = fault(2);
  EXPECT_GE(faulty(2).last.vibration_1x_mg, 4.0 * healthy(2).last.vibration_1x_mg);
  EXPECT_DOUBLE_EQ(faulty(2).last.vibration_bearing_mg, healthy(2).last.vibration_bearing_mg);
  int64_t after = *e.label_ms;
  EXPECT_GE(window_mean(faulty(2), kVibration, after, after + 30 * kMinuteMs) /
                window_mean(healthy(2), kVibration, after, after + 30 * kMinuteMs),
            1.3);
  EXPECT_GE(window_mean(faulty(2), kSound, after, end_ms()) -
                window_mean(healthy(2), kSound, after, end_ms()),
            1.0)
      << "dB";
}

TEST_F(FaultEffects, ElectricalFaultProducesCurrentSpikesAndHeat) {
  const FaultEvent& e = fault(3);
  auto spikes = [&](int64_t from, int64_t to) {
    return window_fraction(faulty(3), from, to, [&](size_t i) {
      return faulty(3).values[i][kCurrent] > 1.3 * healthy(3).values[i][kCurrent];
    });
  };
  EXPECT_EQ(spikes(0, e.onset_ms), 0.0);
  EXPECT_GE(spikes(*e.label_ms, end_ms()), 0.02);
  EXPECT_GE(window_mean(faulty(3), kTemperature, end_ms() - 30 * kMinuteMs, end_ms()) -
                window_mean(healthy(3), kTemperature, end_ms() - 30 * kMinuteMs, end_ms()),
            2.0)
      << "degC";
}

// In the firmware's FFT features bearing wear moves the vibration peak from the structural
// resonance (1.1-1.4 kHz) to the bearing resonance (2.6-3.6 kHz), and arcing moves the current
// peak into the kHz range.
TEST(FaultEffectsEsp32, BearingWearAndArcingMoveThePeaks) {
  FleetOptions options = fleet_with_faults(true);
  FleetRun faulty = run_fleet(options);
  options.faults.clear();
  FleetRun healthy = run_fleet(options);
  int64_t end = faulty.motors[0].timestamps.back() + 1;
  int64_t last_half_hour = end - 30 * kMinuteMs;
  EXPECT_GE(window_mean(faulty.motors[0], kVibration, last_half_hour, end), 2400.0);
  EXPECT_LE(window_mean(healthy.motors[0], kVibration, last_half_hour, end), 1450.0);
  auto arcing = [](const MotorSeries& m, int64_t from, int64_t to) {
    return window_fraction(m, from, to, [&m](size_t i) { return m.values[i][kCurrent] > 2000.0; });
  };
  const FaultEvent& electrical = faulty.faults.at(3);
  EXPECT_GE(arcing(faulty.motors[3], *electrical.label_ms, end), 0.02);
  EXPECT_LE(arcing(healthy.motors[3], *electrical.label_ms, end), 0.005);
  EXPECT_GE(window_mean(faulty.motors[1], kTemperature, last_half_hour, end),
            window_mean(healthy.motors[1], kTemperature, last_half_hour, end) + 15.0);
}

}  // namespace
}  // namespace aiotops::sim
