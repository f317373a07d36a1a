#include "sim/fault_schedule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace aiotops::sim {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kFeatures{"current", "temperature", "vibration", "sound"};

FleetOptions options_with(std::vector<const char*> specs) {
  FleetOptions options;
  options.devices = 5;
  options.duration = std::chrono::hours(6);
  options.interval = std::chrono::seconds(10);
  for (const char* text : specs) options.faults.push_back(parse_fault_spec(text).value());
  return options;
}

TEST(FaultSchedule, OnsetsAlignUpToTheNextReading) {
  auto events = build_fault_schedule(options_with({"motor-2:bearing-wear@1h0m5s"}), kFeatures);
  ASSERT_TRUE(events.has_value()) << events.error().message();
  ASSERT_EQ(events->size(), 1u);
  const FaultEvent& e = events->front();
  EXPECT_EQ(e.motor, 1u);
  EXPECT_EQ(e.device_id, "motor-2");
  EXPECT_TRUE(e.scheduled);
  EXPECT_EQ(e.onset_ms, kDefaultStartMs + 3'610'000);
}

TEST(FaultSchedule, MotorFaultLabelFlipsWhenSeverityReachesItsThreshold) {
  for (const char* text : {"motor-1:bearing-wear@1h", "motor-1:cooling-failure@1h",
                           "motor-1:rotor-imbalance@1h", "motor-1:electrical-fault@1h"}) {
    auto events = build_fault_schedule(options_with({text}), kFeatures);
    ASSERT_TRUE(events.has_value()) << text;
    const FaultEvent& e = events->front();
    ASSERT_TRUE(e.label_ms.has_value()) << text;
    EXPECT_GT(e.ramp_s, 0.0);
    EXPECT_GT(*e.label_ms, e.onset_ms) << text;
    EXPECT_EQ((*e.label_ms - kDefaultStartMs) % 10'000, 0) << "label on a reading";
    EXPECT_GE(e.severity_at(*e.label_ms), e.label_severity) << text;
    EXPECT_LT(e.severity_at(*e.label_ms - 10'000), e.label_severity) << text;
    EXPECT_EQ(e.severity_at(e.onset_ms - 1), 0.0);
    EXPECT_EQ(e.severity_at(e.onset_ms + static_cast<int64_t>(e.ramp_s * 1000) + 1), 1.0);
  }
}

TEST(FaultSchedule, BearingWearFlipsLateAndSensorFaultsNever) {
  auto events = build_fault_schedule(
      options_with({"motor-1:bearing-wear@1h", "motor-2:sensor-dropout@2h:sound"}), kFeatures);
  ASSERT_TRUE(events.has_value());
  const FaultEvent& wear = (*events)[0];
  EXPECT_DOUBLE_EQ(wear.label_severity, 0.4);
  EXPECT_GE(*wear.label_ms - wear.onset_ms, 36 * 60 * 1000) << "at least 0.4 x 1.5 h";
  const FaultEvent& dropout = (*events)[1];
  EXPECT_FALSE(dropout.label_ms.has_value());
  EXPECT_EQ(dropout.sensor, 3u);
  EXPECT_EQ(dropout.sensor_name, "sound");
  EXPECT_GE(dropout.magnitude, 0.5);
  EXPECT_LE(dropout.magnitude, 1.0);
}

TEST(FaultSchedule, SensorChosenBySeedWhenNotNamed) {
  auto events = build_fault_schedule(options_with({"motor-1:sensor-stuck@1h"}), kFeatures);
  ASSERT_TRUE(events.has_value());
  EXPECT_LT(events->front().sensor, kFeatures.size());
  EXPECT_EQ(events->front().sensor_name, kFeatures[events->front().sensor]);
}

TEST(FaultSchedule, SortedByOnsetThenMotor) {
  auto events =
      build_fault_schedule(options_with({"motor-4:cooling-failure@3h", "motor-3:rotor-imbalance@1h",
                                         "motor-1:electrical-fault@1h"}),
                           kFeatures);
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].device_id, "motor-1");
  EXPECT_EQ((*events)[1].device_id, "motor-3");
  EXPECT_EQ((*events)[2].device_id, "motor-4");
}

TEST(FaultSchedule, ErrorsNameTheFault) {
  struct Case {
    const char* spec;
    const char* why;
  };
  for (const Case& c :
       {Case{"motor-6:bearing-wear@1h", "no device 'motor-6' (devices are motor-1..motor-5)"},
        Case{"motor-0:bearing-wear@1h", "no device 'motor-0'"},
        Case{"pump-1:bearing-wear@1h", "no device 'pump-1'"},
        Case{"motor-1x:bearing-wear@1h", "no device"},
        Case{"motor-1:bearing-wear@6h", "at or after the end of the run (6h)"},
        Case{"motor-1:sensor-stuck@1h:pressure", "unknown sensor 'pressure'"}}) {
    auto events = build_fault_schedule(options_with({c.spec}), kFeatures);
    ASSERT_FALSE(events.has_value()) << c.spec;
    EXPECT_EQ(events.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(events.error().message(), HasSubstr(c.why));
    EXPECT_THAT(events.error().message(), HasSubstr("fault "));
  }
}

TEST(FaultSchedule, RandomOnsetsFollowTheRateAndDependOnlyOnSeedAndMotor) {
  FleetOptions options = options_with({});
  options.devices = 400;
  options.fault_rate_per_hour = 0.1;
  auto events = build_fault_schedule(options, kFeatures);
  ASSERT_TRUE(events.has_value());
  // P(onset within 6 h) = 1 - e^-0.6 = 0.451: 180 of 400 expected (std ~10).
  EXPECT_GT(events->size(), 140u);
  EXPECT_LT(events->size(), 220u);
  for (const FaultEvent& e : *events) {
    EXPECT_FALSE(e.scheduled);
    EXPECT_FALSE(is_sensor_fault(e.mode)) << "default random modes are motor faults";
  }

  FleetOptions fewer = options;
  fewer.devices = 100;
  auto subset = build_fault_schedule(fewer, kFeatures);
  ASSERT_TRUE(subset.has_value());
  for (const FaultEvent& e : *subset) {
    auto same = std::find_if(events->begin(), events->end(),
                             [&e](const FaultEvent& other) { return other.motor == e.motor; });
    ASSERT_NE(same, events->end());
    EXPECT_EQ(same->onset_ms, e.onset_ms);
    EXPECT_EQ(same->mode, e.mode);
    EXPECT_EQ(same->ramp_s, e.ramp_s);
  }

  options.seed = 2;
  auto reseeded = build_fault_schedule(options, kFeatures);
  ASSERT_TRUE(reseeded.has_value());
  EXPECT_NE(reseeded->front().onset_ms, events->front().onset_ms);
}

TEST(FaultSchedule, RandomModesAreTheChosenOnes) {
  FleetOptions options = options_with({});
  options.devices = 200;
  options.fault_rate_per_hour = 1.0;
  options.random_modes = {FaultMode::kSensorStuck, FaultMode::kCoolingFailure};
  auto events = build_fault_schedule(options, kFeatures);
  ASSERT_TRUE(events.has_value());
  size_t stuck = 0;
  for (const FaultEvent& e : *events) {
    ASSERT_TRUE(e.mode == FaultMode::kSensorStuck || e.mode == FaultMode::kCoolingFailure);
    stuck += e.mode == FaultMode::kSensorStuck;
  }
  EXPECT_GT(stuck, 0u);
  EXPECT_LT(stuck, events->size());
}

}  // namespace
}  // namespace aiotops::sim
