#pragma once
// Small hand-made float graphs for the quant unit tests (header-only, test use only).

#include <vector>

#include "tflite/graph.h"

namespace aiotops::quant::testing {

inline tflite::DenseLayer dense(size_t inputs, size_t outputs, std::vector<float> weights,
                                std::vector<float> bias, tflite::Activation activation) {
  tflite::DenseLayer layer;
  layer.inputs = inputs;
  layer.outputs = outputs;
  layer.activation = activation;
  layer.weights = std::move(weights);
  layer.bias = std::move(bias);
  return layer;
}

// 2 inputs -> 2 ReLU units -> 1 logit:
//   h0 = relu(x0 - x1 + 0.5), h1 = relu(2 x0 + x1 - 1), logit = 3 h0 - h1 + 0.25.
inline tflite::Graph two_layer_graph() {
  tflite::Graph graph;
  graph.inputs = 2;
  graph.layers.push_back(dense(2, 2, {1, -1, 2, 1}, {0.5f, -1}, tflite::Activation::kRelu));
  graph.layers.push_back(dense(2, 1, {3, -1}, {0.25f}, tflite::Activation::kNone));
  graph.metadata.model_name = "two-layer";
  graph.metadata.feature_names = {"a", "b"};
  graph.metadata.threshold = 0.6f;
  return graph;
}

}  // namespace aiotops::quant::testing
