#include "tflite/lower.h"

#include <cmath>
#include <span>
#include <vector>

#include <gtest/gtest.h>

#include "tflite/test_models.h"

namespace aiotops::tflite {
namespace {

// The float graph evaluated in double: standardization, dense layers, ReLU where asked, then the
// logistic.
double evaluate(const Graph& graph, std::span<const double> row) {
  std::vector<double> values(row.begin(), row.end());
  for (size_t i = 0; i < graph.standardize.mean.size(); ++i) {
    values[i] = (values[i] - graph.standardize.mean[i]) / graph.standardize.scale[i];
  }
  for (const DenseLayer& layer : graph.layers) {
    std::vector<double> next(layer.outputs);
    for (size_t o = 0; o < layer.outputs; ++o) {
      double sum = layer.bias[o];
      for (size_t i = 0; i < layer.inputs; ++i) {
        sum += static_cast<double>(layer.weights[o * layer.inputs + i]) * values[i];
      }
      next[o] = layer.activation == Activation::kRelu ? std::max(sum, 0.0) : sum;
    }
    values = std::move(next);
  }
  return 1.0 / (1.0 + std::exp(-values.at(0)));
}

double worst_difference(const ml::Model& model, const Graph& graph, const testing::Scales& scales) {
  double worst = 0;
  for (const auto& row : testing::raw_rows(2000, scales)) {
    worst = std::max(worst, std::abs(evaluate(graph, row) - model.score(row)));
  }
  return worst;
}

// The graph scores raw rows as the model does, to 1e-6 where folding the scaler adds no
// cancellation (small means). At AI4I magnitudes (inputs near 300 K) the folded first-layer bias
// is a few hundred, and rounding it to float32 costs up to half an ulp (7.6e-6 at 256) in each
// first-layer unit: the score may then differ by a few 1e-6, and never by 1e-5.
void expect_scores_match(const ml::Model& centered, const ml::Model& ai4i) {
  auto graph = lower_to_graph(centered);
  ASSERT_TRUE(graph.has_value()) << graph.error().message();
  EXPECT_LE(worst_difference(centered, *graph, testing::kCentered), 1e-6);
  graph = lower_to_graph(ai4i);
  ASSERT_TRUE(graph.has_value()) << graph.error().message();
  EXPECT_LE(worst_difference(ai4i, *graph, testing::kAi4i), 1e-5);
}

TEST(LowerTest, LogisticRegressionIsOneDenseLayerOnRawValues) {
  const ml::Model model = testing::logistic_model();
  auto graph = lower_to_graph(model);
  ASSERT_TRUE(graph.has_value()) << graph.error().message();
  EXPECT_EQ(graph->type, TensorType::kFloat32);
  EXPECT_EQ(graph->inputs, 4u);
  ASSERT_EQ(graph->layers.size(), 1u);
  EXPECT_EQ(graph->layers[0].inputs, 4u);
  EXPECT_EQ(graph->layers[0].outputs, 1u);
  EXPECT_EQ(graph->layers[0].activation, Activation::kNone);
  EXPECT_EQ(graph->layers[0].weights.size(), 4u);
  EXPECT_EQ(graph->layers[0].bias.size(), 1u);
  // The scaler is folded: w' = w / scale.
  EXPECT_FLOAT_EQ(graph->layers[0].weights[2], static_cast<float>(1.73 / testing::kAi4i.scale[2]));
  expect_scores_match(testing::logistic_model(testing::kCentered), model);
}

TEST(LowerTest, LinearSvmFoldsPlattScaling) {
  const ml::Model model = testing::svm_model();
  auto graph = lower_to_graph(model);
  ASSERT_TRUE(graph.has_value()) << graph.error().message();
  ASSERT_EQ(graph->layers.size(), 1u);
  EXPECT_FLOAT_EQ(graph->layers[0].weights[0],
                  static_cast<float>(-1.9 * 0.81 / testing::kAi4i.scale[0]));
  expect_scores_match(testing::svm_model(testing::kCentered), model);
}

TEST(LowerTest, MlpKeepsItsLayersWithReluOnHiddenOnes) {
  const ml::Model model = testing::mlp_model({8, 6});
  auto graph = lower_to_graph(model);
  ASSERT_TRUE(graph.has_value()) << graph.error().message();
  ASSERT_EQ(graph->layers.size(), 3u);
  EXPECT_EQ(graph->layers[0].inputs, 4u);
  EXPECT_EQ(graph->layers[0].outputs, 8u);
  EXPECT_EQ(graph->layers[1].outputs, 6u);
  EXPECT_EQ(graph->layers[2].outputs, 1u);
  EXPECT_EQ(graph->layers[0].activation, Activation::kRelu);
  EXPECT_EQ(graph->layers[1].activation, Activation::kRelu);
  EXPECT_EQ(graph->layers[2].activation, Activation::kNone);
  // Layers after the first are copied unchanged.
  const auto& mlp = static_cast<const ml::MlpClassifier&>(model.classifier());
  const size_t second = 4 * 8 + 8;
  EXPECT_EQ(graph->layers[1].weights[0], static_cast<float>(mlp.parameters()[second]));
  expect_scores_match(testing::mlp_model({8, 6}, testing::kCentered), model);
}

TEST(LowerTest, MlpWithoutHiddenLayers) {
  const ml::Model model = testing::mlp_model({});
  auto graph = lower_to_graph(model);
  ASSERT_TRUE(graph.has_value()) << graph.error().message();
  ASSERT_EQ(graph->layers.size(), 1u);
  EXPECT_EQ(graph->layers[0].activation, Activation::kNone);
  expect_scores_match(testing::mlp_model({}, testing::kCentered), model);
}

TEST(LowerTest, UnfoldedScalerBecomesTheGraphsStandardization) {
  for (const ml::Model& model : {testing::logistic_model(), testing::mlp_model({8, 6})}) {
    auto graph = lower_to_graph(model, testing::unfolded());
    ASSERT_TRUE(graph.has_value()) << graph.error().message();
    EXPECT_EQ(graph->standardize.mean, (std::vector<float>{300.0f, 310.0f, 1538.8f, 39.99f}));
    EXPECT_EQ(graph->standardize.scale, (std::vector<float>{2.0f, 1.48f, 179.3f, 9.97f}));
    // The first layer is the classifier's own, on standardized inputs.
    if (model.classifier().kind() == ml::ModelKind::kLogistic) {
      EXPECT_EQ(graph->layers[0].weights[2], 1.73f);
      EXPECT_EQ(graph->layers[0].bias[0], -3.4f);
    }
    // No folded offsets: float32 rounding stays at 1e-6 even at AI4I magnitudes.
    EXPECT_LE(worst_difference(model, *graph, testing::kAi4i), 1e-6);
  }
  auto folded = lower_to_graph(testing::logistic_model());
  ASSERT_TRUE(folded.has_value());
  EXPECT_TRUE(folded->standardize.empty());
}

TEST(LowerTest, NaiveBayesIsRefused) {
  auto graph = lower_to_graph(testing::naive_bayes_model());
  ASSERT_FALSE(graph.has_value());
  EXPECT_EQ(graph.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(graph.error().message(),
            "naive-bayes models cannot be exported to TFLite (not a dense network)");
}

TEST(LowerTest, MetadataComesFromTheModelAndOptions) {
  auto graph = lower_to_graph(testing::logistic_model(),
                              LowerOptions{.model_name = "motor-7", .model_version = "2.1"});
  ASSERT_TRUE(graph.has_value());
  const GraphMetadata& m = graph->metadata;
  EXPECT_EQ(m.model_name, "motor-7");
  EXPECT_EQ(m.model_version, "2.1");
  EXPECT_EQ(m.feature_names, testing::make_metadata().feature_names);
  EXPECT_FLOAT_EQ(m.threshold, 0.35f);
  EXPECT_EQ(m.dataset_sha256, std::string(64, 'c'));
  EXPECT_EQ(m.alert_level_names,
            (std::vector<std::string>{"no-fault", "potential-failure", "immediate-failure"}));
  EXPECT_EQ(m.alert_level_from, (std::vector<float>{0.0f, 0.5f, 0.8f}));
}

TEST(LowerTest, TrainingRangeIsRoundedOutwardToFloat) {
  EXPECT_TRUE(lower_to_graph(testing::logistic_model())->metadata.training_min.empty());
  ml::ModelMetadata metadata = testing::make_metadata();
  metadata.training.feature_ranges = {{0.1, 0.1}, {-0.1, 1e300}, {295.5, 304.5}, {-1e300, 0}};
  auto model = ml::Model::create(
      testing::make_scaler(testing::kAi4i),
      std::make_unique<ml::LogisticRegression>(testing::linear_function()), metadata);
  ASSERT_TRUE(model.has_value()) << model.error().message();
  auto graph = lower_to_graph(*model);
  ASSERT_TRUE(graph.has_value());
  const GraphMetadata& m = graph->metadata;
  ASSERT_EQ(m.training_min.size(), 4u);
  ASSERT_EQ(m.training_max.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const ml::FeatureRange& range = metadata.training.feature_ranges[i];
    EXPECT_LE(m.training_min[i], std::max(range.min, -1e38)) << i;
    EXPECT_GE(m.training_max[i], std::min(range.max, 1e38)) << i;
    EXPECT_TRUE(std::isfinite(m.training_min[i]) && std::isfinite(m.training_max[i])) << i;
  }
  EXPECT_LT(m.training_min[0], m.training_max[0]);  // 0.1 is not a float: one on each side
  EXPECT_EQ(m.training_min[2], 295.5f);             // exact values stay
  EXPECT_EQ(m.training_max[2], 304.5f);
}

TEST(LowerTest, ModelNameDefaultsToTheKind) {
  auto graph = lower_to_graph(testing::mlp_model());
  ASSERT_TRUE(graph.has_value());
  EXPECT_EQ(graph->metadata.model_name, "mlp");
  EXPECT_EQ(graph->metadata.model_version, "1");
}

TEST(LowerTest, ParametersBeyondFloat32AreRefused) {
  ml::LinearFunction f = testing::linear_function();
  f.bias = 1e300;
  auto graph = lower_to_graph(testing::make_model(std::make_unique<ml::LogisticRegression>(f)));
  ASSERT_FALSE(graph.has_value());
  EXPECT_EQ(graph.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(graph.error().message().find("layers[0].bias[0]"), std::string::npos);
}

}  // namespace
}  // namespace aiotops::tflite
