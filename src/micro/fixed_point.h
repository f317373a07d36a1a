#pragma once
// TFLite's fixed-point arithmetic for requantization, reimplemented to give the same bits: a real
// multiplier becomes a Q31 multiplier and a power-of-two shift (QuantizeMultiplier), applied with
// a saturating rounding doubling high multiply and a rounding right shift (gemmlowp's
// SaturatingRoundingDoublingHighMul and RoundingDivideByPOT). Free of undefined behaviour for
// every argument the core passes: shifts that would overflow wrap as two's complement hardware
// does, which is what TFLite's compiled code computes.

#include <cstdint>

namespace aiotops::micro {

// real ≈ multiplier * 2^(shift - 31), multiplier in [2^30, 2^31) or 0.
struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int32_t shift = 0;  // > 0: left shift before the multiply; <= 0: right shift after it
};

// TFLite's QuantizeMultiplier for real > 0 (frexp, round half away from zero, renormalize when
// the mantissa rounds up to 2^31, flush to 0 when shift < -31), computed on the double's bits so
// it needs no libm. Returns {0, 0} for 0, negative, subnormal, infinite or NaN inputs. Pure.
QuantizedMultiplier quantize_multiplier(double real);

// (a * b * 2 + 2^31 rounding) >> 32, saturating the one overflow (INT32_MIN * INT32_MIN). Pure.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero, with mask = 2^exponent - 1. Pure.
inline int32_t rounding_shift_right(int32_t x, int32_t exponent, int32_t mask) {
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + ((x & mask) > threshold ? 1 : 0);
}

// x / 2^exponent rounded to nearest, ties away from zero; exponent in [0, 31]. Pure.
inline int32_t rounding_divide_by_pot(int32_t x, int32_t exponent) {
  return rounding_shift_right(x, exponent, static_cast<int32_t>((int64_t{1} << exponent) - 1));
}

// A QuantizedMultiplier with its shifts and rounding mask worked out once, for code that applies
// one multiplier many times (the fused linear chain).
struct DecodedMultiplier {
  int32_t multiplier = 0;
  int32_t left_shift = 0;
  int32_t right_shift = 0;
  int32_t mask = 0;  // 2^right_shift - 1
};

// m decoded; m.shift in [-31, 30]. Pure.
inline DecodedMultiplier decode_multiplier(QuantizedMultiplier m) {
  DecodedMultiplier d;
  d.multiplier = m.multiplier;
  d.left_shift = m.shift > 0 ? m.shift : 0;
  d.right_shift = m.shift > 0 ? 0 : -m.shift;
  d.mask = static_cast<int32_t>((int64_t{1} << d.right_shift) - 1);
  return d;
}

// x * real for the decoded QuantizedMultiplier of real: the shift left, the rounding doubling
// high multiply, rounding_divide_by_pot by right_shift. Pure.
inline int32_t multiply_by_decoded_multiplier(int32_t x, const DecodedMultiplier& d) {
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << d.left_shift);
  return rounding_shift_right(saturating_rounding_doubling_high_mul(shifted, d.multiplier),
                              d.right_shift, d.mask);
}

// x * real for the QuantizedMultiplier of real; m.shift in [-31, 30]. Pure.
inline int32_t multiply_by_quantized_multiplier(int32_t x, QuantizedMultiplier m) {
  return multiply_by_decoded_multiplier(x, decode_multiplier(m));
}

}  // namespace aiotops::micro
