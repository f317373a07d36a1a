#include "tflite/graph_checks.h"

#include <cmath>
#include <span>
#include <string>

#include <fmt/format.h>

namespace aiotops::tflite {
namespace {

Status check_size(size_t actual, size_t expected, const std::string& field) {
  if (actual != expected) {
    return fail(ErrorCode::kInvalidArgument, "{}: {} values, expected {}", field, actual, expected);
  }
  return {};
}

Status check_finite(std::span<const float> values, const std::string& field) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return fail(ErrorCode::kInvalidArgument, "{}[{}] is not finite", field, i);
    }
  }
  return {};
}

Status check_params(const QuantParams& params, const std::string& field) {
  if (!std::isfinite(params.scale) || params.scale <= 0) {
    return fail(ErrorCode::kInvalidArgument, "{}.scale is {}, expected a finite value > 0", field,
                params.scale);
  }
  if (params.zero_point < -128 || params.zero_point > 127) {
    return fail(ErrorCode::kInvalidArgument, "{}.zero_point is {}, expected -128..127", field,
                params.zero_point);
  }
  return {};
}

Status check_float_layer(const DenseLayer& layer, const std::string& name) {
  if (auto s = check_size(layer.weights.size(), layer.inputs * layer.outputs, name + ".weights");
      !s) {
    return s;
  }
  if (auto s = check_size(layer.bias.size(), layer.outputs, name + ".bias"); !s) return s;
  if (auto s = check_finite(layer.weights, name + ".weights"); !s) return s;
  return check_finite(layer.bias, name + ".bias");
}

Status check_int8_layer(const DenseLayer& layer, const std::string& name) {
  if (auto s =
          check_size(layer.weights_q.size(), layer.inputs * layer.outputs, name + ".weights_q");
      !s) {
    return s;
  }
  for (size_t i = 0; i < layer.weights_q.size(); ++i) {
    if (layer.weights_q[i] == -128) {
      return fail(ErrorCode::kInvalidArgument, "{}.weights_q[{}] is -128, expected -127..127", name,
                  i);
    }
  }
  const size_t scales = layer.weight_scales.size();
  if (scales != 1 && scales != layer.outputs) {
    return fail(ErrorCode::kInvalidArgument, "{}.weight_scales: {} values, expected 1 or {}", name,
                scales, layer.outputs);
  }
  for (size_t i = 0; i < scales; ++i) {
    if (!std::isfinite(layer.weight_scales[i]) || layer.weight_scales[i] <= 0) {
      return fail(ErrorCode::kInvalidArgument, "{}.weight_scales[{}] is {}, expected > 0", name, i,
                  layer.weight_scales[i]);
    }
  }
  if (auto s = check_size(layer.bias_q.size(), layer.outputs, name + ".bias_q"); !s) return s;
  return check_params(layer.output, name + ".output");
}

Status check_standardization(const Standardization& z, size_t inputs, const std::string& field) {
  if (z.empty()) return {};
  if (auto s = check_size(z.mean.size(), inputs, field + ".mean"); !s) return s;
  if (auto s = check_size(z.scale.size(), inputs, field + ".scale"); !s) return s;
  if (auto s = check_finite(z.mean, field + ".mean"); !s) return s;
  for (size_t i = 0; i < inputs; ++i) {
    if (!std::isfinite(z.scale[i]) || !(z.scale[i] > 0) || !std::isfinite(1.0f / z.scale[i])) {
      return fail(ErrorCode::kInvalidArgument,
                  "{}.scale[{}] is {}, expected a finite value > 0 "
                  "with a finite reciprocal",
                  field, i, z.scale[i]);
    }
  }
  return {};
}

}  // namespace

Status check_graph(const Graph& graph) {
  if (graph.layers.empty()) return fail(ErrorCode::kInvalidArgument, "graph has no layers");
  size_t width = graph.inputs;
  for (size_t l = 0; l < graph.layers.size(); ++l) {
    const DenseLayer& layer = graph.layers[l];
    const std::string name = fmt::format("layers[{}]", l);
    if (layer.inputs != width) {
      return fail(ErrorCode::kInvalidArgument, "{}.inputs is {}, expected {}", name, layer.inputs,
                  width);
    }
    if (layer.inputs == 0 || layer.inputs > kMaxUnits || layer.outputs == 0 ||
        layer.outputs > kMaxUnits) {
      return fail(ErrorCode::kInvalidArgument, "{} is {}x{}, widths must be 1..{}", name,
                  layer.outputs, layer.inputs, kMaxUnits);
    }
    auto status = graph.type == TensorType::kFloat32 ? check_float_layer(layer, name)
                                                     : check_int8_layer(layer, name);
    if (!status) return status;
    width = layer.outputs;
  }
  if (width != 1) {
    return fail(ErrorCode::kInvalidArgument, "the last layer has {} outputs, expected 1", width);
  }
  if (!graph.metadata.feature_names.empty() &&
      graph.metadata.feature_names.size() != graph.inputs) {
    return fail(ErrorCode::kInvalidArgument, "metadata names {} features for {} inputs",
                graph.metadata.feature_names.size(), graph.inputs);
  }
  if (auto s = check_standardization(graph.standardize, graph.inputs, "standardize"); !s) return s;
  if (auto s = check_standardization(graph.metadata.device_standardize, graph.inputs,
                                     "metadata.device_standardize");
      !s) {
    return s;
  }
  if (graph.type == TensorType::kInt8) {
    if (auto s = check_params(graph.input, "input"); !s) return s;
    if (graph.output.scale != 1.0f / 256.0f || graph.output.zero_point != -128) {
      return fail(ErrorCode::kInvalidArgument,
                  "output is scale {} zero point {}, LOGISTIC's int8 output is 1/256 and -128",
                  graph.output.scale, graph.output.zero_point);
    }
  }
  return {};
}

}  // namespace aiotops::tflite
