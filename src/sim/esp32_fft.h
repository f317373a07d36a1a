#pragma once
// The reference firmware's features: each channel sampled 64 times at ~13 kHz, Hamming window,
// FFT, and the frequency of the largest spectral peak. Here the 64 samples are synthesised from
// the motor's physical state (mains harmonics for current, rotation, magnetic, structural and
// bearing-defect tones for vibration, hum plus radiated vibration for sound) with ADC noise.
// Functions are thread-safe for distinct Rng objects.

#include <complex>
#include <cstddef>
#include <span>

#include "sim/motor.h"
#include "sim/rng.h"
#include "sim/sensors.h"

namespace aiotops::sim {

inline constexpr size_t kFftSamples = 64;
inline constexpr double kFftSampleRateHz = 13000.0;

// In-place iterative radix-2 FFT of kFftSamples points (forward, unscaled). Thread-safe.
void fft_64(std::span<std::complex<double>, kFftSamples> data);

// Peak frequency of a window, Hz: mean removed, Hamming window, FFT magnitudes, the largest
// local maximum among bins 1..N/2-1 refined by parabolic interpolation (as arduinoFFT's
// MajorPeak, but scaled by fs/N); the largest bin when there is no local maximum.
double fft_peak_hz(std::span<const double, kFftSamples> samples, double sample_rate_hz);

// Features of one reading in the reference firmware's units: current, vibration and sound as
// FFT peak frequencies (Hz), temperature as measured (degC; the firmware reads it directly).
// Phases and ADC noise come from `rng`.
SensorValues measure_esp32_fft(const MotorPhysics& physics, const MotorParams& params,
                               double temperature_reading_c, Rng& rng);

}  // namespace aiotops::sim
