#include "quant/params.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace aiotops::quant {
namespace {

float max_magnitude(std::span<const float> values) {
  float largest = 0;
  for (float v : values) largest = std::max(largest, std::abs(v));
  return largest;
}

}  // namespace

std::string_view to_string(WeightMode mode) { return mode == WeightMode::kPow2 ? "pow2" : "int8"; }

Result<WeightMode> parse_weight_mode(std::string_view name) {
  if (name == "int8") return WeightMode::kInt8;
  if (name == "pow2") return WeightMode::kPow2;
  return fail(ErrorCode::kInvalidArgument, "weights mode '{}': expected int8 or pow2", name);
}

tflite::QuantParams asymmetric_params(TensorRange range) {
  const float min = std::min(range.min, 0.0f);
  const float max = std::max(range.max, 0.0f);
  const float qmin = static_cast<float>(kInt8Min);
  const float qmax = static_cast<float>(kInt8Max);
  const float scale = (max - min) / (qmax - qmin);
  if (!(scale > 0)) return {1.0f, kInt8Min};
  const float zero_point_from_min = qmin - min / scale;
  const float nudged = std::clamp(std::round(zero_point_from_min), qmin, qmax);
  return {scale, static_cast<int32_t>(nudged)};
}

TensorRange representable_range(const tflite::QuantParams& params) {
  return {static_cast<float>(kInt8Min - params.zero_point) * params.scale,
          static_cast<float>(kInt8Max - params.zero_point) * params.scale};
}

float symmetric_scale(std::span<const float> values) {
  const float largest = max_magnitude(values);
  return largest > 0 ? largest / static_cast<float>(kWeightMax) : 1.0f;
}

float pow2_scale(std::span<const float> values) {
  const float largest = max_magnitude(values);
  return largest > 0 ? std::ldexp(largest, -kPow2MaxExponent) : 1.0f;
}

int8_t quantize_symmetric(float value, float scale) {
  const float q = std::round(value / scale);
  return static_cast<int8_t>(
      std::clamp(q, -static_cast<float>(kWeightMax), static_cast<float>(kWeightMax)));
}

int8_t quantize_pow2(float value, float scale) {
  const float magnitude = std::abs(value) / scale;
  if (!(magnitude >= 0.5f)) return 0;
  const float exponent =
      std::clamp(std::round(std::log2(magnitude)), 0.0f, static_cast<float>(kPow2MaxExponent));
  const int q = 1 << static_cast<int>(exponent);
  return static_cast<int8_t>(value < 0 ? -q : q);
}

bool is_signed_pow2(int8_t q) {
  const int magnitude = std::abs(static_cast<int>(q));
  return magnitude == 0 ||
         (magnitude <= (1 << kPow2MaxExponent) && (magnitude & (magnitude - 1)) == 0);
}

int32_t quantize_bias(float bias, float input_scale, float weight_scale) {
  const float scale = input_scale * weight_scale;
  constexpr double kLimit = std::numeric_limits<int32_t>::max();
  const double q = std::round(static_cast<double>(bias) / static_cast<double>(scale));
  if (std::isnan(q)) return 0;  // 0 / 0: an underflowed scale and a zero bias
  return static_cast<int32_t>(std::clamp(q, -kLimit, kLimit));
}

float weight_scale(std::span<const float> values, WeightMode mode) {
  return mode == WeightMode::kPow2 ? pow2_scale(values) : symmetric_scale(values);
}

int8_t quantize_weight(float value, float scale, WeightMode mode) {
  return mode == WeightMode::kPow2 ? quantize_pow2(value, scale) : quantize_symmetric(value, scale);
}

std::vector<float> weight_scales(std::span<const float> weights, size_t outputs, bool per_channel,
                                 WeightMode mode) {
  if (!per_channel) return {weight_scale(weights, mode)};
  const size_t inputs = weights.size() / outputs;
  std::vector<float> scales(outputs);
  for (size_t o = 0; o < outputs; ++o) {
    scales[o] = weight_scale(weights.subspan(o * inputs, inputs), mode);
  }
  return scales;
}

}  // namespace aiotops::quant
