#pragma once
// One induction motor: load, speed, current, a first-order thermal model and vibration and sound
// built from physical sources (rotation 1x, electromagnetic 2x line, structure, bearings).
// Units: current mA RMS, temperature degC, vibration mg RMS acceleration, sound dB SPL.

#include <cstdint>

#include "sim/environment.h"
#include "sim/rng.h"

namespace aiotops::sim {

// What makes one motor differ from another; drawn per motor by draw_motor_params.
struct MotorParams {
  double rated_current_ma = 850.0;       // at rated torque and nominal supply, mA RMS
  double magnetizing_fraction = 0.45;    // no-load current / rated current
  double rated_slip = 0.06;              // slip at rated torque
  int pole_pairs = 2;                    // 2: 1800 rpm synchronous at 60 Hz
  double base_load = 0.65;               // mean load torque / rated torque
  double swing_fast = 0.05;              // amplitude of the fast load cycle, / rated torque
  double period_fast_s = 1800.0;         // its period, s
  double phase_fast = 0.0;               // rad
  double swing_slow = 0.08;              // amplitude of the slow load cycle, / rated torque
  double period_slow_s = 14400.0;        // its period, s
  double phase_slow = 0.0;               // rad
  double load_sigma = 0.03;              // stationary std of the random load wander
  double load_tau_s = 300.0;             // its correlation time, s
  double friction = 0.045;               // healthy friction torque / rated torque
  double rated_rise_c = 22.0;            // steady winding rise over ambient at rated losses, degC
  double thermal_tau_s = 1500.0;         // thermal time constant with healthy cooling, s
  double copper_share = 0.6;             // shares of rated losses: copper (I^2 R), iron,
  double iron_share = 0.25;              //   friction and windage (the rest)
  double ambient_offset_c = 0.0;         // this motor's spot vs the site ambient, degC
  double imbalance = 1.0;                // residual imbalance; 1 gives kImbalanceMg at rated speed
  double bearing_condition = 0.1;        // bearing defect index, 0 new .. 1 failed
  double structural_mg = 110.0;          // running structural vibration at rated speed, mg
  double resonance_hz = 1250.0;          // dominant structural resonance, Hz
  double bearing_resonance_hz = 3100.0;  // resonance that bearing defects excite, Hz
  double bpfo_ratio = 3.3;               // outer-race defect frequency / rotation frequency
  double sound_base_db = 61.0;           // SPL of the hum at rated torque, dB
  double harmonic3 = 0.09;               // current harmonics / fundamental
  double harmonic5 = 0.045;
  double harmonic7 = 0.02;
};

// Per-motor variation: every field drawn from its documented range (docs/formats/sim.md).
// Thread-safe for distinct Rng objects.
MotorParams draw_motor_params(Rng& rng);

// Fault effects at one instant; the defaults are a healthy motor.
struct MotorFaults {
  double bearing_wear = 0.0;        // added bearing defect index
  double thermal_resistance = 1.0;  // factor on thermal resistance (and time constant)
  double added_imbalance = 0.0;     // imbalance added, in multiples of the baseline
  double electrical = 0.0;          // electrical fault severity, 0..1
  double spike_rate_per_s = 0.0;    // rate of current spikes, 1/s (seen by a reading when
                                    // one falls in the second before it)
};

// The true physical state after a step (before any sensor).
struct MotorPhysics {
  double line_hz = 60.0;                 // supply frequency, Hz
  double supply_factor = 1.0;            // supply voltage / nominal
  double load = 0.0;                     // load torque / rated torque
  double torque = 0.0;                   // load plus friction, / rated torque
  double speed_hz = 0.0;                 // rotor rotation frequency, Hz
  double current_ma = 0.0;               // RMS current including any spike, mA
  double spike = 1.0;                    // current factor of a spike at this instant (1: none)
  double temperature_c = 0.0;            // winding temperature, degC
  double vibration_1x_mg = 0.0;          // at rotation frequency (imbalance)
  double vibration_em_mg = 0.0;          // at twice line frequency (magnetic forces)
  double vibration_structural_mg = 0.0;  // at the structural resonance
  double vibration_bearing_mg = 0.0;     // bearing resonance, modulated at the defect frequency
  double vibration_mg = 0.0;             // RMS of all sources
  double hum = 0.0;                      // relative sound pressure of the magnetic hum
  double sound_db = 0.0;                 // SPL, dB
};

// Magnitude of 1x vibration for imbalance 1 at rated speed, mg RMS (about 2 mm/s).
inline constexpr double kImbalanceMg = 40.0;
// Vibration that sounds as loud as the magnetic hum at rated torque, mg RMS.
inline constexpr double kRadiatedReferenceMg = 300.0;

// Not thread-safe; one object per motor.
class Motor {
 public:
  Motor(const MotorParams& params, double line_hz, double interval_s);

  // Advances one interval to `elapsed_s` after the start (the first call initialises at
  // thermal equilibrium). Random draws come from `rng` (the motor's own stream).
  const MotorPhysics& step(double elapsed_s, const Environment& environment,
                           const MotorFaults& faults, Rng& rng);

  const MotorParams& params() const { return params_; }
  const MotorPhysics& physics() const { return physics_; }

 private:
  MotorParams params_;
  double interval_s_;
  double load_decay_;
  double rated_speed_hz_;
  double load_wander_ = 0.0;
  bool started_ = false;
  MotorPhysics physics_;
};

}  // namespace aiotops::sim
