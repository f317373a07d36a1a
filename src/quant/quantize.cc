#include "quant/quantize.h"

#include <algorithm>

#include "tflite/graph_checks.h"

namespace aiotops::quant {
namespace {

tflite::DenseLayer quantize_layer(const tflite::DenseLayer& layer, float input_scale,
                                  TensorRange output_range, const QuantizeOptions& options) {
  tflite::DenseLayer q;
  q.inputs = layer.inputs;
  q.outputs = layer.outputs;
  q.activation = layer.activation;
  q.weight_scales =
      weight_scales(layer.weights, layer.outputs, options.per_channel, options.weights);
  q.weights_q.resize(layer.weights.size());
  q.bias_q.resize(layer.outputs);
  for (size_t o = 0; o < layer.outputs; ++o) {
    const float scale = q.weight_scales[options.per_channel ? o : 0];
    for (size_t i = 0; i < layer.inputs; ++i) {
      const size_t at = o * layer.inputs + i;
      q.weights_q[at] = quantize_weight(layer.weights[at], scale, options.weights);
    }
    q.bias_q[o] = quantize_bias(layer.bias[o], input_scale, scale);
  }
  if (layer.activation == tflite::Activation::kRelu) {
    output_range.min = 0;
    output_range.max = std::max(output_range.max, 0.0f);
  }
  q.output = asymmetric_params(output_range);
  return q;
}

}  // namespace

nlohmann::json to_json(const QuantizeOptions& options) {
  return {{"weights", to_string(options.weights)}, {"per_channel", options.per_channel}};
}

Result<tflite::Graph> quantize_graph(const tflite::Graph& float_graph,
                                     const Calibration& calibration,
                                     const QuantizeOptions& options) {
  if (float_graph.type != tflite::TensorType::kFloat32) {
    return fail(ErrorCode::kInvalidArgument, "quantize: not a float32 graph");
  }
  if (auto status = tflite::check_graph(float_graph); !status) {
    return fail(status.error().with_context("quantize"));
  }
  if (calibration.layers.size() != float_graph.layers.size()) {
    return fail(ErrorCode::kInvalidArgument,
                "quantize: the calibration has {} layer ranges for a graph of {} layers",
                calibration.layers.size(), float_graph.layers.size());
  }
  tflite::Graph q;
  q.type = tflite::TensorType::kInt8;
  q.inputs = float_graph.inputs;
  q.standardize = float_graph.standardize;
  q.input = asymmetric_params(calibration.input);
  q.output = {1.0f / 256.0f, kInt8Min};
  q.metadata = float_graph.metadata;
  float input_scale = q.input.scale;
  for (size_t l = 0; l < float_graph.layers.size(); ++l) {
    q.layers.push_back(
        quantize_layer(float_graph.layers[l], input_scale, calibration.layers[l], options));
    input_scale = q.layers.back().output.scale;
  }
  return q;
}

}  // namespace aiotops::quant
