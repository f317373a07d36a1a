#include "quant/quantize.h"

#include <cmath>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "quant/test_graphs.h"
#include "tflite/graph_checks.h"

namespace aiotops::quant {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Calibration two_layer_calibration() {
  Calibration c;
  c.rows = 3;
  c.input = {-1.0f, 2.0f};
  c.layers = {{0.0f, 1.5f}, {-0.75f, 3.75f}};
  return c;
}

TEST(QuantizeGraphTest, PerTensorParametersFollowTheScheme) {
  const tflite::Graph graph = testing::two_layer_graph();
  auto q = quantize_graph(graph, two_layer_calibration(), {});
  ASSERT_TRUE(q.has_value()) << q.error().message();
  EXPECT_TRUE(tflite::check_graph(*q).has_value());
  EXPECT_EQ(q->type, tflite::TensorType::kInt8);
  EXPECT_EQ(q->metadata.model_name, "two-layer");
  EXPECT_EQ(q->metadata.threshold, 0.6f);

  // Input [-1, 2]: scale 3/255, zero point round(-128 + 85) = -43.
  EXPECT_FLOAT_EQ(q->input.scale, 3.0f / 255);
  EXPECT_EQ(q->input.zero_point, -43);

  const tflite::DenseLayer& hidden = q->layers[0];
  // Weights {1, -1, 2, 1}: scale 2/127, q = round(w * 63.5) = {64, -64, 127, 64}.
  ASSERT_THAT(hidden.weight_scales, ElementsAre(2.0f / 127));
  EXPECT_THAT(hidden.weights_q, ElementsAre(64, -64, 127, 64));
  // Bias scale = input scale x weight scale.
  const float bias_scale = q->input.scale * hidden.weight_scales[0];
  EXPECT_EQ(hidden.bias_q[0], static_cast<int32_t>(std::round(0.5 / bias_scale)));
  EXPECT_EQ(hidden.bias_q[1], static_cast<int32_t>(std::round(-1.0 / bias_scale)));
  // ReLU output [0, 1.5]: zero point at the bottom of the int8 range.
  EXPECT_FLOAT_EQ(hidden.output.scale, 1.5f / 255);
  EXPECT_EQ(hidden.output.zero_point, -128);

  const tflite::DenseLayer& logit = q->layers[1];
  // The next layer's bias uses the hidden layer's output scale as its input scale.
  EXPECT_EQ(
      logit.bias_q[0],
      static_cast<int32_t>(std::round(0.25 / (hidden.output.scale * logit.weight_scales[0]))));
  EXPECT_FLOAT_EQ(logit.output.scale, 4.5f / 255);
  EXPECT_EQ(logit.output.zero_point, std::lround(-128 + 0.75 / (4.5 / 255)));
  EXPECT_EQ(q->output.scale, 1.0f / 256);
  EXPECT_EQ(q->output.zero_point, -128);
}

TEST(QuantizeGraphTest, KeepsTheFloatStandardization) {
  tflite::Graph graph = testing::two_layer_graph();
  graph.standardize = {{10.0f, -100.0f}, {2.0f, 50.0f}};
  auto q = quantize_graph(graph, two_layer_calibration(), {});
  ASSERT_TRUE(q.has_value()) << q.error().message();
  EXPECT_EQ(q->standardize.mean, graph.standardize.mean);
  EXPECT_EQ(q->standardize.scale, graph.standardize.scale);
  // The input quantization is that of the calibrated (standardized) first-layer input.
  EXPECT_FLOAT_EQ(q->input.scale, 3.0f / 255);
}

TEST(QuantizeGraphTest, PerChannelGivesEachOutputItsScaleAndBiasScale) {
  tflite::Graph graph = testing::two_layer_graph();
  graph.layers[0].weights = {0.1f, -0.2f, 4.0f, 1.0f};
  auto q = quantize_graph(graph, two_layer_calibration(), {.per_channel = true});
  ASSERT_TRUE(q.has_value()) << q.error().message();
  const tflite::DenseLayer& hidden = q->layers[0];
  ASSERT_EQ(hidden.weight_scales.size(), 2u);
  EXPECT_FLOAT_EQ(hidden.weight_scales[0], 0.2f / 127);
  EXPECT_FLOAT_EQ(hidden.weight_scales[1], 4.0f / 127);
  EXPECT_THAT(hidden.weights_q, ElementsAre(64, -127, 127, 32));
  for (size_t o = 0; o < 2; ++o) {
    const double bias_scale = q->input.scale * hidden.weight_scales[o];
    EXPECT_EQ(hidden.bias_q[o], std::lround(graph.layers[0].bias[o] / bias_scale)) << o;
  }
  EXPECT_TRUE(tflite::check_graph(*q).has_value());
}

TEST(QuantizeGraphTest, ReluOutputRangeStartsAtZero) {
  Calibration c = two_layer_calibration();
  c.layers[0] = {0.5f, 2.0f};  // a ReLU layer that never output 0 on this data
  auto q = quantize_graph(testing::two_layer_graph(), c, {});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->layers[0].output.zero_point, -128);
  EXPECT_FLOAT_EQ(q->layers[0].output.scale, 2.0f / 255);
}

TEST(QuantizeGraphTest, Pow2WeightsAreSignedPowersOfTwo) {
  tflite::Graph graph = testing::two_layer_graph();
  graph.layers[0].weights = {0.3f, -1.7f, 2.9f, 0.01f};
  for (bool per_channel : {false, true}) {
    auto q = quantize_graph(graph, two_layer_calibration(),
                            {.weights = WeightMode::kPow2, .per_channel = per_channel});
    ASSERT_TRUE(q.has_value()) << q.error().message();
    EXPECT_TRUE(tflite::check_graph(*q).has_value());
    for (const tflite::DenseLayer& layer : q->layers) {
      for (int8_t w : layer.weights_q) EXPECT_TRUE(is_signed_pow2(w)) << int{w};
    }
  }
  auto q = quantize_graph(graph, two_layer_calibration(), {.weights = WeightMode::kPow2});
  // Per tensor: scale 2.9 / 64; 0.3 -> 6.6 -> 8, -1.7 -> -37.5 -> -32, 2.9 -> 64, 0.01 -> 0.
  EXPECT_THAT(q->layers[0].weights_q, ElementsAre(8, -32, 64, 0));
}

TEST(QuantizeGraphTest, RejectsMismatchedCalibrationAndInvalidGraphs) {
  Calibration c = two_layer_calibration();
  c.layers.pop_back();
  auto short_calibration = quantize_graph(testing::two_layer_graph(), c, {});
  ASSERT_FALSE(short_calibration.has_value());
  EXPECT_THAT(short_calibration.error().message(), HasSubstr("1 layer ranges"));

  tflite::Graph wide_logit = testing::two_layer_graph();
  wide_logit.layers[1] = testing::dense(2, 2, {1, 1, 1, 1}, {0, 0}, tflite::Activation::kNone);
  auto bad = quantize_graph(wide_logit, two_layer_calibration(), {});
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error().message(), HasSubstr("last layer"));

  tflite::Graph nan = testing::two_layer_graph();
  nan.layers[0].weights[2] = std::nanf("");
  EXPECT_FALSE(quantize_graph(nan, two_layer_calibration(), {}).has_value());
}

}  // namespace
}  // namespace aiotops::quant
