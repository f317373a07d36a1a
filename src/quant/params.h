#pragma once
// The arithmetic of full-integer post-training quantization, TFLite's scheme: how a tensor's
// float range becomes an int8 scale and zero point, how weights (symmetric int8, or signed powers
// of two) and int32 biases are quantized. Pure functions; all are thread-safe and never fail.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/error.h"

#include "tflite/graph.h"

namespace aiotops::quant {

inline constexpr int32_t kInt8Min = -128;
inline constexpr int32_t kInt8Max = 127;
// Symmetric weights use [-127, 127] so that negating a weight never overflows (TFLite's rule).
inline constexpr int32_t kWeightMax = 127;
// The largest signed power of two an int8 holds: powers-of-two weights are 0 or ±2^k, k in
// [0, kPow2MaxExponent].
inline constexpr int kPow2MaxExponent = 6;

// How weights are quantized. Both store ordinary symmetric int8 weights (zero point 0) with
// per-tensor or per-channel scales, so the .tflite file and every kernel stay standard; with
// kPow2 every stored weight is 0 or a signed power of two, so a kernel may replace each multiply
// by a shift and get bit-identical results (q * 2^k == q << k in integers).
enum class WeightMode {
  kInt8,  // q = round(w / s), s = max |w| / 127
  kPow2,  // q = ±2^k nearest in the log domain, s = max |w| / 64
};
std::string_view to_string(WeightMode mode);  // "int8", "pow2"
// Fails with kInvalidArgument naming the accepted values.
Result<WeightMode> parse_weight_mode(std::string_view name);

// Observed values of one tensor, min <= max.
struct TensorRange {
  float min = 0;
  float max = 0;
};

// Asymmetric int8 parameters for a tensor spanning `range`: the range is widened to include 0,
// scale = (max - min) / 255 and the zero point is -128 - min / scale rounded to an integer in
// [-128, 127], so that 0 is exactly representable (the "nudge": the representable range shifts
// by less than half a step). Computed in float as TFLite's converter does. A [0, 0] range gets
// scale 1 and zero point -128 (every value is 0).
tflite::QuantParams asymmetric_params(TensorRange range);

// The float interval an int8 tensor with `params` represents: [(-128 - zp) s, (127 - zp) s].
TensorRange representable_range(const tflite::QuantParams& params);

// Symmetric scale for `values`: max |v| / 127, or 1 when every value is 0.
float symmetric_scale(std::span<const float> values);

// Powers-of-two scale for `values`: max |v| / 2^kPow2MaxExponent (the largest magnitude becomes
// exactly 64), or 1 when every value is 0.
float pow2_scale(std::span<const float> values);

// round(v / scale) clamped to [-127, 127] (round half away from zero). `scale` > 0.
int8_t quantize_symmetric(float value, float scale);

// The signed power of two nearest to v / scale in the log domain: 0 when |v| / scale < 0.5, else
// ±2^k with k = round(log2(|v| / scale)) clamped to [0, kPow2MaxExponent]. `scale` > 0.
int8_t quantize_pow2(float value, float scale);

// True when q is 0 or ±2^k, k in [0, kPow2MaxExponent].
bool is_signed_pow2(int8_t q);

// Bias in the accumulator's scale: round(b / (input_scale * weight_scale)) with the product
// taken in float (the scale the .tflite bias tensor carries), clamped to [-(2^31 - 1), 2^31 - 1].
int32_t quantize_bias(float bias, float input_scale, float weight_scale);

// The scale WeightMode `mode` gives `values`: symmetric_scale or pow2_scale.
float weight_scale(std::span<const float> values, WeightMode mode);
// One weight in `mode`: quantize_symmetric or quantize_pow2.
int8_t quantize_weight(float value, float scale, WeightMode mode);

// The weight scales of a row-major `outputs` x `inputs` matrix (`weights` holds outputs * inputs
// values, outputs > 0): one for the whole tensor, or one per output channel (row) with
// `per_channel`.
std::vector<float> weight_scales(std::span<const float> weights, size_t outputs, bool per_channel,
                                 WeightMode mode);

}  // namespace aiotops::quant
