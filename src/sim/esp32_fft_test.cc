#include "sim/esp32_fft.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <numbers>

namespace aiotops::sim {
namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kBinHz = kFftSampleRateHz / kFftSamples;

std::array<double, kFftSamples> tone(double hz, double amplitude = 1.0, double phase = 0.3) {
  std::array<double, kFftSamples> x;
  for (size_t k = 0; k < kFftSamples; ++k) {
    x[k] = amplitude * std::sin(kTwoPi * hz * static_cast<double>(k) / kFftSampleRateHz + phase);
  }
  return x;
}

TEST(Fft64, MatchesADirectDft) {
  std::array<std::complex<double>, kFftSamples> data;
  for (size_t k = 0; k < kFftSamples; ++k) {
    data[k] = {std::sin(0.37 * static_cast<double>(k)) + 0.1 * static_cast<double>(k % 5),
               std::cos(1.3 * static_cast<double>(k))};
  }
  auto input = data;
  fft_64(data);
  for (size_t bin = 0; bin < kFftSamples; ++bin) {
    std::complex<double> sum = 0;
    for (size_t k = 0; k < kFftSamples; ++k) {
      sum += input[k] * std::polar(1.0, -kTwoPi * static_cast<double>(bin * k) / kFftSamples);
    }
    EXPECT_NEAR(data[bin].real(), sum.real(), 1e-9) << bin;
    EXPECT_NEAR(data[bin].imag(), sum.imag(), 1e-9) << bin;
  }
}

TEST(FftPeak, FindsAPureToneWithinAQuarterBin) {
  for (double hz : {412.5, 777.0, 1235.9, 2500.0, 3100.0, 5000.0}) {
    EXPECT_NEAR(fft_peak_hz(tone(hz), kFftSampleRateHz), hz, kBinHz / 4) << hz;
  }
}

TEST(FftPeak, IgnoresOffsetAndPicksTheLargestPeak) {
  auto small = tone(1250.0, 1.0);
  auto large = tone(3100.0, 3.0, 1.1);
  std::array<double, kFftSamples> mix;
  for (size_t k = 0; k < kFftSamples; ++k) mix[k] = 2048.0 + small[k] + large[k];
  EXPECT_NEAR(fft_peak_hz(mix, kFftSampleRateHz), 3100.0, kBinHz / 4);
}

TEST(FftPeak, FlatSpectrumFallsBackToTheLargestBin) {
  std::array<double, kFftSamples> constant;
  constant.fill(5.0);  // zero once the mean is removed: no local maximum
  EXPECT_EQ(fft_peak_hz(constant, kFftSampleRateHz), kBinHz);
}

}  // namespace
}  // namespace aiotops::sim
