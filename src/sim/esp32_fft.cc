#include "sim/esp32_fft.h"

#include <array>
#include <cmath>
#include <numbers>
#include <utility>

namespace aiotops::sim {
namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kSqrt2 = std::numbers::sqrt2;
using Window = std::array<double, kFftSamples>;
using Complex = std::complex<double>;

// Plain product: std::complex's operator* handles inf/NaN corner cases through a slow library
// call that these finite values never need.
Complex times(Complex a, Complex b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

const std::array<double, kFftSamples>& hamming() {
  static const std::array<double, kFftSamples> window = [] {
    std::array<double, kFftSamples> w;
    for (size_t i = 0; i < kFftSamples; ++i) {
      w[i] = 0.54 - 0.46 * std::cos(kTwoPi * static_cast<double>(i) / (kFftSamples - 1));
    }
    return w;
  }();
  return window;
}

// Sums damped sinusoids, amplitude * e^(-damping k) * sin(2 pi hz k / fs + phase), by rotating
// one phasor per tone; all tones advance together so their multiply chains overlap. ADC noise
// is uniform in [-noise, noise) with 16 bits per sample (four samples per engine draw).
class Synth {
 public:
  void tone(double hz, double amplitude, double phase, double damping = 0.0) {
    Complex z = std::polar(amplitude, phase);
    Complex w =
        std::polar(damping == 0.0 ? 1.0 : std::exp(-damping), kTwoPi * hz / kFftSampleRateHz);
    z_real_[count_] = z.real();
    z_imag_[count_] = z.imag();
    w_real_[count_] = w.real();
    w_imag_[count_] = w.imag();
    ++count_;
  }

  Window render(double noise, Rng& rng) {
    Window x;
    uint64_t bits = 0;
    for (size_t k = 0; k < kFftSamples; ++k) {
      if (k % 4 == 0) bits = rng.bits();
      double sample = noise * (static_cast<double>(bits & 0xffff) / 32768.0 - 1.0);
      bits >>= 16;
      for (size_t t = 0; t < count_; ++t) {
        sample += z_imag_[t];
        double real = z_real_[t] * w_real_[t] - z_imag_[t] * w_imag_[t];
        z_imag_[t] = z_real_[t] * w_imag_[t] + z_imag_[t] * w_real_[t];
        z_real_[t] = real;
      }
      x[k] = sample;
    }
    return x;
  }

 private:
  static constexpr size_t kMaxTones = 8;
  std::array<double, kMaxTones> z_real_, z_imag_, w_real_, w_imag_;
  size_t count_ = 0;
};

double phase(Rng& rng) { return rng.uniform(0.0, kTwoPi); }

double current_peak(const MotorPhysics& s, const MotorParams& p, Rng& rng) {
  Synth synth;
  double amplitude = kSqrt2 * s.current_ma / s.spike;
  double fundamental = phase(rng);
  synth.tone(s.line_hz, amplitude, fundamental);
  synth.tone(3 * s.line_hz, amplitude * p.harmonic3, 3 * fundamental);
  synth.tone(5 * s.line_hz, amplitude * p.harmonic5, 5 * fundamental);
  synth.tone(7 * s.line_hz, amplitude * p.harmonic7, 7 * fundamental);
  if (s.spike > 1.0) {
    // An arcing transient: a damped high-frequency ring sized by the spike.
    synth.tone(rng.uniform(2500.0, 5000.0), amplitude * 1.5 * (s.spike - 1.0), phase(rng),
               1.0 / 12.0);
  }
  return fft_peak_hz(synth.render(0.01 * amplitude, rng), kFftSampleRateHz);
}

double vibration_peak(const MotorPhysics& s, const MotorParams& p, Rng& rng) {
  Synth synth;
  synth.tone(s.speed_hz, kSqrt2 * s.vibration_1x_mg, phase(rng));
  synth.tone(2 * s.line_hz, kSqrt2 * s.vibration_em_mg, phase(rng));
  synth.tone(p.resonance_hz, kSqrt2 * s.vibration_structural_mg, phase(rng));
  // Bearing impacts ring the bearing resonance, amplitude-modulated at the defect frequency.
  double defect_hz = p.bpfo_ratio * s.speed_hz;
  double carrier = phase(rng);
  double modulation = phase(rng);
  double bearing = kSqrt2 * s.vibration_bearing_mg;
  synth.tone(p.bearing_resonance_hz, bearing, carrier);
  synth.tone(p.bearing_resonance_hz + defect_hz, 0.5 * bearing, carrier + modulation);
  synth.tone(p.bearing_resonance_hz - defect_hz, 0.5 * bearing, carrier - modulation);
  return fft_peak_hz(synth.render(30.0, rng), kFftSampleRateHz);
}

double sound_peak(const MotorPhysics& s, const MotorParams& p, Rng& rng) {
  // Pressure in mg-equivalents: the hum is as loud as kRadiatedReferenceMg of vibration.
  Synth synth;
  double hum_phase = phase(rng);
  double hum = kSqrt2 * kRadiatedReferenceMg * s.hum;
  synth.tone(2 * s.line_hz, hum, hum_phase);
  synth.tone(4 * s.line_hz, 0.3 * hum, 2 * hum_phase);
  synth.tone(s.speed_hz, kSqrt2 * s.vibration_1x_mg, phase(rng));
  synth.tone(p.resonance_hz, kSqrt2 * s.vibration_structural_mg, phase(rng));
  synth.tone(p.bearing_resonance_hz, kSqrt2 * s.vibration_bearing_mg, phase(rng));
  return fft_peak_hz(synth.render(20.0, rng), kFftSampleRateHz);
}

}  // namespace

void fft_64(std::span<std::complex<double>, kFftSamples> data) {
  // twiddle[k] = e^(-2 pi i k / N); a stage of length L uses every (N / L)-th entry.
  static const std::array<Complex, kFftSamples / 2> twiddle = [] {
    std::array<Complex, kFftSamples / 2> table;
    for (size_t k = 0; k < table.size(); ++k) {
      table[k] = std::polar(1.0, -kTwoPi * static_cast<double>(k) / kFftSamples);
    }
    return table;
  }();
  for (size_t i = 1, j = 0; i < kFftSamples; ++i) {
    size_t bit = kFftSamples >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(data[i], data[j]);
  }
  for (size_t length = 2; length <= kFftSamples; length <<= 1) {
    size_t half = length / 2;
    size_t stride = kFftSamples / length;
    for (size_t start = 0; start < kFftSamples; start += length) {
      for (size_t k = 0; k < half; ++k) {
        Complex even = data[start + k];
        Complex odd = times(data[start + k + half], twiddle[k * stride]);
        data[start + k] = even + odd;
        data[start + k + half] = even - odd;
      }
    }
  }
}

double fft_peak_hz(std::span<const double, kFftSamples> samples, double sample_rate_hz) {
  double mean = 0.0;
  for (double v : samples) mean += v;
  mean /= kFftSamples;
  std::array<Complex, kFftSamples> bins;
  const auto& window = hamming();
  for (size_t i = 0; i < kFftSamples; ++i) bins[i] = (samples[i] - mean) * window[i];
  fft_64(bins);
  constexpr size_t kHalf = kFftSamples / 2;
  std::array<double, kHalf + 1> magnitude;
  for (size_t i = 0; i <= kHalf; ++i) magnitude[i] = std::sqrt(std::norm(bins[i]));

  size_t peak = 0;
  for (size_t i = 1; i < kHalf; ++i) {
    if (magnitude[i - 1] < magnitude[i] && magnitude[i] > magnitude[i + 1] &&
        (peak == 0 || magnitude[i] > magnitude[peak])) {
      peak = i;
    }
  }
  double bin_hz = sample_rate_hz / kFftSamples;
  if (peak == 0) {
    size_t largest = 1;
    for (size_t i = 2; i <= kHalf; ++i) {
      if (magnitude[i] > magnitude[largest]) largest = i;
    }
    return static_cast<double>(largest) * bin_hz;
  }
  double left = magnitude[peak - 1];
  double centre = magnitude[peak];
  double right = magnitude[peak + 1];
  double delta = 0.5 * (left - right) / (left - 2.0 * centre + right);
  return (static_cast<double>(peak) + delta) * bin_hz;
}

SensorValues measure_esp32_fft(const MotorPhysics& physics, const MotorParams& params,
                               double temperature_reading_c, Rng& rng) {
  SensorValues v;
  v[kCurrent] = current_peak(physics, params, rng);
  v[kTemperature] = temperature_reading_c;
  v[kVibration] = vibration_peak(physics, params, rng);
  v[kSound] = sound_peak(physics, params, rng);
  return v;
}

}  // namespace aiotops::sim
