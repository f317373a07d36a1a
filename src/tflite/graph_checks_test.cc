#include "tflite/graph_checks.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "tflite/test_models.h"

namespace aiotops::tflite {
namespace {

void expect_invalid(const Graph& graph, std::string_view message) {
  auto status = check_graph(graph);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().message(), message);
}

TEST(GraphChecksTest, AcceptsLoweredAndQuantizedGraphs) {
  const Graph graph = testing::float_graph(testing::mlp_model());
  EXPECT_TRUE(check_graph(graph).has_value());
  EXPECT_TRUE(check_graph(testing::int8_graph(graph, false)).has_value());
  EXPECT_TRUE(check_graph(testing::int8_graph(graph, true)).has_value());
}

TEST(GraphChecksTest, ShapeRules) {
  const Graph good = testing::float_graph(testing::mlp_model({8, 6}));
  Graph g = good;
  g.layers.clear();
  expect_invalid(g, "graph has no layers");
  g = good;
  g.inputs = 5;
  expect_invalid(g, "layers[0].inputs is 4, expected 5");
  g = good;
  g.layers.pop_back();
  expect_invalid(g, "the last layer has 6 outputs, expected 1");
  g = good;
  g.metadata.feature_names.pop_back();
  expect_invalid(g, "metadata names 3 features for 4 inputs");
  g = testing::float_graph(testing::mlp_model({8, 6}), testing::unfolded());
  EXPECT_TRUE(check_graph(g).has_value());
  g.standardize.scale[1] = 0;
  expect_invalid(g,
                 "standardize.scale[1] is 0, expected a finite value > 0 with a finite reciprocal");
  g.standardize.scale.pop_back();
  expect_invalid(g, "standardize.scale: 3 values, expected 4");
  g = good;
  g.metadata.device_standardize.mean = {1, 2};
  expect_invalid(g, "metadata.device_standardize.mean: 2 values, expected 4");
  g = good;
  g.layers[2].weights[3] = std::numeric_limits<float>::quiet_NaN();
  expect_invalid(g, "layers[2].weights[3] is not finite");
}

TEST(GraphChecksTest, Int8Rules) {
  const Graph good = testing::int8_graph(testing::float_graph(testing::mlp_model({8, 6})), true);
  Graph g = good;
  g.layers[0].weight_scales.pop_back();
  expect_invalid(g, "layers[0].weight_scales: 7 values, expected 1 or 8");
  g = good;
  g.layers[1].weights_q[0] = -128;
  expect_invalid(g, "layers[1].weights_q[0] is -128, expected -127..127");
  g = good;
  g.layers[1].output.zero_point = 128;
  expect_invalid(g, "layers[1].output.zero_point is 128, expected -128..127");
  g = good;
  g.input.scale = 0;
  expect_invalid(g, "input.scale is 0, expected a finite value > 0");
  g = good;
  g.output.zero_point = 0;
  expect_invalid(g,
                 "output is scale 0.00390625 zero point 0, LOGISTIC's int8 output is 1/256 and "
                 "-128");
  g = good;
  g.layers[2].bias_q.clear();
  expect_invalid(g, "layers[2].bias_q: 0 values, expected 1");
}

}  // namespace
}  // namespace aiotops::tflite
