#include "quant/params.h"

#include <cmath>
#include <limits>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiotops::quant {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatEq;

TEST(AsymmetricParamsTest, NudgesTheZeroPointToAnIntegerSoZeroIsExact) {
  // [-1, 3]: scale 4/255; zero point from min -128 + 63.75 = -64.25, rounded to -64.
  const tflite::QuantParams p = asymmetric_params({-1.0f, 3.0f});
  EXPECT_FLOAT_EQ(p.scale, 4.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -64);
  // The representable range moved by a quarter step but still covers the observed one within
  // half a step and holds 0 exactly.
  const TensorRange r = representable_range(p);
  EXPECT_FLOAT_EQ(r.min, -64 * p.scale);
  EXPECT_FLOAT_EQ(r.max, 191 * p.scale);
  EXPECT_LT(std::abs(r.min - -1.0f), p.scale / 2);
  EXPECT_LT(std::abs(r.max - 3.0f), p.scale / 2);
}

TEST(AsymmetricParamsTest, WidensARangeToIncludeZero) {
  const tflite::QuantParams positive = asymmetric_params({2.0f, 5.0f});
  EXPECT_FLOAT_EQ(positive.scale, 5.0f / 255.0f);
  EXPECT_EQ(positive.zero_point, -128);
  const tflite::QuantParams negative = asymmetric_params({-5.0f, -2.0f});
  EXPECT_FLOAT_EQ(negative.scale, 5.0f / 255.0f);
  EXPECT_EQ(negative.zero_point, 127);
}

TEST(AsymmetricParamsTest, AllZeroTensorGetsAUsableScale) {
  const tflite::QuantParams p = asymmetric_params({0.0f, 0.0f});
  EXPECT_EQ(p.scale, 1.0f);
  EXPECT_EQ(p.zero_point, -128);
}

TEST(AsymmetricParamsTest, SymmetricRangeCentresTheZeroPoint) {
  // [-2, 2]: zero point from min -128 + 127.5 = -0.5 rounds away from zero to -1.
  const tflite::QuantParams p = asymmetric_params({-2.0f, 2.0f});
  EXPECT_FLOAT_EQ(p.scale, 4.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -1);
}

TEST(SymmetricWeightsTest, ScaleIsLargestMagnitudeOver127) {
  const std::vector<float> w{0.5f, -31.75f, 1.0f};
  const float scale = symmetric_scale(w);
  EXPECT_EQ(scale, 0.25f);  // 31.75 / 127
  EXPECT_EQ(quantize_symmetric(-31.75f, scale), -127);
  EXPECT_EQ(quantize_symmetric(0.5f, scale), 2);
  EXPECT_EQ(quantize_symmetric(1.0f, scale), 4);
  EXPECT_EQ(quantize_symmetric(0.375f, scale), 2);    // 1.5 rounds half away from zero
  EXPECT_EQ(quantize_symmetric(0.125f, scale), 1);    // 0.5 too
  EXPECT_EQ(quantize_symmetric(-0.125f, scale), -1);  // and -0.5
  // Never -128, even beyond the range.
  EXPECT_EQ(quantize_symmetric(-100.0f, scale), -127);
  EXPECT_EQ(symmetric_scale(std::vector<float>{0.0f, 0.0f}), 1.0f);
}

TEST(SymmetricWeightsTest, PerChannelScalesFollowEachOutputRow) {
  // 2 outputs x 3 inputs.
  const std::vector<float> w{0.1f, -0.3f, 0.2f, 4.0f, 1.0f, -2.0f};
  EXPECT_THAT(weight_scales(w, 2, /*per_channel=*/true, WeightMode::kInt8),
              ElementsAre(FloatEq(0.3f / 127), FloatEq(4.0f / 127)));
  EXPECT_THAT(weight_scales(w, 2, /*per_channel=*/false, WeightMode::kInt8),
              ElementsAre(FloatEq(4.0f / 127)));
  EXPECT_THAT(weight_scales(w, 2, /*per_channel=*/true, WeightMode::kPow2),
              ElementsAre(FloatEq(0.3f / 64), FloatEq(4.0f / 64)));
}

TEST(BiasTest, ScaleIsInputScaleTimesWeightScale) {
  // 0.5 / (0.1 * 0.02) = 250.
  EXPECT_EQ(quantize_bias(0.5f, 0.1f, 0.02f), 250);
  EXPECT_EQ(quantize_bias(-0.5f, 0.1f, 0.02f), -250);
  const float scale = 0.1f * 0.02f;
  const float bias = 1234.567f * scale;
  EXPECT_EQ(quantize_bias(bias, 0.1f, 0.02f), 1235);
}

TEST(BiasTest, SaturatesAtTheInt32Range) {
  const int32_t limit = std::numeric_limits<int32_t>::max();
  EXPECT_EQ(quantize_bias(1e30f, 1e-3f, 1e-3f), limit);
  EXPECT_EQ(quantize_bias(-1e30f, 1e-3f, 1e-3f), -limit);
}

TEST(Pow2WeightsTest, RoundsInTheLogDomain) {
  EXPECT_EQ(quantize_pow2(1.0f, 1.0f), 1);
  EXPECT_EQ(quantize_pow2(2.8f, 1.0f), 2);    // log2 2.8 = 1.49
  EXPECT_EQ(quantize_pow2(2.9f, 1.0f), 4);    // log2 2.9 = 1.54 (linear rounding would give 2)
  EXPECT_EQ(quantize_pow2(-5.0f, 1.0f), -4);  // log2 5 = 2.32
  EXPECT_EQ(quantize_pow2(-6.0f, 1.0f), -8);  // log2 6 = 2.58
  EXPECT_EQ(quantize_pow2(0.6f, 1.0f), 1);
  EXPECT_EQ(quantize_pow2(0.49f, 1.0f), 0);
  EXPECT_EQ(quantize_pow2(0.0f, 1.0f), 0);
  EXPECT_EQ(quantize_pow2(500.0f, 1.0f), 64);
  EXPECT_EQ(quantize_pow2(0.3f, 0.1f), 4);  // 3 -> 2^1.58 -> 4
}

TEST(Pow2WeightsTest, LargestWeightIsExactly64) {
  const std::vector<float> w{6.4f, -0.07f, 1.3f, -3.1f};
  const float scale = pow2_scale(w);
  EXPECT_FLOAT_EQ(scale, 0.1f);
  std::vector<int8_t> q;
  for (float v : w) q.push_back(quantize_pow2(v, scale));
  // 64; 0.7 -> 2^-0.51 -> clamped to 2^0; 13 -> 2^3.7; 31 -> 2^4.95.
  EXPECT_THAT(q, ElementsAre(64, -1, 16, -32));
  for (int8_t v : q) EXPECT_TRUE(is_signed_pow2(v)) << int{v};
}

TEST(Pow2WeightsTest, RecognisesSignedPowersOfTwo) {
  for (int v : {0, 1, -1, 2, -2, 4, 8, 16, 32, 64, -64}) {
    EXPECT_TRUE(is_signed_pow2(static_cast<int8_t>(v))) << v;
  }
  for (int v : {3, -3, 5, 6, 7, 12, 63, 65, 127, -127, -128}) {
    EXPECT_FALSE(is_signed_pow2(static_cast<int8_t>(v))) << v;
  }
}

TEST(WeightModeTest, ParsesItsNames) {
  EXPECT_EQ(parse_weight_mode("int8").value(), WeightMode::kInt8);
  EXPECT_EQ(parse_weight_mode("pow2").value(), WeightMode::kPow2);
  EXPECT_EQ(to_string(WeightMode::kPow2), "pow2");
  auto bad = parse_weight_mode("int4");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(bad.error().message(), ::testing::HasSubstr("int4"));
}

}  // namespace
}  // namespace aiotops::quant
