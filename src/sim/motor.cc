#include "sim/motor.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace aiotops::sim {
namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kElectromagneticMg = 35.0;    // 2x line vibration at rated torque, mg
constexpr double kBearingMg = 900.0;           // bearing vibration of defect index 1, mg
constexpr double kBearingFriction = 4.0;       // friction factor per (defect index)^2
constexpr double kElectricalCurrent = 0.08;    // current rise of a full electrical fault
constexpr double kElectricalLoss = 0.25;       // extra losses of a full electrical fault, / rated
constexpr double kCopperReferenceC = 75.0;     // winding temperature of the rated losses
constexpr double kCopperInverseAlpha = 234.5;  // copper resistance ~ (234.5 + T)
// A reading shows a spike when one falls in the second before it, whatever the interval.
constexpr double kSpikeWindowS = 1.0;
constexpr double kMinLoad = 0.1;
constexpr double kMaxLoad = 1.2;

}  // namespace

MotorParams draw_motor_params(Rng& rng) {
  MotorParams p;
  p.rated_current_ma = rng.uniform(650.0, 1100.0);
  p.magnetizing_fraction = rng.uniform(0.40, 0.55);
  p.rated_slip = rng.uniform(0.04, 0.08);
  p.base_load = rng.uniform(0.45, 0.85);
  p.swing_fast = rng.uniform(0.03, 0.08);
  p.period_fast_s = rng.uniform(15.0, 60.0) * 60.0;
  p.phase_fast = rng.uniform(0.0, kTwoPi);
  p.swing_slow = rng.uniform(0.05, 0.12);
  p.period_slow_s = rng.uniform(2.0, 8.0) * 3600.0;
  p.phase_slow = rng.uniform(0.0, kTwoPi);
  p.load_sigma = rng.uniform(0.02, 0.04);
  p.friction = rng.uniform(0.03, 0.06);
  p.rated_rise_c = rng.uniform(18.0, 28.0);
  p.thermal_tau_s = rng.uniform(15.0, 35.0) * 60.0;
  p.copper_share = rng.uniform(0.55, 0.65);
  p.iron_share = rng.uniform(0.20, 0.30);
  p.ambient_offset_c = rng.uniform(-2.0, 2.0);
  p.imbalance = rng.uniform(0.6, 1.4);
  p.bearing_condition = rng.uniform(0.05, 0.2);
  p.structural_mg = rng.uniform(90.0, 140.0);
  p.resonance_hz = rng.uniform(1100.0, 1400.0);
  p.bearing_resonance_hz = rng.uniform(2600.0, 3600.0);
  p.bpfo_ratio = rng.uniform(3.0, 3.6);
  p.sound_base_db = rng.uniform(58.0, 64.0);
  p.harmonic3 = rng.uniform(0.06, 0.12);
  p.harmonic5 = rng.uniform(0.03, 0.06);
  p.harmonic7 = rng.uniform(0.01, 0.03);
  return p;
}

Motor::Motor(const MotorParams& params, double line_hz, double interval_s)
    : params_(params),
      interval_s_(interval_s),
      load_decay_(std::exp(-interval_s / params.load_tau_s)),
      rated_speed_hz_(line_hz / params.pole_pairs * (1.0 - params.rated_slip)) {
  physics_.line_hz = line_hz;
}

const MotorPhysics& Motor::step(double elapsed_s, const Environment& environment,
                                const MotorFaults& faults, Rng& rng) {
  const MotorParams& p = params_;
  MotorPhysics& s = physics_;
  load_wander_ = started_ ? ou_step(load_wander_, load_decay_, p.load_sigma, rng)
                          : p.load_sigma * rng.normal();

  // Mechanics: load cycles plus wander; friction grows with bearing damage; slip ~ torque / V^2.
  double volts = environment.supply_factor();
  s.supply_factor = volts;
  s.load =
      p.base_load + p.swing_fast * std::sin(kTwoPi * elapsed_s / p.period_fast_s + p.phase_fast) +
      p.swing_slow * std::sin(kTwoPi * elapsed_s / p.period_slow_s + p.phase_slow) + load_wander_;
  s.load = std::clamp(s.load, kMinLoad, kMaxLoad);
  double friction =
      p.friction * (1.0 + kBearingFriction * faults.bearing_wear * faults.bearing_wear);
  s.torque = s.load + friction;
  double slip = p.rated_slip * s.torque / (volts * volts);
  s.speed_hz = s.line_hz / p.pole_pairs * (1.0 - slip);

  // Current: magnetising (~V) and torque-producing (~torque / V) parts in quadrature.
  double magnetizing = p.magnetizing_fraction * volts;
  double active =
      std::sqrt(1.0 - p.magnetizing_fraction * p.magnetizing_fraction) * s.torque / volts;
  double relative_current =
      std::hypot(magnetizing, active) * (1.0 + kElectricalCurrent * faults.electrical);
  s.spike = 1.0;
  if (faults.spike_rate_per_s > 0.0 &&
      rng.bernoulli(1.0 - std::exp(-faults.spike_rate_per_s * kSpikeWindowS))) {
    s.spike = rng.uniform(1.4, 2.2);
  }
  s.current_ma = p.rated_current_ma * relative_current * s.spike;

  // Heat: first-order model, exact for a step with constant input.
  double ambient = environment.ambient_c() + p.ambient_offset_c;
  double winding_c = started_ ? s.temperature_c : ambient + p.rated_rise_c;
  double copper = p.copper_share * relative_current * relative_current *
                  (kCopperInverseAlpha + winding_c) / (kCopperInverseAlpha + kCopperReferenceC);
  double iron = p.iron_share * volts * volts;
  double mechanical = (1.0 - p.copper_share - p.iron_share) * (friction / p.friction) *
                      (s.speed_hz / rated_speed_hz_);
  double losses = copper + iron + mechanical + kElectricalLoss * faults.electrical;
  double steady_c = ambient + p.rated_rise_c * losses * faults.thermal_resistance;
  if (started_) {
    double decay = std::exp(-interval_s_ / (p.thermal_tau_s * faults.thermal_resistance));
    s.temperature_c = steady_c + (s.temperature_c - steady_c) * decay;
  } else {
    s.temperature_c = steady_c;
  }

  // Vibration sources, mg RMS.
  double speed = s.speed_hz / rated_speed_hz_;
  s.vibration_1x_mg = kImbalanceMg * p.imbalance * (1.0 + faults.added_imbalance) * speed * speed;
  s.vibration_em_mg = kElectromagneticMg * (0.4 + 0.6 * s.torque) * volts * volts;
  s.vibration_structural_mg = p.structural_mg * speed * std::sqrt(speed);
  double defect = std::min(1.0, p.bearing_condition + faults.bearing_wear);
  s.vibration_bearing_mg = kBearingMg * defect * std::sqrt(defect);
  s.vibration_mg =
      std::sqrt(s.vibration_1x_mg * s.vibration_1x_mg + s.vibration_em_mg * s.vibration_em_mg +
                s.vibration_structural_mg * s.vibration_structural_mg +
                s.vibration_bearing_mg * s.vibration_bearing_mg);

  // Sound: magnetic hum plus radiated vibration, as power.
  s.hum = (0.5 + 0.5 * s.torque) * volts * volts;
  double radiated = s.vibration_mg / kRadiatedReferenceMg;
  s.sound_db = p.sound_base_db + 10.0 * std::log10(s.hum * s.hum + radiated * radiated);
  started_ = true;
  return s;
}

}  // namespace aiotops::sim
