#include "micro/fixed_point.h"

#include <cmath>
#include <cstdint>
#include <random>

#include <gtest/gtest.h>

namespace aiotops::micro {
namespace {

// Values TFLite's QuantizeMultiplier produces (frexp, round half away, renormalize, flush).
TEST(QuantizeMultiplier, MatchesTfliteOnPowersOfTwo) {
  EXPECT_EQ(quantize_multiplier(0.5).multiplier, 1 << 30);
  EXPECT_EQ(quantize_multiplier(0.5).shift, 0);
  EXPECT_EQ(quantize_multiplier(1.0).multiplier, 1 << 30);
  EXPECT_EQ(quantize_multiplier(1.0).shift, 1);
  EXPECT_EQ(quantize_multiplier(2.0).shift, 2);
  EXPECT_EQ(quantize_multiplier(0.25).shift, -1);
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -31)).multiplier, 1 << 30);
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -31)).shift, -30);
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -32)).shift, -31);
}

TEST(QuantizeMultiplier, RoundsTheMantissaHalfAwayFromZero) {
  // 0.75 * 2^31 exactly.
  EXPECT_EQ(quantize_multiplier(0.75).multiplier, 1610612736);
  EXPECT_EQ(quantize_multiplier(0.75).shift, 0);
  // 0.1 = 0.8 * 2^-3: round(0.8 * 2^31) = 1717986918.4 -> 1717986918.
  EXPECT_EQ(quantize_multiplier(0.1).multiplier, 1717986918);
  EXPECT_EQ(quantize_multiplier(0.1).shift, -3);
  // A mantissa of (2^31 - 0.5) / 2^31 rounds up to 2^31 and renormalizes to 2^30, shift + 1.
  const double just_below_one = (std::ldexp(1.0, 31) - 0.5) / std::ldexp(1.0, 31);
  EXPECT_EQ(quantize_multiplier(just_below_one).multiplier, 1 << 30);
  EXPECT_EQ(quantize_multiplier(just_below_one).shift, 1);
}

TEST(QuantizeMultiplier, FlushesTinyAndInvalidMultipliersToZero) {
  for (double bad :
       {0.0, -0.5, std::ldexp(1.0, -33), std::ldexp(1.0, -1074), double{INFINITY}, double{NAN}}) {
    const QuantizedMultiplier m = quantize_multiplier(bad);
    EXPECT_EQ(m.multiplier, 0) << bad;
    EXPECT_EQ(m.shift, 0) << bad;
  }
}

TEST(QuantizeMultiplier, AgreesWithFrexpAndRound) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-30.0, 20.0);
  for (int i = 0; i < 10000; ++i) {
    const double real = std::exp2(exponent(rng));
    int shift = 0;
    const double fraction = std::frexp(real, &shift);
    int64_t q_fixed = static_cast<int64_t>(std::round(fraction * std::ldexp(1.0, 31)));
    if (q_fixed == (int64_t{1} << 31)) {
      q_fixed /= 2;
      ++shift;
    }
    const QuantizedMultiplier m = quantize_multiplier(real);
    ASSERT_EQ(m.multiplier, q_fixed) << real;
    ASSERT_EQ(m.shift, shift) << real;
  }
}

TEST(SaturatingRoundingDoublingHighMul, RoundsAndSaturates) {
  // 100 * 0.5 exactly; 101 * 0.5 = 50.5 rounds up; -101 * 0.5 rounds toward zero (gemmlowp's
  // nudge).
  EXPECT_EQ(saturating_rounding_doubling_high_mul(100, 1 << 30), 50);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(101, 1 << 30), 51);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-101, 1 << 30), -50);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MIN), INT32_MAX);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(INT32_MAX, INT32_MAX), INT32_MAX - 1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MAX), INT32_MIN + 1);
}

TEST(RoundingDivideByPot, RoundsHalfAwayFromZero) {
  EXPECT_EQ(rounding_divide_by_pot(5, 1), 3);
  EXPECT_EQ(rounding_divide_by_pot(-5, 1), -3);
  EXPECT_EQ(rounding_divide_by_pot(3, 1), 2);
  EXPECT_EQ(rounding_divide_by_pot(-3, 1), -2);
  EXPECT_EQ(rounding_divide_by_pot(7, 2), 2);
  EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);
  EXPECT_EQ(rounding_divide_by_pot(-5, 2), -1);
  EXPECT_EQ(rounding_divide_by_pot(12345, 0), 12345);
  EXPECT_EQ(rounding_divide_by_pot(INT32_MAX, 31), 1);
  EXPECT_EQ(rounding_divide_by_pot(INT32_MIN, 31), -1);
}

TEST(MultiplyByQuantizedMultiplier, HandComputedValues) {
  // 24 * 0.125 = 3; -2 * 0.125 = -0.25 -> 0; 1000 * 1.5 = 1500 (left shift 1).
  EXPECT_EQ(multiply_by_quantized_multiplier(24, quantize_multiplier(0.125)), 3);
  EXPECT_EQ(multiply_by_quantized_multiplier(-2, quantize_multiplier(0.125)), 0);
  EXPECT_EQ(multiply_by_quantized_multiplier(1000, quantize_multiplier(1.5)), 1500);
  EXPECT_EQ(multiply_by_quantized_multiplier(-1000, quantize_multiplier(1.5)), -1500);
  EXPECT_EQ(multiply_by_quantized_multiplier(12345, QuantizedMultiplier{}), 0);
}

TEST(MultiplyByQuantizedMultiplier, WithinOneOfTheDoubleProduct) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> exponent(-20.0, 4.0);
  std::uniform_int_distribution<int32_t> value(-(1 << 24), 1 << 24);
  for (int i = 0; i < 100000; ++i) {
    const double real = std::exp2(exponent(rng));
    const int32_t x = value(rng);
    const double expected = std::round(static_cast<double>(x) * real);
    const int32_t got = multiply_by_quantized_multiplier(x, quantize_multiplier(real));
    ASSERT_LE(std::abs(static_cast<double>(got) - expected), 1.0) << x << " * " << real;
  }
}

}  // namespace
}  // namespace aiotops::micro
