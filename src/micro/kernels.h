#pragma once
// The operator kernels, as plain functions over caller-owned arrays (the interpreter resolves the
// pointers once, at init). Numerics follow TFLite's reference kernels; each function's comment
// says where the core differs and why. All are pure apart from writing their output, allocate
// nothing, and are thread-safe for distinct outputs.

#include <cstddef>
#include <cstdint>

#include "micro/fixed_point.h"

namespace aiotops::micro {

// y[b][o] = act(sum_d x[b][d] * w[o][d] + bias[o]), summed in d order from 0.0f and the bias added
// last, as TFLite's reference does (the same bits on every target with -ffp-contract=off).
struct FullyConnectedFloat {
  const float* input = nullptr;    // batches x depth
  const float* weights = nullptr;  // outputs x depth, row-major
  const float* bias = nullptr;     // outputs, or null for no bias
  float* output = nullptr;         // batches x outputs
  uint32_t batches = 1;
  uint32_t depth = 0;
  uint32_t outputs = 0;
  bool relu = false;  // fused RELU: max(0, y)
};
void fully_connected_float(const FullyConnectedFloat& op);

// TFLite's int8 FULLY_CONNECTED (weights symmetric, zero point 0):
//   acc = bias[o] + sum_d w[o][d] * (x[b][d] - input_zero_point)
//   y = clamp(output_zero_point + multiply_by_quantized_multiplier(acc, m[o]), act_min, act_max)
// The input-offset term is folded into `folded_bias` (see fold_int8_bias): int32 arithmetic
// wraps modulo 2^32 here (TFLite's would be undefined on overflow), so the result is TFLite's.
struct FullyConnectedInt8 {
  const int8_t* input = nullptr;
  const int8_t* weights = nullptr;
  const int32_t* folded_bias = nullptr;              // outputs
  const QuantizedMultiplier* multipliers = nullptr;  // 1 (per-tensor) or outputs (per-channel)
  int8_t* output = nullptr;
  uint32_t batches = 1;
  uint32_t depth = 0;
  uint32_t outputs = 0;
  uint32_t multiplier_stride = 0;  // 0 per-tensor, 1 per-channel
  int32_t output_zero_point = 0;
  int32_t activation_min = -128;  // fused RELU: max(-128, output_zero_point)
  int32_t activation_max = 127;
};
void fully_connected_int8(const FullyConnectedInt8& op);

// folded[o] = bias[o] - input_zero_point * sum_d w[o][d] (mod 2^32); bias may be null (zeros).
void fold_int8_bias(const int8_t* weights, const int32_t* bias, uint32_t depth, uint32_t outputs,
                    int32_t input_zero_point, int32_t* folded);

// y = 1 / (1 + e^-x) with portable_expf (TFLite calls std::exp; ours is the same on every target).
void logistic_float(const float* input, float* output, uint32_t count);

// int8 LOGISTIC by table: out = table[in + 128]. The table is what build_logistic_table computes.
void logistic_int8(const int8_t* input, int8_t* output, uint32_t count, const int8_t* table);

// The 256-entry table of int8 LOGISTIC for input quantization (scale, zero_point) and TFLite's
// output quantization (1/256, -128): table[q + 128] = clamp(round(256 * logistic(scale * (q -
// zero_point))) - 128), TFLite's lookup-table construction with the portable exp. Differs from
// TFLite's fixed-point reference by at most one quantum.
void build_logistic_table(float input_scale, int32_t input_zero_point, int8_t* table);

// y = max(0, x).
void relu_float(const float* input, float* output, uint32_t count);

// TFLite's int8 RELU: y = clamp(out_zp + multiply_by_quantized_multiplier(x - in_zp, m),
// max(-128, out_zp), 127) with m the multiplier of input_scale / output_scale.
struct ReluInt8 {
  const int8_t* input = nullptr;
  int8_t* output = nullptr;
  uint32_t count = 0;
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  QuantizedMultiplier multiplier;
};
void relu_int8(const ReluInt8& op);

// TFLite's QUANTIZE to int8: q = clamp(round(x / scale) + zero_point, -128, 127), ties away from
// zero. NaN quantizes to the zero point.
void quantize_int8(const float* input, int8_t* output, uint32_t count, float scale,
                   int32_t zero_point);

// TFLite's DEQUANTIZE from int8: x = scale * (q - zero_point).
void dequantize_int8(const int8_t* input, float* output, uint32_t count, float scale,
                     int32_t zero_point);

}  // namespace aiotops::micro
