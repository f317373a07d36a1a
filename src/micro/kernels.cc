#include "micro/kernels.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__GNUC__) && !defined(__clang__)
// The loops that pay for vectors are written with them below; GCC's own vectorization of the
// rest (versioned loops, reductions in order) only adds setup to layers of a few units.
#pragma GCC optimize("no-tree-vectorize")
#endif

#include "micro/portable_math.h"
#include "micro/prepared_op.h"

// On x86-64 (SSE2 is part of the baseline) the host's hot loops run four outputs or four elements
// per instruction; every other target runs the plain loops. Both give the same bits: each SIMD
// lane does the plain loop's IEEE single operations in the plain loop's order (no FMA), and the
// integer sums are exact. The kernel tests compare the two on every path.

namespace aiotops::micro {
namespace {

// Modular int32 addition (defined behaviour where plain int32 + would overflow).
inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

inline int32_t clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

inline int8_t logistic_lookup(int8_t x, const int8_t* table) {
  return table[static_cast<int32_t>(x) + 128];
}

// |q - zero_point| <= 255: the product's one rounding equals TFLite's double-then-float.
inline float dequantize_one(int8_t q, float scale, int32_t zero_point) {
  return scale * static_cast<float>(static_cast<int32_t>(q) - zero_point);
}

// The definition of one float output's sum: x[d] * w[d] added in d order from 0.0f.
inline float dot_float(const float* x, const float* w, uint32_t depth) {
  float total = 0.0f;
  for (uint32_t d = 0; d < depth; ++d) total += x[d] * w[d];
  return total;
}

#if defined(__SSE2__)
// total + xs[0] * columns[0] + ... + xs[3] * columns[3], added in that order in every lane.
inline __m128 add_columns_x4(__m128 total, __m128 xs, const __m128* columns) {
  total = _mm_add_ps(total, _mm_mul_ps(_mm_shuffle_ps(xs, xs, 0x00), columns[0]));
  total = _mm_add_ps(total, _mm_mul_ps(_mm_shuffle_ps(xs, xs, 0x55), columns[1]));
  total = _mm_add_ps(total, _mm_mul_ps(_mm_shuffle_ps(xs, xs, 0xAA), columns[2]));
  return _mm_add_ps(total, _mm_mul_ps(_mm_shuffle_ps(xs, xs, 0xFF), columns[3]));
}

// dot_float of the four rows w, w + depth, w + 2 depth, w + 3 depth, lane k for row k: each lane
// adds x[d] * w_k[d] in d order from 0.0f, as dot_float does.
inline __m128 dot_float_x4(const float* x, const float* w, uint32_t depth) {
  __m128 total = _mm_setzero_ps();
  uint32_t d = 0;
  for (; d + 4 <= depth; d += 4) {
    // The 4x4 block of rows k, columns d..d+3, transposed: r_j holds column d + j of every row.
    __m128 r0 = _mm_loadu_ps(w + d);
    __m128 r1 = _mm_loadu_ps(w + depth + d);
    __m128 r2 = _mm_loadu_ps(w + 2 * depth + d);
    __m128 r3 = _mm_loadu_ps(w + 3 * depth + d);
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    const __m128 columns[4] = {r0, r1, r2, r3};
    total = add_columns_x4(total, _mm_loadu_ps(x + d), columns);
  }
  for (; d < depth; ++d) {
    const __m128 column = _mm_setr_ps(w[d], w[depth + d], w[2 * depth + d], w[3 * depth + d]);
    total = _mm_add_ps(total, _mm_mul_ps(_mm_set1_ps(x[d]), column));
  }
  return total;
}

// The end of four float outputs, as in the one-output loop: the bias (at bias[0..3], or none)
// added last, then the fused RELU.
inline __m128 add_bias_relu_x4(__m128 total, const float* bias, bool relu) {
  __m128 value = _mm_add_ps(total, bias != nullptr ? _mm_loadu_ps(bias) : _mm_setzero_ps());
  // value < 0 is false for NaN and -0.0f, which pass through as in the one-output loop.
  if (relu) value = _mm_andnot_ps(_mm_cmplt_ps(value, _mm_setzero_ps()), value);
  return value;
}

// Outputs o..o+3 of fully_connected_float for input row x, lane k for output o + k.
inline __m128 fully_connected_float_x4(const float* x, const float* weights, const float* bias,
                                       uint32_t depth, uint32_t o, bool relu) {
  const __m128 total = dot_float_x4(x, weights + static_cast<size_t>(o) * depth, depth);
  return add_bias_relu_x4(total, bias != nullptr ? bias + o : nullptr, relu);
}

// quantize_int8 of the four lanes of `values`: four int8 values in the low four bytes (the rest
// zero). The same IEEE operations as the one-element loop; the saturating packs are the clamp.
inline __m128i quantize_int8_x4(__m128 values, float scale, int32_t zero_point) {
  __m128 v = _mm_div_ps(values, _mm_set1_ps(scale));
  v = _mm_andnot_ps(_mm_cmpunord_ps(v, v), v);
  v = _mm_min_ps(_mm_max_ps(v, _mm_set1_ps(-1e6f)), _mm_set1_ps(1e6f));
  const __m128i truncated = _mm_cvttps_epi32(v);
  const __m128 fraction = _mm_sub_ps(v, _mm_cvtepi32_ps(truncated));
  // Compare masks are -1 where true: subtracting one adds 1.
  const __m128i up = _mm_castps_si128(_mm_cmpge_ps(fraction, _mm_set1_ps(0.5f)));
  const __m128i down = _mm_castps_si128(_mm_cmple_ps(fraction, _mm_set1_ps(-0.5f)));
  const __m128i q =
      _mm_add_epi32(_mm_add_epi32(_mm_sub_epi32(truncated, up), down), _mm_set1_epi32(zero_point));
  return _mm_packs_epi16(_mm_packs_epi32(q, q), _mm_setzero_si128());
}

// Eight (or, with `four`, four) int8 values at p, sign-extended to int16 lanes (the rest zero).
inline __m128i widen_int8(const int8_t* p, bool four = false) {
  __m128i bytes;
  if (four) {
    int32_t value;
    std::memcpy(&value, p, sizeof value);
    bytes = _mm_cvtsi32_si128(value);
  } else {
    bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  }
  return _mm_srai_epi16(_mm_unpacklo_epi8(bytes, bytes), 8);
}

// Adds x[0..n) . w_k[0..n) to s_k for the four rows w_k = w + k * depth (n = 8, or 4 with `four`).
inline void madd_int8_x4(const int8_t* x, const int8_t* w, uint32_t depth, bool four, __m128i* s) {
  const __m128i xs = widen_int8(x, four);
  for (uint32_t k = 0; k < 4; ++k) {
    s[k] = _mm_add_epi32(s[k], _mm_madd_epi16(xs, widen_int8(w + k * depth, four)));
  }
}

// dot_int8 of the four rows w + k * depth into dots[0..3]. Exact int32 sums (no overflow, see
// fully_connected_int8), so pairing the products (pmaddwd) changes nothing.
inline void dot_int8_x4(const int8_t* x, const int8_t* w, uint32_t depth, int32_t* dots) {
  __m128i s[4] = {_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128(),
                  _mm_setzero_si128()};
  uint32_t d = 0;
  for (; d + 8 <= depth; d += 8) madd_int8_x4(x + d, w + d, depth, false, s);
  if (d + 4 <= depth) {
    madd_int8_x4(x + d, w + d, depth, true, s);
    d += 4;
  }
  // Lane sums of s[0..3] into one vector [sum s0, sum s1, sum s2, sum s3].
  const __m128i s01 = _mm_add_epi32(_mm_unpacklo_epi32(s[0], s[1]), _mm_unpackhi_epi32(s[0], s[1]));
  const __m128i s23 = _mm_add_epi32(_mm_unpacklo_epi32(s[2], s[3]), _mm_unpackhi_epi32(s[2], s[3]));
  const __m128i sums = _mm_add_epi32(_mm_unpacklo_epi64(s01, s23), _mm_unpackhi_epi64(s01, s23));
  std::memcpy(dots, &sums, 4 * sizeof(int32_t));
  for (; d < depth; ++d) {  // at most three columns left
    for (uint32_t k = 0; k < 4; ++k) dots[k] += w[k * depth + d] * static_cast<int32_t>(x[d]);
  }
}

// One row's dot product, eight columns per pmaddwd. The rest is scalar: a row of logistic
// regression's four features has a shorter dependency chain that way.
inline int32_t dot_int8(const int8_t* x, const int8_t* w, uint32_t depth) {
  int32_t dot = 0;
  uint32_t d = 0;
  if (depth >= 8) {
    __m128i s = _mm_setzero_si128();
    for (; d + 8 <= depth; d += 8) {
      s = _mm_add_epi32(s, _mm_madd_epi16(widen_int8(x + d), widen_int8(w + d)));
    }
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x55));
    dot = _mm_cvtsi128_si32(s);
  }
  for (; d < depth; ++d) dot += w[d] * static_cast<int32_t>(x[d]);
  return dot;
}
#else
inline int32_t dot_int8(const int8_t* x, const int8_t* w, uint32_t depth) {
  int32_t dot = 0;
  for (uint32_t d = 0; d < depth; ++d) {
    dot += static_cast<int32_t>(w[d]) * static_cast<int32_t>(x[d]);
  }
  return dot;
}

#endif

// fully_connected_float; with kBlocks (SSE2 only) four outputs at a time as far as they go. A
// separate instance for layers narrower than four (logistic regression's one output) keeps the
// block loop's setup out of their way.
template <bool kBlocks>
void fully_connected_float_rows(const FullyConnectedFloat& op) {
  // Locals: the output may alias nothing, but the compiler cannot know that about `op`.
  const uint32_t depth = op.depth;
  const uint32_t outputs = op.outputs;
  const float* weights = op.weights;
  const float* bias = op.bias;
  const bool relu = op.relu;
  for (uint32_t b = 0; b < op.batches; ++b) {
    const float* x = op.input + static_cast<size_t>(b) * depth;
    float* y = op.output + static_cast<size_t>(b) * outputs;
    uint32_t o = 0;
#if defined(__SSE2__)
    for (; kBlocks && o + 4 <= outputs; o += 4) {
      _mm_storeu_ps(y + o, fully_connected_float_x4(x, weights, bias, depth, o, relu));
    }
#endif
    for (; o < outputs; ++o) {
      const float total = dot_float(x, weights + static_cast<size_t>(o) * depth, depth);
      const float value = total + (bias != nullptr ? bias[o] : 0.0f);
      y[o] = relu && value < 0.0f ? 0.0f : value;  // NaN passes through, as in TFLite
    }
  }
}

}  // namespace

void fully_connected_float(const FullyConnectedFloat& op) {
#if defined(__SSE2__)
  if (op.outputs >= 4) return fully_connected_float_rows<true>(op);
#endif
  fully_connected_float_rows<false>(op);
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

namespace {

// One int8 FULLY_CONNECTED output from its dot product (|dot| <= kMaxLayerWidth * 128 * 128: no
// overflow): the folded bias added, scaled by the multiplier, offset and clamped.
inline int8_t requantize_int8(int32_t dot, int32_t folded_bias, const DecodedMultiplier& m,
                              int32_t zero_point, int32_t lo, int32_t hi) {
  const int32_t scaled = multiply_by_decoded_multiplier(wrapping_add(dot, folded_bias), m);
  return static_cast<int8_t>(clamp(wrapping_add(scaled, zero_point), lo, hi));
}

// fully_connected_int8 with one multiplier per output channel, or one for all: as a template
// parameter, a per-tensor multiplier's shifts and masks are computed once per call. kBlocks as
// in fully_connected_float_rows.
template <bool kPerChannel, bool kBlocks>
void fully_connected_int8_rows(const FullyConnectedInt8& op) {
  // Locals: int8_t stores may alias anything, so fields read through `op` would be reloaded.
  const uint32_t depth = op.depth;
  const uint32_t outputs = op.outputs;
  const int8_t* weights = op.weights;
  const int32_t* folded_bias = op.folded_bias;
  const QuantizedMultiplier* multipliers = op.multipliers;
  const int32_t zero_point = op.output_zero_point;
  const int32_t lo = op.activation_min;
  const int32_t hi = op.activation_max;
  // A local: y's stores cannot change it.
  const DecodedMultiplier per_tensor = decode_multiplier(multipliers[0]);
  auto requantize = [=](int32_t dot, uint32_t o) {
    return requantize_int8(dot, folded_bias[o],
                           kPerChannel ? decode_multiplier(multipliers[o]) : per_tensor, zero_point,
                           lo, hi);
  };
  for (uint32_t b = 0; b < op.batches; ++b) {
    const int8_t* x = op.input + static_cast<size_t>(b) * depth;
    int8_t* y = op.output + static_cast<size_t>(b) * outputs;
    uint32_t o = 0;
#if defined(__SSE2__)
    for (; kBlocks && o + 4 <= outputs; o += 4) {
      int32_t dots[4];
      dot_int8_x4(x, weights + static_cast<size_t>(o) * depth, depth, dots);
      for (uint32_t k = 0; k < 4; ++k) y[o + k] = requantize(dots[k], o + k);
    }
#endif
    for (; o < outputs; ++o) {
      y[o] = requantize(dot_int8(x, weights + static_cast<size_t>(o) * depth, depth), o);
    }
  }
}

}  // namespace

void fully_connected_int8(const FullyConnectedInt8& op) {
  const bool per_channel = op.multiplier_stride != 0;
#if defined(__SSE2__)
  if (op.outputs >= 4) {
    return per_channel ? fully_connected_int8_rows<true, true>(op)
                       : fully_connected_int8_rows<false, true>(op);
  }
#endif
  per_channel ? fully_connected_int8_rows<true, false>(op)
              : fully_connected_int8_rows<false, false>(op);
}

void logistic_float(const float* input, float* output, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) output[i] = portable_logistic(input[i]);
}

void logistic_int8(const int8_t* input, int8_t* output, uint32_t count, const int8_t* table) {
  for (uint32_t i = 0; i < count; ++i) output[i] = logistic_lookup(input[i], table);
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
  uint32_t i = 0;
#if defined(__SSE2__)
  for (; i + 4 <= count; i += 4) {
    const int32_t four =
        _mm_cvtsi128_si32(quantize_int8_x4(_mm_loadu_ps(input + i), scale, zero_point));
    std::memcpy(output + i, &four, sizeof four);
  }
#endif
  for (; i < count; ++i) {
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
    output[i] = dequantize_one(input[i], scale, zero_point);
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

namespace {

#if defined(__SSE2__)
// The chain on four features, x86-64: the standardization (from its weights by column, as
// dot_float_x4 computes it after its transpose), QUANTIZE and the int8 layer's dot product stay
// in registers (quantize_int8_x4, then a pmaddwd of the four products, exact in int32); the
// standardized and quantized tensors are still written. Returns the dot product.
int32_t standardize_quantize_dot_4(const LinearChain& chain, const FullyConnectedFloat& z,
                                   const ElementwiseArgs& quantize, const int8_t* weights) {
  const __m128 columns[4] = {_mm_load_ps(chain.columns), _mm_load_ps(chain.columns + 4),
                             _mm_load_ps(chain.columns + 8), _mm_load_ps(chain.columns + 12)};
  const __m128 total = add_columns_x4(_mm_setzero_ps(), _mm_loadu_ps(z.input), columns);
  const __m128 standardized = add_bias_relu_x4(total, z.bias, z.relu);
  _mm_storeu_ps(z.output, standardized);
  const __m128i bytes = quantize_int8_x4(standardized, quantize.scale, quantize.zero_point);
  const int32_t four = _mm_cvtsi128_si32(bytes);
  std::memcpy(quantize.output, &four, sizeof four);
  const __m128i products =
      _mm_madd_epi16(_mm_srai_epi16(_mm_unpacklo_epi8(bytes, bytes), 8), widen_int8(weights, true));
  return _mm_cvtsi128_si32(_mm_add_epi32(products, _mm_shuffle_epi32(products, 0x55)));
}
#endif

// The chain up to the int8 layer's dot product: the standardization and QUANTIZE when the chain
// has them, as their kernels compute them.
int32_t chain_dot(const PreparedOp* ops, const LinearChain& chain, const FullyConnectedInt8& fc) {
#if defined(__SSE2__)
  if (chain.four_by_four) {
    return standardize_quantize_dot_4(chain, ops[0].args.fc_float, ops[1].args.elementwise,
                                      fc.weights);
  }
#endif
  if (chain.standardize) fully_connected_float(ops[0].args.fc_float);
  if (chain.quantize) {
    const ElementwiseArgs& q = ops[chain.standardize ? 1 : 0].args.elementwise;
    quantize_int8(static_cast<const float*>(q.input), static_cast<int8_t*>(q.output), q.count,
                  q.scale, q.zero_point);
  }
  // Four features, unrolled.
  return fc.depth == 4 ? dot_int8(fc.input, fc.weights, 4)
                       : dot_int8(fc.input, fc.weights, fc.depth);
}

}  // namespace

void run_linear_chain(const PreparedOp* ops, const LinearChain& chain) {
  const PreparedOp* op = ops + (chain.standardize ? 1 : 0) + (chain.quantize ? 1 : 0);
  // fully_connected_int8's loop body for its one output.
  const FullyConnectedInt8& fc = (op++)->args.fc_int8;
  const int8_t logit =
      requantize_int8(chain_dot(ops, chain, fc), fc.folded_bias[0], chain.multiplier,
                      fc.output_zero_point, fc.activation_min, fc.activation_max);
  fc.output[0] = logit;
  const ElementwiseArgs& logistic = (op++)->args.elementwise;
  const int8_t score = logistic_lookup(logit, logistic.table);
  *static_cast<int8_t*>(logistic.output) = score;
  if (chain.dequantize) {
    const ElementwiseArgs& d = op->args.elementwise;
    *static_cast<float*>(d.output) = dequantize_one(score, d.scale, d.zero_point);
  }
}

}  // namespace aiotops::micro
