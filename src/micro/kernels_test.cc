#include "micro/kernels.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "micro/portable_math.h"

namespace aiotops::micro {
namespace {

TEST(FullyConnectedFloat, HandComputed) {
  const float x[] = {1.0f, 2.0f, -3.0f};
  const float w[] = {0.5f, -1.0f, 2.0f,   // o0: 0.5 - 2 - 6 = -7.5
                     1.0f, 1.0f,  1.0f};  // o1: 0
  const float b[] = {1.0f, 0.25f};
  float y[2] = {};
  FullyConnectedFloat op{x, w, b, y, 1, 3, 2, false};
  fully_connected_float(op);
  EXPECT_EQ(y[0], -6.5f);
  EXPECT_EQ(y[1], 0.25f);
  op.relu = true;
  fully_connected_float(op);
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_EQ(y[1], 0.25f);
  op.bias = nullptr;
  op.relu = false;
  fully_connected_float(op);
  EXPECT_EQ(y[0], -7.5f);
  EXPECT_EQ(y[1], 0.0f);
}

TEST(FullyConnectedFloat, BatchesAgreeWithADoubleReference) {
  std::mt19937 rng(3);
  std::normal_distribution<float> value(0.0f, 2.0f);
  const uint32_t batches = 3, depth = 17, outputs = 5;
  std::vector<float> x(batches * depth), w(outputs * depth), b(outputs), y(batches * outputs);
  for (float& v : x) v = value(rng);
  for (float& v : w) v = value(rng);
  for (float& v : b) v = value(rng);
  fully_connected_float({x.data(), w.data(), b.data(), y.data(), batches, depth, outputs, true});
  for (uint32_t i = 0; i < batches; ++i) {
    for (uint32_t o = 0; o < outputs; ++o) {
      double sum = b[o];
      for (uint32_t d = 0; d < depth; ++d) sum += double{x[i * depth + d]} * w[o * depth + d];
      EXPECT_NEAR(y[i * outputs + o], std::max(sum, 0.0), 1e-5 * (1 + std::abs(sum)));
    }
  }
}

// A float from random bits: mostly ordinary values, sometimes NaN, infinities, -0, subnormals.
float random_float(std::mt19937& rng) {
  const uint32_t bits = rng();
  if (bits % 8 != 0)
    return std::ldexp(static_cast<float>(static_cast<int32_t>(bits % 2001) - 1000), -8);
  float value = 0.0f;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

bool same_float(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

// Every shape path of the kernel (four outputs at a time, the rest one at a time, columns in
// groups and singly) against the definition, bit for bit: sums from 0.0f in d order, then bias.
TEST(FullyConnectedFloat, BitIdenticalToThePlainDefinition) {
  std::mt19937 rng(21);
  for (int trial = 0; trial < 400; ++trial) {
    const uint32_t batches = 1 + trial % 3, depth = 1 + (trial * 5) % 37;
    const uint32_t outputs = 1 + (trial * 7) % 13;
    const bool relu = trial % 2 == 1, with_bias = trial % 5 != 0;
    std::vector<float> x(batches * depth), w(outputs * depth), b(outputs), y(batches * outputs);
    for (float& v : x) v = random_float(rng);
    for (float& v : w) v = random_float(rng);
    for (float& v : b) v = random_float(rng);
    fully_connected_float({x.data(), w.data(), with_bias ? b.data() : nullptr, y.data(), batches,
                           depth, outputs, relu});
    for (uint32_t i = 0; i < batches; ++i) {
      for (uint32_t o = 0; o < outputs; ++o) {
        float total = 0.0f;
        for (uint32_t d = 0; d < depth; ++d) total += x[i * depth + d] * w[o * depth + d];
        float expected = total + (with_bias ? b[o] : 0.0f);
        if (relu && expected < 0.0f) expected = 0.0f;
        ASSERT_TRUE(same_float(y[i * outputs + o], expected))
            << trial << " " << i << " " << o << ": " << y[i * outputs + o] << " vs " << expected;
      }
    }
  }
}

TEST(FoldInt8Bias, SubtractsTheInputZeroPointTimesTheWeightSum) {
  const int8_t w[] = {1, 2, 3, -1, 0, 1};
  const int32_t b[] = {4, -4};
  int32_t folded[2] = {};
  fold_int8_bias(w, b, 3, 2, -1, folded);  // + 1 * sum(w)
  EXPECT_EQ(folded[0], 10);
  EXPECT_EQ(folded[1], -4);
  fold_int8_bias(w, nullptr, 3, 2, 5, folded);  // - 5 * sum(w)
  EXPECT_EQ(folded[0], -30);
  EXPECT_EQ(folded[1], 0);
  const int32_t big[] = {INT32_MAX, INT32_MIN};
  fold_int8_bias(w, big, 3, 2, -1, folded);  // wraps modulo 2^32 instead of overflowing
  EXPECT_EQ(folded[0], INT32_MIN + 5);
  EXPECT_EQ(folded[1], INT32_MIN);
}

// input q = [1, 2, 3], zero point -1, scale 0.5; weights scale 0.25; bias scale 0.125;
// output scale 1, zero point 3. acc0 = 4 + 1*2 + 2*3 + 3*4 = 24 -> 24 * 0.125 = 3 -> 6;
// acc1 = -4 - 2 + 4 = -2 -> -0.25 -> 0 -> 3.
TEST(FullyConnectedInt8, HandComputedLikeTflite) {
  const int8_t x[] = {1, 2, 3};
  const int8_t w[] = {1, 2, 3, -1, 0, 1};
  const int32_t b[] = {4, -4};
  int32_t folded[2] = {};
  fold_int8_bias(w, b, 3, 2, -1, folded);
  const QuantizedMultiplier m = quantize_multiplier(0.5 * 0.25 / 1.0);
  int8_t y[2] = {};
  FullyConnectedInt8 op;
  op.input = x;
  op.weights = w;
  op.folded_bias = folded;
  op.multipliers = &m;
  op.output = y;
  op.depth = 3;
  op.outputs = 2;
  op.output_zero_point = 3;
  fully_connected_int8(op);
  EXPECT_EQ(y[0], 6);
  EXPECT_EQ(y[1], 3);
  // Fused RELU clamps at the zero point; a narrow range clamps both ends.
  const int8_t neg_x[] = {-128, -128, -128};  // acc0 = 4 - 127 * 6 = -758 -> -95 + 3 = -92
  op.input = neg_x;
  fully_connected_int8(op);
  EXPECT_EQ(y[0], -92);
  op.activation_min = 3;
  fully_connected_int8(op);
  EXPECT_EQ(y[0], 3);
}

TEST(FullyConnectedInt8, PerChannelMultipliers) {
  const int8_t x[] = {10, 20};
  const int8_t w[] = {1, 1, 1, 1};
  int32_t folded[2] = {};
  fold_int8_bias(w, nullptr, 2, 2, 0, folded);
  const QuantizedMultiplier m[] = {quantize_multiplier(0.5), quantize_multiplier(0.25)};
  int8_t y[2] = {};
  FullyConnectedInt8 op;
  op.input = x;
  op.weights = w;
  op.folded_bias = folded;
  op.multipliers = m;
  op.multiplier_stride = 1;
  op.output = y;
  op.depth = 2;
  op.outputs = 2;
  fully_connected_int8(op);
  EXPECT_EQ(y[0], 15);
  EXPECT_EQ(y[1], 8);  // 7.5 rounds away from zero
}

// Random int8 layers against the real-valued layer they quantize: the result may differ from the
// rounded real value by the one rounding of the requantization (and the multiplier's 2^-31).
TEST(FullyConnectedInt8, WithinOneQuantumOfTheDoubleReference) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> q8(-128, 127);
  std::uniform_int_distribution<int> w8(-127, 127);
  std::uniform_int_distribution<int32_t> bias_q(-20000, 20000);
  for (int trial = 0; trial < 50; ++trial) {
    const uint32_t depth = 1 + trial % 40, outputs = 1 + (trial * 7) % 13, batches = 2;
    const float in_scale = 0.01f * (1 + trial % 7), w_scale = 0.003f * (1 + trial % 5);
    const float out_scale = 0.05f * (1 + trial % 3);
    const int32_t in_zp = q8(rng), out_zp = q8(rng);
    std::vector<int8_t> x(batches * depth), w(outputs * depth), y(batches * outputs);
    std::vector<int32_t> b(outputs), folded(outputs);
    for (int8_t& v : x) v = static_cast<int8_t>(q8(rng));
    for (int8_t& v : w) v = static_cast<int8_t>(w8(rng));
    for (int32_t& v : b) v = bias_q(rng);
    fold_int8_bias(w.data(), b.data(), depth, outputs, in_zp, folded.data());
    const QuantizedMultiplier m =
        quantize_multiplier(double{in_scale} * double{w_scale} / double{out_scale});
    FullyConnectedInt8 op;
    op.input = x.data();
    op.weights = w.data();
    op.folded_bias = folded.data();
    op.multipliers = &m;
    op.output = y.data();
    op.batches = batches;
    op.depth = depth;
    op.outputs = outputs;
    op.output_zero_point = out_zp;
    fully_connected_int8(op);
    for (uint32_t i = 0; i < batches; ++i) {
      for (uint32_t o = 0; o < outputs; ++o) {
        double real = double{in_scale} * w_scale * b[o];
        for (uint32_t d = 0; d < depth; ++d) {
          real += double{in_scale} * (x[i * depth + d] - in_zp) * w_scale * w[o * depth + d];
        }
        const double expected = std::clamp(std::round(real / out_scale) + out_zp, -128.0, 127.0);
        ASSERT_LE(std::abs(y[i * outputs + o] - expected), 1.0) << trial << " " << i << " " << o;
      }
    }
  }
}

// Every shape path of the kernel against the definition (folded bias plus the dot product,
// requantized, offset and clamped), exactly: per-tensor and per-channel multipliers, fused RELU,
// weights of -128 included.
TEST(FullyConnectedInt8, ExactlyThePlainDefinition) {
  std::mt19937 rng(23);
  std::uniform_int_distribution<int> q8(-128, 127);
  std::uniform_int_distribution<int32_t> bias_q(-200000, 200000);
  std::uniform_real_distribution<double> real_multiplier(1e-4, 2.0);
  for (int trial = 0; trial < 400; ++trial) {
    const uint32_t batches = 1 + trial % 3, depth = 1 + (trial * 5) % 61;
    const uint32_t outputs = 1 + (trial * 7) % 13;
    const bool per_channel = trial % 2 == 1;
    std::vector<int8_t> x(batches * depth), w(outputs * depth), y(batches * outputs);
    std::vector<int32_t> b(outputs), folded(outputs);
    for (int8_t& v : x) v = static_cast<int8_t>(q8(rng));
    for (int8_t& v : w) v = static_cast<int8_t>(q8(rng));
    for (int32_t& v : b) v = bias_q(rng);
    fold_int8_bias(w.data(), b.data(), depth, outputs, q8(rng), folded.data());
    std::vector<QuantizedMultiplier> m(per_channel ? outputs : 1);
    for (QuantizedMultiplier& v : m) v = quantize_multiplier(real_multiplier(rng));
    FullyConnectedInt8 op;
    op.input = x.data();
    op.weights = w.data();
    op.folded_bias = folded.data();
    op.multipliers = m.data();
    op.multiplier_stride = per_channel ? 1 : 0;
    op.output = y.data();
    op.batches = batches;
    op.depth = depth;
    op.outputs = outputs;
    op.output_zero_point = q8(rng);
    op.activation_min = trial % 3 == 0 ? std::max(-128, op.output_zero_point) : -128;
    fully_connected_int8(op);
    for (uint32_t i = 0; i < batches; ++i) {
      for (uint32_t o = 0; o < outputs; ++o) {
        int32_t acc = folded[o];
        for (uint32_t d = 0; d < depth; ++d) acc += w[o * depth + d] * x[i * depth + d];
        const int32_t scaled = multiply_by_quantized_multiplier(acc, m[per_channel ? o : 0]);
        const int32_t expected =
            std::clamp(scaled + op.output_zero_point, op.activation_min, op.activation_max);
        ASSERT_EQ(y[i * outputs + o], expected) << trial << " " << i << " " << o;
      }
    }
  }
}

TEST(LogisticFloat, MatchesTheFormula) {
  const float x[] = {-3.0f, 0.0f, 2.0f};
  float y[3] = {};
  logistic_float(x, y, 3);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(y[i], 1.0 / (1.0 + std::exp(-double{x[i]})), 1e-7);
}

TEST(LogisticInt8, TableForScaleOneSixteenth) {
  std::array<int8_t, 256> table{};
  build_logistic_table(1.0f / 16.0f, 0, table.data());
  EXPECT_EQ(table[0 + 128], 0);        // logistic(0) = 0.5 -> 128 - 128
  EXPECT_EQ(table[127 + 128], 127);    // 0.99964 * 256 = 255.9 -> 256 - 128, clamped
  EXPECT_EQ(table[-128 + 128], -128);  // 0.00034 * 256 = 0.09 -> 0 - 128
  EXPECT_EQ(table[16 + 128], 59);      // logistic(1) = 0.731059 * 256 = 187.15 -> 187 - 128
  const int8_t x[] = {0, 16, -128};
  int8_t y[3] = {};
  logistic_int8(x, y, 3, table.data());
  EXPECT_EQ(y[0], 0);
  EXPECT_EQ(y[1], 59);
  EXPECT_EQ(y[2], -128);
}

TEST(LogisticInt8, TableMatchesTheDoubleReference) {
  for (float scale : {0.01f, 0.05f, 0.1f, 0.37f}) {
    for (int32_t zp : {-128, -7, 0, 90}) {
      std::array<int8_t, 256> table{};
      build_logistic_table(scale, zp, table.data());
      for (int q = -128; q <= 127; ++q) {
        const double p = 1.0 / (1.0 + std::exp(-double{scale} * (q - zp)));
        const double expected = std::clamp(std::round(p * 256.0) - 128.0, -128.0, 127.0);
        ASSERT_EQ(table[q + 128], expected) << scale << " " << zp << " " << q;
      }
    }
  }
}

TEST(Relu, FloatAndInt8) {
  const float xf[] = {-1.0f, 0.0f, 2.5f};
  float yf[3] = {};
  relu_float(xf, yf, 3);
  EXPECT_EQ(yf[0], 0.0f);
  EXPECT_EQ(yf[1], 0.0f);
  EXPECT_EQ(yf[2], 2.5f);
  // Same quantization in and out (multiplier 1): values below the zero point clamp to it.
  const int8_t xq[] = {-128, -10, -5, 0, 127};
  int8_t yq[5] = {};
  ReluInt8 op{xq, yq, 5, -5, -5, quantize_multiplier(1.0)};
  relu_int8(op);
  EXPECT_EQ(yq[0], -5);
  EXPECT_EQ(yq[1], -5);
  EXPECT_EQ(yq[2], -5);
  EXPECT_EQ(yq[3], 0);
  EXPECT_EQ(yq[4], 127);
  // Output scale twice the input's: (0 - (-5)) * 0.5 = 2.5 -> 3, + (-128).
  op.output_zero_point = -128;
  op.multiplier = quantize_multiplier(0.5);
  relu_int8(op);
  EXPECT_EQ(yq[3], -125);
  EXPECT_EQ(yq[1], -128);
}

TEST(Quantize, RoundsHalfAwayAndSaturates) {
  const float x[] = {1.25f,   -1.25f,   0.0f,
                     1000.0f, -1000.0f, std::numeric_limits<float>::quiet_NaN()};
  int8_t y[6] = {};
  quantize_int8(x, y, 6, 0.5f, -1);
  EXPECT_EQ(y[0], 2);   // 2.5 -> 3, - 1
  EXPECT_EQ(y[1], -4);  // -2.5 -> -3, - 1
  EXPECT_EQ(y[2], -1);
  EXPECT_EQ(y[3], 127);
  EXPECT_EQ(y[4], -128);
  EXPECT_EQ(y[5], -1);
}

// The branch-free kernel against the plain definition on random bit patterns (NaN, infinities,
// subnormals and huge values included).
TEST(Quantize, AgreesWithRoundingThenClamping) {
  std::mt19937 rng(9);
  std::uniform_int_distribution<uint32_t> bits;
  std::vector<float> x(1 << 16);
  std::vector<int8_t> y(x.size());
  for (float scale : {1e-3f, 0.0371f, 0.5f, 3.0f}) {
    for (int32_t zp : {-128, -3, 0, 127}) {
      for (float& v : x) {
        const uint32_t b = bits(rng);
        std::memcpy(&v, &b, sizeof v);
        if (b % 3 == 0) v = static_cast<float>(static_cast<int32_t>(b % 4001) - 2000) * 0.0625f;
      }
      // An odd count: four at a time, then the rest one at a time.
      quantize_int8(x.data(), y.data(), static_cast<uint32_t>(x.size() - 3), scale, zp);
      quantize_int8(&x[x.size() - 3], &y[y.size() - 3], 3, scale, zp);
      for (size_t i = 0; i < x.size(); ++i) {
        const int64_t q = int64_t{round_to_int32(x[i] / scale)} + zp;
        ASSERT_EQ(y[i], std::clamp<int64_t>(q, -128, 127)) << x[i] << " / " << scale;
      }
    }
  }
}

TEST(Quantize, DequantizeRoundTrip) {
  for (int q = -128; q <= 127; ++q) {
    const int8_t in = static_cast<int8_t>(q);
    float real = 0.0f;
    dequantize_int8(&in, &real, 1, 0.037f, 12);
    EXPECT_EQ(real, static_cast<float>(0.037f * static_cast<double>(q - 12)));
    int8_t back = 0;
    quantize_int8(&real, &back, 1, 0.037f, 12);
    EXPECT_EQ(back, in);
  }
}

}  // namespace
}  // namespace aiotops::micro
