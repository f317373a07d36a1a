#include "sim/motor.h"

#include <gtest/gtest.h>

#include <cmath>

namespace aiotops::sim {
namespace {

constexpr double kInterval = 1.0;

// A still site: 25 degC, nominal supply, no daily cycle or wander.
Environment still_site() {
  EnvironmentOptions options;
  options.ambient_c = 25.0;
  options.daily_swing_c = 0.0;
  options.weather_sigma_c = 0.0;
  options.supply_sigma = 0.0;
  Environment environment(options, kInterval, 1);
  environment.advance(0);
  return environment;
}

// A motor whose load never varies, so every change comes from the faults.
MotorParams steady_params() {
  MotorParams params;
  params.swing_fast = 0.0;
  params.swing_slow = 0.0;
  params.load_sigma = 0.0;
  return params;
}

struct MotorRun {
  Motor motor;
  Environment environment = still_site();
  Rng rng{5};
  double t = 0.0;
  explicit MotorRun(const MotorParams& params) : motor(params, 60.0, kInterval) {}
  const MotorPhysics& step(const MotorFaults& faults = {}) {
    const MotorPhysics& physics = motor.step(t, environment, faults, rng);
    t += kInterval;
    return physics;
  }
};

TEST(Motor, HealthyStateIsPlausibleAndStartsAtThermalEquilibrium) {
  MotorRun run(steady_params());
  MotorPhysics first = run.step();
  EXPECT_GT(first.current_ma, 300.0);
  EXPECT_LT(first.current_ma, 850.0);
  EXPECT_GT(first.speed_hz, 27.0);
  EXPECT_LT(first.speed_hz, 30.0);
  EXPECT_GT(first.temperature_c, 35.0);
  EXPECT_LT(first.temperature_c, 50.0);
  EXPECT_GT(first.vibration_mg, 80.0);
  EXPECT_LT(first.vibration_mg, 250.0);
  EXPECT_GT(first.sound_db, 50.0);
  EXPECT_LT(first.sound_db, 70.0);
  MotorPhysics later;
  for (int i = 0; i < 3600; ++i) later = run.step();
  EXPECT_NEAR(later.temperature_c, first.temperature_c, 0.5);
  EXPECT_DOUBLE_EQ(later.vibration_mg, first.vibration_mg);
}

TEST(Motor, MoreLoadMeansMoreCurrentMoreSlipMoreHeat) {
  MotorParams light = steady_params();
  light.base_load = 0.4;
  MotorParams heavy = steady_params();
  heavy.base_load = 0.9;
  MotorRun a(light), b(heavy);
  MotorPhysics l = a.step(), h = b.step();
  EXPECT_GT(h.current_ma, 1.2 * l.current_ma);
  EXPECT_LT(h.speed_hz, l.speed_hz);
  EXPECT_GT(h.temperature_c, l.temperature_c + 3.0);
}

TEST(Motor, CoolingFailureIsAFirstOrderRiseTowardsAHigherSteadyState) {
  MotorParams params = steady_params();
  MotorRun healthy(params), failing(params);
  double ambient = 25.0;
  double rise = healthy.step().temperature_c - ambient;
  failing.step();
  MotorFaults faults;
  faults.thermal_resistance = 2.0;
  // One effective time constant (tau x thermal resistance) covers ~63% of the way.
  int tau_steps = static_cast<int>(params.thermal_tau_s * 2.0 / kInterval);
  double temperature = 0.0;
  for (int i = 0; i < tau_steps; ++i) temperature = failing.step(faults).temperature_c;
  double fraction = (temperature - ambient - rise) / rise;
  EXPECT_NEAR(fraction, 0.63, 0.06);
  for (int i = 0; i < 5 * tau_steps; ++i) temperature = failing.step(faults).temperature_c;
  EXPECT_GT(temperature - ambient, 1.95 * rise) << "rise doubles (more with copper resistance)";
  EXPECT_LT(temperature - ambient, 2.3 * rise);
}

TEST(Motor, ImbalanceScalesTheOneTimesComponent) {
  MotorRun healthy(steady_params()), unbalanced(steady_params());
  MotorPhysics h = healthy.step();
  MotorFaults faults;
  faults.added_imbalance = 3.0;
  MotorPhysics u = unbalanced.step(faults);
  EXPECT_NEAR(u.vibration_1x_mg / h.vibration_1x_mg, 4.0, 1e-9);
  EXPECT_DOUBLE_EQ(u.vibration_bearing_mg, h.vibration_bearing_mg);
  EXPECT_GT(u.vibration_mg, 1.3 * h.vibration_mg);
  EXPECT_GT(u.sound_db, h.sound_db);
}

TEST(Motor, BearingWearRaisesBearingVibrationThenFrictionHeat) {
  MotorParams params = steady_params();
  MotorRun healthy(params), worn(params);
  MotorFaults faults;
  faults.bearing_wear = 0.8;
  MotorPhysics h, w;
  for (int i = 0; i < 3 * static_cast<int>(params.thermal_tau_s); ++i) {
    h = healthy.step();
    w = worn.step(faults);
  }
  EXPECT_GT(w.vibration_bearing_mg, 10.0 * h.vibration_bearing_mg);
  EXPECT_GT(w.vibration_mg, 3.0 * h.vibration_mg);
  EXPECT_GT(w.torque, h.torque + 0.05) << "friction";
  EXPECT_GT(w.current_ma, h.current_ma);
  EXPECT_GT(w.temperature_c, h.temperature_c + 2.0);
}

TEST(Motor, ElectricalFaultSpikesAtItsRate) {
  MotorParams params = steady_params();
  MotorRun run(params);
  MotorFaults faults;
  faults.electrical = 1.0;
  faults.spike_rate_per_s = 0.2;
  double base = MotorRun(params).step().current_ma;
  int spikes = 0;
  constexpr int kSteps = 20000;
  for (int i = 0; i < kSteps; ++i) {
    const MotorPhysics& s = run.step(faults);
    if (s.spike > 1.0) {
      ++spikes;
      EXPECT_GE(s.spike, 1.4);
      EXPECT_LT(s.spike, 2.2);
      EXPECT_GT(s.current_ma, 1.4 * base);
    } else {
      EXPECT_NEAR(s.current_ma / base, 1.08, 0.01) << "a full fault draws 8% more";
    }
  }
  // P(spike in 1 s) = 1 - e^-0.2 = 0.181; std of the fraction ~0.003.
  EXPECT_NEAR(static_cast<double>(spikes) / kSteps, 0.181, 0.015);
}

TEST(MotorParams, DrawnWithinTheirRanges) {
  Rng rng(11);
  for (int i = 0; i < 200; ++i) {
    MotorParams p = draw_motor_params(rng);
    EXPECT_GE(p.rated_current_ma, 650.0);
    EXPECT_LT(p.rated_current_ma, 1100.0);
    EXPECT_GE(p.base_load, 0.45);
    EXPECT_LT(p.base_load, 0.85);
    EXPECT_GE(p.thermal_tau_s, 900.0);
    EXPECT_LT(p.thermal_tau_s, 2100.0);
    EXPECT_GT(1.0 - p.copper_share - p.iron_share, 0.04);
  }
}

}  // namespace
}  // namespace aiotops::sim
