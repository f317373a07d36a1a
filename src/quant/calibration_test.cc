#include "quant/calibration.h"

#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "quant/test_graphs.h"

namespace aiotops::quant {
namespace {

using ::testing::HasSubstr;

TEST(PercentileTest, InterpolatesLinearlyLikeNumpy) {
  // numpy.percentile([1, 2, 3, 4], q) for q = 0, 25, 50, 90, 100.
  for (auto [p, expected] : std::vector<std::pair<double, float>>{
           {0, 1.0f}, {25, 1.75f}, {50, 2.5f}, {90, 3.7f}, {100, 4.0f}}) {
    std::vector<float> values{4, 1, 3, 2};
    EXPECT_FLOAT_EQ(percentile(values, p), expected) << p;
  }
  std::vector<float> one{7};
  EXPECT_EQ(percentile(one, 99.99), 7.0f);
}

TEST(CalibrateTest, MinMaxRecordsInputAndPostActivationRanges) {
  const tflite::Graph graph = testing::two_layer_graph();
  // Rows (x0, x1): h0 = relu(x0 - x1 + 0.5), h1 = relu(2 x0 + x1 - 1), logit = 3 h0 - h1 + 0.25.
  //   (1, 0):  h = (1.5, 1)   logit 3.75
  //   (0, 2):  h = (0, 1)     logit -0.75
  //   (-1, 1): h = (0, 0)     logit 0.25   (both pre-activations negative: -1.5, -2)
  const std::vector<double> rows{1, 0, 0, 2, -1, 1};
  auto calibration = calibrate(graph, rows, {});
  ASSERT_TRUE(calibration.has_value()) << calibration.error().message();
  EXPECT_EQ(calibration->rows, 3u);
  EXPECT_FLOAT_EQ(calibration->input.min, -1);
  EXPECT_FLOAT_EQ(calibration->input.max, 2);
  ASSERT_EQ(calibration->layers.size(), 2u);
  EXPECT_FLOAT_EQ(calibration->layers[0].min, 0);  // post-ReLU
  EXPECT_FLOAT_EQ(calibration->layers[0].max, 1.5f);
  EXPECT_FLOAT_EQ(calibration->layers[1].min, -0.75f);
  EXPECT_FLOAT_EQ(calibration->layers[1].max, 3.75f);
}

TEST(CalibrateTest, StandardizedGraphMeasuresTheStandardizedInput) {
  tflite::Graph graph = testing::two_layer_graph();
  graph.standardize = {{10.0f, -100.0f}, {2.0f, 50.0f}};
  // Raw (12, -100) and (6, 0) standardize to (1, 0) and (-2, 2): the same first-layer input as
  // rows (1, 0) and (-2, 2) of the graph without standardization.
  auto standardized = calibrate(graph, std::vector<double>{12, -100, 6, 0}, {});
  graph.standardize = {};
  auto plain = calibrate(graph, std::vector<double>{1, 0, -2, 2}, {});
  ASSERT_TRUE(standardized.has_value()) << standardized.error().message();
  ASSERT_TRUE(plain.has_value());
  EXPECT_FLOAT_EQ(standardized->input.min, -2);
  EXPECT_FLOAT_EQ(standardized->input.max, 2);
  for (size_t l = 0; l < 2; ++l) {
    EXPECT_FLOAT_EQ(standardized->layers[l].min, plain->layers[l].min) << l;
    EXPECT_FLOAT_EQ(standardized->layers[l].max, plain->layers[l].max) << l;
  }
}

TEST(CalibrateTest, PercentileClipsAnOutlierThatMinMaxKeeps) {
  const tflite::Graph graph = testing::two_layer_graph();
  std::vector<double> rows;
  for (int i = 0; i < 1000; ++i) {
    rows.push_back(i / 1000.0);
    rows.push_back(0.5);
  }
  rows.push_back(1000.0);  // one wild reading
  rows.push_back(0.5);
  auto minmax = calibrate(graph, rows, {});
  CalibrationOptions options;
  options.method = CalibrationMethod::kPercentile;
  options.percentile = 99.9;
  auto clipped = calibrate(graph, rows, options);
  ASSERT_TRUE(minmax.has_value()) << minmax.error().message();
  ASSERT_TRUE(clipped.has_value()) << clipped.error().message();
  EXPECT_FLOAT_EQ(minmax->input.max, 1000);
  EXPECT_LT(clipped->input.max, 1.0f);
  EXPECT_GT(clipped->input.max, 0.99f);
  EXPECT_FLOAT_EQ(minmax->layers[1].max, 1000.75f);  // 3 * 1000 - 1999.5 + 0.25
  EXPECT_LT(clipped->layers[1].max, 10);
  EXPECT_EQ(to_json(*clipped)["percentile"], 99.9);
  EXPECT_EQ(to_json(*clipped)["method"], "percentile");
  EXPECT_FALSE(to_json(*minmax).contains("percentile"));
}

TEST(CalibrateTest, RejectsBadDataNamingRowAndColumn) {
  const tflite::Graph graph = testing::two_layer_graph();
  auto ragged = calibrate(graph, std::vector<double>{1, 2, 3}, {});
  ASSERT_FALSE(ragged.has_value());
  EXPECT_EQ(ragged.error().code(), ErrorCode::kInvalidArgument);
  auto empty = calibrate(graph, std::vector<double>{}, {});
  ASSERT_FALSE(empty.has_value());
  auto overflow = calibrate(graph, std::vector<double>{1, 2, 3, 1e300}, {});
  ASSERT_FALSE(overflow.has_value());
  EXPECT_THAT(overflow.error().message(), HasSubstr("row 2 column 2"));
}

TEST(CalibrateTest, RejectsBadOptionsAndGraphs) {
  const std::vector<double> rows{1, 2};
  CalibrationOptions options;
  options.method = CalibrationMethod::kPercentile;
  options.percentile = 40;
  auto low = calibrate(testing::two_layer_graph(), rows, options);
  ASSERT_FALSE(low.has_value());
  EXPECT_THAT(low.error().message(), HasSubstr("percentile"));

  tflite::Graph int8 = testing::two_layer_graph();
  int8.type = tflite::TensorType::kInt8;
  EXPECT_FALSE(calibrate(int8, rows, {}).has_value());

  tflite::Graph broken = testing::two_layer_graph();
  broken.layers[1].bias.clear();
  auto no_bias = calibrate(broken, rows, {});
  ASSERT_FALSE(no_bias.has_value());
  EXPECT_THAT(no_bias.error().message(), HasSubstr("layers[1].bias"));
}

TEST(CalibrationMethodTest, ParsesItsNames) {
  EXPECT_EQ(parse_calibration_method("minmax").value(), CalibrationMethod::kMinMax);
  EXPECT_EQ(parse_calibration_method("percentile").value(), CalibrationMethod::kPercentile);
  EXPECT_FALSE(parse_calibration_method("entropy").has_value());
}

}  // namespace
}  // namespace aiotops::quant
