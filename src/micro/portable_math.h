#pragma once
// Floating-point functions whose results are the same bits on every IEEE-754 single-precision
// target (x86-64 SSE, Cortex-M4F FPU) when compiled with -ffp-contract=off: only +, -, *, / and
// conversions, no libm. The C library's expf differs between glibc and newlib.

#include <cstdint>

namespace aiotops::micro {

// e^x within 1 ulp of the correctly rounded result wherever that is a normal float (checked on
// every float in [-87.3, 88.7]); +inf above ~88.72, 0 below ~-103.9, NaN for NaN. Pure.
float portable_expf(float x);

// 1 / (1 + e^-x) (the float LOGISTIC kernel); 0 or 1 at the extremes, NaN for NaN. Pure.
float portable_logistic(float x);

// x rounded to the nearest integer, ties away from zero (TFLite's TfLiteRound), saturated to the
// int32 range; NaN gives 0. Pure.
int32_t round_to_int32(float x);

}  // namespace aiotops::micro
