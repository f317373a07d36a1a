#include "sim/fault_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiotops::sim {
namespace {

using ::testing::HasSubstr;

TEST(FaultMode, NamesRoundTrip) {
  for (FaultMode mode : kAllFaultModes) EXPECT_EQ(parse_fault_mode(to_string(mode)).value(), mode);
  EXPECT_TRUE(is_sensor_fault(FaultMode::kSensorStuck));
  EXPECT_TRUE(is_sensor_fault(FaultMode::kSensorDropout));
  for (FaultMode mode : kMotorFaultModes) EXPECT_FALSE(is_sensor_fault(mode));
  auto bad = parse_fault_mode("bearing");
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error().message(), HasSubstr("'bearing'"));
}

TEST(ParseFaultSpec, MotorFault) {
  auto spec = parse_fault_spec("motor-3:bearing-wear@2h");
  ASSERT_TRUE(spec.has_value()) << spec.error().message();
  EXPECT_EQ(spec->device_id, "motor-3");
  EXPECT_EQ(spec->mode, FaultMode::kBearingWear);
  EXPECT_EQ(spec->onset, std::chrono::hours(2));
  EXPECT_TRUE(spec->sensor.empty());
}

TEST(ParseFaultSpec, SensorFaultWithAndWithoutSensor) {
  auto spec = parse_fault_spec("motor-2:sensor-stuck@30m:temperature");
  ASSERT_TRUE(spec.has_value()) << spec.error().message();
  EXPECT_EQ(spec->mode, FaultMode::kSensorStuck);
  EXPECT_EQ(spec->onset, std::chrono::minutes(30));
  EXPECT_EQ(spec->sensor, "temperature");
  auto unnamed = parse_fault_spec("motor-2:sensor-dropout@1h30m");
  ASSERT_TRUE(unnamed.has_value());
  EXPECT_EQ(unnamed->onset, std::chrono::minutes(90));
  EXPECT_TRUE(unnamed->sensor.empty());
}

TEST(ParseFaultSpec, ErrorsQuoteTheTextAndNameThePart) {
  struct Case {
    const char* text;
    const char* why;
  };
  for (const Case& c : {Case{"motor-3", "no ':'"}, Case{":bearing-wear@2h", "empty device"},
                        Case{"motor-3:bearing-wear", "no '@<onset>'"},
                        Case{"motor-3:wear@2h", "unknown fault mode 'wear'"},
                        Case{"motor-3:bearing-wear@soon", "duration 'soon'"},
                        Case{"motor-3:bearing-wear@-1h", "non-negative"},
                        Case{"motor-3:bearing-wear@2h:vibration", "only sensor faults"},
                        Case{"motor-3:sensor-stuck@2h:", "empty sensor"}}) {
    auto spec = parse_fault_spec(c.text);
    ASSERT_FALSE(spec.has_value()) << c.text;
    EXPECT_EQ(spec.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(spec.error().message(), HasSubstr(c.text));
    EXPECT_THAT(spec.error().message(), HasSubstr(c.why));
  }
}

TEST(ParseFaultModes, ListsWithoutRepeats) {
  auto modes = parse_fault_modes("bearing-wear,sensor-stuck");
  ASSERT_TRUE(modes.has_value());
  EXPECT_EQ(*modes, (std::vector<FaultMode>{FaultMode::kBearingWear, FaultMode::kSensorStuck}));
  EXPECT_THAT(parse_fault_modes("bearing-wear,bearing-wear").error().message(), HasSubstr("twice"));
  EXPECT_FALSE(parse_fault_modes("").has_value());
  EXPECT_FALSE(parse_fault_modes("bearing-wear,").has_value());
}

}  // namespace
}  // namespace aiotops::sim
