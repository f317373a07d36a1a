#pragma once
// Models for the tflite unit tests (header-only, test use only): each model kind on four raw
// features. By default the scaler has the magnitudes of the AI4I 2020 sensors (air and process
// temperature in K, speed in rpm, torque in Nm), so that folding it meets realistic offsets;
// kCentered has the same spreads around small means.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ml/linear_svm.h"
#include "ml/logistic.h"
#include "ml/mlp.h"
#include "ml/model_file.h"
#include "ml/naive_bayes.h"
#include "tflite/graph.h"
#include "tflite/lower.h"

namespace aiotops::tflite::testing {

struct Scales {
  std::vector<double> mean;
  std::vector<double> scale;
};
inline const Scales kAi4i{{300.0, 310.0, 1538.8, 39.99}, {2.0, 1.48, 179.3, 9.97}};
inline const Scales kCentered{{0.3, -1.2, 2.5, 0.8}, {2.0, 1.48, 179.3, 9.97}};

inline ml::Scaler make_scaler(const Scales& scales) {
  auto scaler =
      ml::Scaler::from_json({{"mean", scales.mean}, {"scale", scales.scale}}, scales.mean.size());
  if (!scaler) std::abort();
  return std::move(*scaler);
}

inline ml::ModelMetadata make_metadata() {
  ml::ModelMetadata metadata;
  metadata.feature_names = {"air_temperature_k", "process_temperature_k", "rotational_speed_rpm",
                            "torque_nm"};
  metadata.label_name = "machine_failure";
  metadata.threshold.value = 0.35;
  metadata.training.dataset_sha256 = std::string(64, 'c');
  metadata.training.train_rows = 100;
  metadata.training.train_positives = 10;
  metadata.training.train_negatives = 90;
  return metadata;
}

inline ml::Model make_model(std::unique_ptr<ml::Classifier> classifier,
                            const Scales& scales = kAi4i) {
  auto model = ml::Model::create(make_scaler(scales), std::move(classifier), make_metadata());
  if (!model) {
    ADD_FAILURE() << model.error().message();
    std::abort();
  }
  return std::move(*model);
}

inline ml::LinearFunction linear_function() {
  ml::LinearFunction f;
  f.weights = Eigen::Vector4d(0.81, -0.47, 1.73, 2.29);
  f.bias = -3.4;
  return f;
}

inline ml::Model logistic_model(const Scales& scales = kAi4i) {
  return make_model(std::make_unique<ml::LogisticRegression>(linear_function()), scales);
}

inline ml::Model svm_model(const Scales& scales = kAi4i) {
  return make_model(std::make_unique<ml::LinearSvm>(linear_function(), ml::PlattScaling{-1.9, 0.3}),
                    scales);
}

// An MLP 4-hidden...-1 with seeded random parameters.
inline ml::Model mlp_model(std::vector<size_t> hidden = {8, 6}, const Scales& scales = kAi4i,
                           uint64_t seed = 5) {
  std::vector<size_t> sizes{4};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  sizes.push_back(1);
  size_t count = 0;
  for (size_t l = 0; l + 1 < sizes.size(); ++l) count += sizes[l] * sizes[l + 1] + sizes[l + 1];
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 0.7);
  std::vector<double> parameters(count);
  for (double& p : parameters) p = normal(rng);
  auto mlp = ml::MlpClassifier::create(sizes, std::move(parameters));
  if (!mlp) std::abort();
  return make_model(std::move(*mlp), scales);
}

inline ml::Model naive_bayes_model() {
  ml::GaussianClasses classes;
  classes.prior = {0.9, 0.1};
  for (size_t c = 0; c < 2; ++c) {
    classes.mean[c] = Eigen::Vector4d(0.1 * static_cast<double>(c), 0, 0, 0);
    classes.variance[c] = Eigen::Vector4d(1, 1, 1, 1);
  }
  return make_model(std::make_unique<ml::NaiveBayes>(classes));
}

// Lowering options that keep the scaler as the graph's standardization.
inline LowerOptions unfolded() {
  LowerOptions options;
  options.fold_scaler = false;
  return options;
}

// The lowered float graph of `model`; aborts the test binary when lowering fails.
inline Graph float_graph(const ml::Model& model, LowerOptions options = {}) {
  options.model_name = "motor";
  options.model_version = "3";
  auto graph = lower_to_graph(model, options);
  if (!graph) {
    ADD_FAILURE() << graph.error().message();
    std::abort();
  }
  return std::move(*graph);
}

// An int8 graph with the float graph's shape for the file-format tests: weights quantized
// symmetrically (per tensor or per output channel), biases in the accumulator's scale, and fixed
// activation parameters. Its scores are not meant to be accurate (src/quant calibrates).
inline Graph int8_graph(const Graph& float_graph, bool per_channel) {
  Graph graph = float_graph;
  graph.type = TensorType::kInt8;
  graph.input = {0.5f, -3};
  float input_scale = graph.input.scale;
  for (DenseLayer& layer : graph.layers) {
    const size_t groups = per_channel ? layer.outputs : 1;
    const size_t per_group = layer.weights.size() / groups;
    layer.weight_scales.clear();
    for (size_t g = 0; g < groups; ++g) {
      float largest = 1e-6f;
      for (size_t k = g * per_group; k < (g + 1) * per_group; ++k) {
        largest = std::max(largest, std::abs(layer.weights[k]));
      }
      layer.weight_scales.push_back(largest / 127.0f);
    }
    for (size_t k = 0; k < layer.weights.size(); ++k) {
      layer.weights_q.push_back(
          static_cast<int8_t>(std::lround(layer.weights[k] / layer.weight_scales[k / per_group])));
    }
    for (size_t o = 0; o < layer.outputs; ++o) {
      const float scale = input_scale * layer.weight_scales[per_channel ? o : 0];
      layer.bias_q.push_back(static_cast<int32_t>(std::lround(layer.bias[o] / scale)));
    }
    layer.output = {0.25f, layer.activation == Activation::kRelu ? -128 : 5};
    input_scale = layer.output.scale;
    layer.weights.clear();
    layer.bias.clear();
  }
  return graph;
}

// Raw rows around the training distribution: mean + k * scale, k uniform in [-3, 3].
inline std::vector<std::vector<double>> raw_rows(size_t count, const Scales& scales = kAi4i,
                                                 uint64_t seed = 11) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> k(-3.0, 3.0);
  std::vector<std::vector<double>> rows(count);
  for (auto& row : rows) {
    for (size_t i = 0; i < scales.mean.size(); ++i) {
      row.push_back(scales.mean[i] + k(rng) * scales.scale[i]);
    }
  }
  return rows;
}

}  // namespace aiotops::tflite::testing
