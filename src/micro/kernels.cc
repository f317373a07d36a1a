#include "micro/kernels.h"

#include "micro/portable_math.h"
#include "micro/prepared_op.h"

namespace aiotops::micro {
namespace {

// Modular int32 addition (defined behaviour where plain int32 + would overflow).
inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

inline int32_t clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

}  // namespace

void fully_connected_float(const FullyConnectedFloat& op) {
  // Locals: the output may alias nothing, but the compiler cannot know that about `op`.
  const uint32_t depth = op.depth;
  const uint32_t outputs = op.outputs;
  const float* weights = op.weights;
  const float* bias = op.bias;
  const bool relu = op.relu;
  for (uint32_t b = 0; b < op.batches; ++b) {
    const float* x = op.input + static_cast<size_t>(b) * depth;
    float* y = op.output + static_cast<size_t>(b) * outputs;
    for (uint32_t o = 0; o < outputs; ++o) {
      const float* w = weights + static_cast<size_t>(o) * depth;
      float total = 0.0f;
      for (uint32_t d = 0; d < depth; ++d) total += x[d] * w[d];
      const float value = total + (bias != nullptr ? bias[o] : 0.0f);
      y[o] = relu && value < 0.0f ? 0.0f : value;  // NaN passes through, as in TFLite
    }
  }
}

void fold_int8_bias(const int8_t* weights, const int32_t* bias, uint32_t depth, uint32_t outputs,
                    int32_t input_zero_point, int32_t* folded) {
  for (uint32_t o = 0; o < outputs; ++o) {
    const int8_t* w = weights + static_cast<size_t>(o) * depth;
    int32_t weight_sum = 0;  // |sum| <= kMaxLayerWidth * 128: no overflow
    for (uint32_t d = 0; d < depth; ++d) weight_sum += w[d];
    const int32_t offset_term = static_cast<int32_t>(static_cast<uint32_t>(weight_sum) *
                                                     static_cast<uint32_t>(-input_zero_point));
    folded[o] = wrapping_add(bias != nullptr ? bias[o] : 0, offset_term);
  }
}

void fully_connected_int8(const FullyConnectedInt8& op) {
  // Locals: int8_t stores may alias anything, so fields read through `op` would be reloaded.
  const uint32_t depth = op.depth;
  const uint32_t outputs = op.outputs;
  const int8_t* weights = op.weights;
  const int32_t* folded_bias = op.folded_bias;
  const QuantizedMultiplier* multipliers = op.multipliers;
  const uint32_t stride = op.multiplier_stride;
  const int32_t zero_point = op.output_zero_point;
  const int32_t lo = op.activation_min;
  const int32_t hi = op.activation_max;
  for (uint32_t b = 0; b < op.batches; ++b) {
    const int8_t* x = op.input + static_cast<size_t>(b) * depth;
    int8_t* y = op.output + static_cast<size_t>(b) * outputs;
    for (uint32_t o = 0; o < outputs; ++o) {
      const int8_t* w = weights + static_cast<size_t>(o) * depth;
      int32_t dot = 0;  // |dot| <= kMaxLayerWidth * 128 * 128: no overflow
      for (uint32_t d = 0; d < depth; ++d) {
        dot += static_cast<int32_t>(w[d]) * static_cast<int32_t>(x[d]);
      }
      const int32_t acc = wrapping_add(dot, folded_bias[o]);
      const int32_t scaled = multiply_by_quantized_multiplier(acc, multipliers[o * stride]);
      y[o] = static_cast<int8_t>(clamp(wrapping_add(scaled, zero_point), lo, hi));
    }
  }
}

void logistic_float(const float* input, float* output, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) output[i] = portable_logistic(input[i]);
}

void logistic_int8(const int8_t* input, int8_t* output, uint32_t count, const int8_t* table) {
  for (uint32_t i = 0; i < count; ++i) output[i] = table[static_cast<int32_t>(input[i]) + 128];
}

void build_logistic_table(float input_scale, int32_t input_zero_point, int8_t* table) {
  for (int32_t q = -128; q <= 127; ++q) {
    const float x = input_scale * static_cast<float>(q - input_zero_point);
    const int32_t rescaled = round_to_int32(portable_logistic(x) * 256.0f);
    table[q + 128] = static_cast<int8_t>(clamp(rescaled - 128, -128, 127));
  }
}

void relu_float(const float* input, float* output, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) output[i] = input[i] < 0.0f ? 0.0f : input[i];
}

void relu_int8(const ReluInt8& op) {
  const int32_t lo = op.output_zero_point > -128 ? op.output_zero_point : -128;
  for (uint32_t i = 0; i < op.count; ++i) {
    const int32_t centred = static_cast<int32_t>(op.input[i]) - op.input_zero_point;
    const int32_t scaled = multiply_by_quantized_multiplier(centred, op.multiplier);
    op.output[i] = static_cast<int8_t>(clamp(wrapping_add(scaled, op.output_zero_point), lo, 127));
  }
}

void quantize_int8(const float* input, int8_t* output, uint32_t count, float scale,
                   int32_t zero_point) {
  for (uint32_t i = 0; i < count; ++i) {
    // round_to_int32(x / scale) + zero_point, clamped, written branch-free: beyond +-1e6 the
    // clamp to int8 decides anyway (|zero_point| <= 128), and NaN quantizes to the zero point.
    float v = input[i] / scale;
    v = v != v ? 0.0f : v;
    v = v < -1e6f ? -1e6f : (v > 1e6f ? 1e6f : v);
    const int32_t truncated = static_cast<int32_t>(v);
    const float fraction = v - static_cast<float>(truncated);
    const int32_t q = truncated + (fraction >= 0.5f) - (fraction <= -0.5f) + zero_point;
    output[i] = static_cast<int8_t>(clamp(q, -128, 127));
  }
}

void dequantize_int8(const int8_t* input, float* output, uint32_t count, float scale,
                     int32_t zero_point) {
  for (uint32_t i = 0; i < count; ++i) {
    // |q - zero_point| <= 255: the product's one rounding equals TFLite's double-then-float.
    output[i] = scale * static_cast<float>(static_cast<int32_t>(input[i]) - zero_point);
  }
}

void run_ops(const PreparedOp* ops, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    const PreparedOp& op = ops[i];
    const ElementwiseArgs& e = op.args.elementwise;
    switch (op.kind) {
      case OpKind::kFullyConnectedFloat:
        fully_connected_float(op.args.fc_float);
        break;
      case OpKind::kFullyConnectedInt8:
        fully_connected_int8(op.args.fc_int8);
        break;
      case OpKind::kLogisticFloat:
        logistic_float(static_cast<const float*>(e.input), static_cast<float*>(e.output), e.count);
        break;
      case OpKind::kLogisticInt8:
        logistic_int8(static_cast<const int8_t*>(e.input), static_cast<int8_t*>(e.output), e.count,
                      e.table);
        break;
      case OpKind::kReluFloat:
        relu_float(static_cast<const float*>(e.input), static_cast<float*>(e.output), e.count);
        break;
      case OpKind::kReluInt8:
        relu_int8(op.args.relu_int8);
        break;
      case OpKind::kQuantize:
        quantize_int8(static_cast<const float*>(e.input), static_cast<int8_t*>(e.output), e.count,
                      e.scale, e.zero_point);
        break;
      case OpKind::kDequantize:
        dequantize_int8(static_cast<const int8_t*>(e.input), static_cast<float*>(e.output), e.count,
                        e.scale, e.zero_point);
        break;
    }
  }
}

}  // namespace aiotops::micro
