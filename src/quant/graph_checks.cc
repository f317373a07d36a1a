#include "quant/graph_checks.h"

#include <cmath>
#include <span>

#include "quant/params.h"

namespace aiotops::quant {
namespace {

bool all_finite(std::span<const float> values) {
  for (float v : values) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

Status check_quant_params(const tflite::QuantParams& params, std::string_view field) {
  if (!std::isfinite(params.scale) || !(params.scale > 0)) {
    return fail(ErrorCode::kInvalidArgument, "{}.scale: {} is not a finite number > 0", field,
                params.scale);
  }
  if (params.zero_point < kInt8Min || params.zero_point > kInt8Max) {
    return fail(ErrorCode::kInvalidArgument, "{}.zero_point: {} is outside [-128, 127]", field,
                params.zero_point);
  }
  return {};
}

// Shape rules shared by float and int8 graphs.
Status check_shape(const tflite::Graph& graph) {
  if (graph.layers.empty()) return fail(ErrorCode::kInvalidArgument, "layers: none");
  if (graph.inputs == 0 || graph.inputs > kMaxLayerUnits) {
    return fail(ErrorCode::kInvalidArgument, "inputs: {} is outside [1, {}]", graph.inputs,
                kMaxLayerUnits);
  }
  if (!graph.metadata.feature_names.empty() &&
      graph.metadata.feature_names.size() != graph.inputs) {
    return fail(ErrorCode::kInvalidArgument, "metadata.feature_names: {} names for {} inputs",
                graph.metadata.feature_names.size(), graph.inputs);
  }
  size_t expected_inputs = graph.inputs;
  for (size_t l = 0; l < graph.layers.size(); ++l) {
    const tflite::DenseLayer& layer = graph.layers[l];
    if (layer.inputs != expected_inputs) {
      return fail(ErrorCode::kInvalidArgument, "layers[{}].inputs: {}, expected {}", l,
                  layer.inputs, expected_inputs);
    }
    if (layer.outputs == 0 || layer.outputs > kMaxLayerUnits ||
        layer.outputs * layer.inputs > kMaxLayerWeights) {
      return fail(ErrorCode::kInvalidArgument,
                  "layers[{}].outputs: {} is outside [1, {}] or gives more than {} weights", l,
                  layer.outputs, kMaxLayerUnits, kMaxLayerWeights);
    }
    expected_inputs = layer.outputs;
  }
  if (graph.layers.back().outputs != 1) {
    return fail(ErrorCode::kInvalidArgument, "layers[{}].outputs: {}, the logit layer has 1",
                graph.layers.size() - 1, graph.layers.back().outputs);
  }
  return {};
}

Status check_int8_layer(const tflite::DenseLayer& layer, size_t l) {
  if (layer.weights_q.size() != layer.outputs * layer.inputs) {
    return fail(ErrorCode::kInvalidArgument, "layers[{}].weights_q: {} values, expected {}", l,
                layer.weights_q.size(), layer.outputs * layer.inputs);
  }
  for (size_t i = 0; i < layer.weights_q.size(); ++i) {
    if (layer.weights_q[i] < -kWeightMax) {
      return fail(ErrorCode::kInvalidArgument,
                  "layers[{}].weights_q[{}]: -128 in a symmetric weight tensor", l, i);
    }
  }
  if (layer.weight_scales.size() != 1 && layer.weight_scales.size() != layer.outputs) {
    return fail(ErrorCode::kInvalidArgument,
                "layers[{}].weight_scales: {} values, expected 1 or {}", l,
                layer.weight_scales.size(), layer.outputs);
  }
  for (size_t i = 0; i < layer.weight_scales.size(); ++i) {
    const float s = layer.weight_scales[i];
    if (!std::isfinite(s) || !(s > 0)) {
      return fail(ErrorCode::kInvalidArgument,
                  "layers[{}].weight_scales[{}]: {} is not a finite number > 0", l, i, s);
    }
  }
  if (layer.bias_q.size() != layer.outputs) {
    return fail(ErrorCode::kInvalidArgument, "layers[{}].bias_q: {} values, expected {}", l,
                layer.bias_q.size(), layer.outputs);
  }
  return check_quant_params(layer.output, fmt::format("layers[{}].output", l));
}

}  // namespace

Status check_float_graph(const tflite::Graph& graph) {
  if (graph.type != tflite::TensorType::kFloat32) {
    return fail(ErrorCode::kInvalidArgument, "type: not a float32 graph");
  }
  if (auto status = check_shape(graph); !status) return status;
  for (size_t l = 0; l < graph.layers.size(); ++l) {
    const tflite::DenseLayer& layer = graph.layers[l];
    if (layer.weights.size() != layer.outputs * layer.inputs) {
      return fail(ErrorCode::kInvalidArgument, "layers[{}].weights: {} values, expected {}", l,
                  layer.weights.size(), layer.outputs * layer.inputs);
    }
    if (layer.bias.size() != layer.outputs) {
      return fail(ErrorCode::kInvalidArgument, "layers[{}].bias: {} values, expected {}", l,
                  layer.bias.size(), layer.outputs);
    }
    if (!all_finite(layer.weights) || !all_finite(layer.bias)) {
      return fail(ErrorCode::kInvalidArgument, "layers[{}]: a weight or bias is not finite", l);
    }
  }
  return {};
}

Status check_int8_graph(const tflite::Graph& graph) {
  if (graph.type != tflite::TensorType::kInt8) {
    return fail(ErrorCode::kInvalidArgument, "type: not an int8 graph");
  }
  if (auto status = check_shape(graph); !status) return status;
  if (auto status = check_quant_params(graph.input, "input"); !status) return status;
  for (size_t l = 0; l < graph.layers.size(); ++l) {
    if (auto status = check_int8_layer(graph.layers[l], l); !status) return status;
  }
  if (graph.output.scale != 1.0f / 256.0f || graph.output.zero_point != kInt8Min) {
    return fail(ErrorCode::kInvalidArgument,
                "output: scale {} zero point {}, LOGISTIC's int8 output is 1/256 and -128",
                graph.output.scale, graph.output.zero_point);
  }
  return {};
}

}  // namespace aiotops::quant
