#include "micro/fixed_point.h"

#include <cstring>

namespace aiotops::micro {

QuantizedMultiplier quantize_multiplier(double real) {
  uint64_t bits = 0;
  std::memcpy(&bits, &real, sizeof bits);
  const uint64_t sign = bits >> 63;
  const int32_t biased_exponent = static_cast<int32_t>((bits >> 52) & 0x7FF);
  // Zero, subnormals (whose shift would be far below -31), infinities, NaN and negatives.
  if (sign != 0 || biased_exponent == 0 || biased_exponent == 0x7FF) return {};
  // real = mantissa * 2^(biased_exponent - 1075) with mantissa in [2^52, 2^53): frexp's fraction
  // is mantissa / 2^53 and its exponent biased_exponent - 1022.
  const uint64_t mantissa = (bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1} << 52);
  int32_t shift = biased_exponent - 1022;
  // round(fraction * 2^31) = round(mantissa / 2^22), half away from zero.
  uint64_t q_fixed = (mantissa + (uint64_t{1} << 21)) >> 22;
  if (q_fixed == (uint64_t{1} << 31)) {
    q_fixed /= 2;
    ++shift;
  }
  if (shift < -31) return {};
  return {static_cast<int32_t>(q_fixed), shift};
}

}  // namespace aiotops::micro
