#include "micro/portable_math.h"

#include <cstring>

namespace aiotops::micro {
namespace {

constexpr float kLog2e = 1.44269504088896341f;
// ln 2 split so that k * kLn2Hi is exact for |k| <= 2^15 (kLn2Hi has 9 significant bits).
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440054690583e-4f;
constexpr float kRoundingShift = 12582912.0f;  // 1.5 * 2^23

// 2^k for k in [-126, 127], built from the exponent bits.
float pow2(int32_t k) {
  const uint32_t bits = static_cast<uint32_t>(k + 127) << 23;
  float result = 0.0f;
  std::memcpy(&result, &bits, sizeof result);
  return result;
}

// p * 2^k for k in [-150, 128] with one rounding (the last multiply) when the result is
// subnormal, and IEEE overflow to +inf when it is too large.
float scale_by_pow2(float p, int32_t k) {
  if (k > 127) {
    p *= 2.0f;
    --k;
  } else if (k < -126) {
    p *= pow2(-64);
    k += 64;
  }
  return p * pow2(k);
}

}  // namespace

float portable_expf(float x) {
  if (x != x) return x;
  if (x > 88.8f) return pow2(127) * 2.0f;  // +inf
  if (x < -104.0f) return 0.0f;
  // x = k ln2 + r with k the nearest integer to x / ln2 and |r| <= ~ln2 / 2. Adding and taking
  // away 1.5 * 2^23 rounds |t| < 2^22 to an integer without a branch on the sign of x.
  const float t = x * kLog2e;
  const float kf = (t + kRoundingShift) - kRoundingShift;
  const int32_t k = static_cast<int32_t>(kf);
  const float r = (x - kf * kLn2Hi) - kf * kLn2Lo;
  // e^r by its Taylor series to degree 7 (truncation error < 2^-27 on |r| <= 0.35), Horner form.
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r * r + r;  // r + r^2 (1/2 + r/6 + ...): e^r - 1, kept apart from the 1 for accuracy
  return scale_by_pow2(1.0f + p, k);
}

float portable_logistic(float x) { return 1.0f / (1.0f + portable_expf(-x)); }

int32_t round_to_int32(float x) {
  if (x != x) return 0;
  if (x >= 2147483648.0f) return INT32_MAX;
  if (x <= -2147483648.0f) return INT32_MIN;
  int32_t truncated = static_cast<int32_t>(x);
  // Exact: x and its integer part share an exponent range where the fraction is representable.
  const float fraction = x - static_cast<float>(truncated);
  if (fraction >= 0.5f) ++truncated;
  if (fraction <= -0.5f) --truncated;
  return truncated;
}

}  // namespace aiotops::micro
