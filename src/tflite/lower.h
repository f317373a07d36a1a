#pragma once
// Lowering a trained float model (ml::Model) to the device graph: logistic regression is one
// dense layer, a linear SVM one dense layer with its Platt scaling folded in, an MLP its layers
// (ReLU on the hidden ones). The graph takes raw sensor values in the model's feature order and
// returns P(fault) like ml::Model::score: the scaler is folded into the first layer, or kept as
// the graph's float32 standardization (what int8 quantization needs, see graph.h).

#include <string>

#include "common/error.h"
#include "ml/model_file.h"
#include "tflite/graph.h"

namespace aiotops::tflite {

struct LowerOptions {
  std::string model_name;           // metadata model name; empty = the model kind ("mlp", ...)
  std::string model_version = "1";  // metadata model version, free text
  // true: fold the scaler into the first layer (W / scale, b - W mean / scale). false: keep it as
  // Graph::standardize and leave the first layer on standardized inputs.
  bool fold_scaler = true;
};

// The float graph of `model` with metadata from the model file (feature names, threshold, alert
// levels, training dataset hash) and `options`. Fails with kInvalidArgument for naive-Bayes
// models (not a dense network) and when a folded parameter does not fit in float32.
// Thread-safe; the graph owns copies of everything.
Result<Graph> lower_to_graph(const ml::Model& model, const LowerOptions& options = {});

}  // namespace aiotops::tflite
