#include "quant/graph_json.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "ml/json_fields.h"
#include "quant/params.h"
#include "tflite/graph_checks.h"
#include "tflite/metadata.h"

namespace aiotops::quant {
namespace {

using ml::field_path;

nlohmann::json params_to_json(const tflite::QuantParams& params) {
  return {{"scale", params.scale}, {"zero_point", params.zero_point}};
}

// `value` (found at `where`) as an integer in [min, max]; min <= 0 <= max.
Result<int64_t> integer_value(const nlohmann::json& value, std::string_view where, int64_t min,
                              int64_t max) {
  bool in_range = false;
  int64_t integer = 0;
  if (value.is_number_unsigned()) {
    in_range = value.get<uint64_t>() <= static_cast<uint64_t>(max);
    integer = in_range ? static_cast<int64_t>(value.get<uint64_t>()) : 0;
  } else if (value.is_number_integer()) {
    integer = value.get<int64_t>();
    in_range = integer >= min && integer <= max;
  }
  if (!in_range) {
    return fail(ErrorCode::kCorrupt, "field '{}' is not an integer in [{}, {}]", where, min, max);
  }
  return integer;
}

Result<int64_t> integer_field(const nlohmann::json& object, std::string_view path,
                              std::string_view name, int64_t min, int64_t max) {
  const std::string where = field_path(path, name);
  auto it = object.find(name);
  if (it == object.end()) return fail(ErrorCode::kCorrupt, "field '{}' is missing", where);
  return integer_value(*it, where, min, max);
}

// `object[name]` as an array of `size` integers in [min, max]; min <= 0 <= max.
Result<std::vector<int64_t>> integer_array_field(const nlohmann::json& object,
                                                 std::string_view path, std::string_view name,
                                                 int64_t min, int64_t max, size_t size) {
  const std::string where = field_path(path, name);
  auto it = object.find(name);
  if (it == object.end()) return fail(ErrorCode::kCorrupt, "field '{}' is missing", where);
  if (!it->is_array()) return fail(ErrorCode::kCorrupt, "field '{}' is not an array", where);
  if (it->size() != size) {
    return fail(ErrorCode::kCorrupt, "field '{}' has {} entries, expected {}", where, it->size(),
                size);
  }
  std::vector<int64_t> values;
  values.reserve(size);
  for (size_t i = 0; i < size; ++i) {
    auto value = integer_value((*it)[i], fmt::format("{}[{}]", where, i), min, max);
    if (!value) return fail(value.error());
    values.push_back(*value);
  }
  return values;
}

Result<float> float_field(const nlohmann::json& object, std::string_view path,
                          std::string_view name) {
  auto value = ml::number_field(object, path, name);
  if (!value) return fail(value.error());
  const auto narrowed = static_cast<float>(*value);
  if (!std::isfinite(narrowed)) {
    return fail(ErrorCode::kCorrupt, "field '{}' does not fit in float32", field_path(path, name));
  }
  return narrowed;
}

Result<std::vector<float>> float_array_field(const nlohmann::json& object, std::string_view path,
                                             std::string_view name) {
  auto values = ml::number_array_field(object, path, name);
  if (!values) return fail(values.error());
  std::vector<float> narrowed;
  narrowed.reserve(values->size());
  for (size_t i = 0; i < values->size(); ++i) {
    narrowed.push_back(static_cast<float>((*values)[i]));
    if (!std::isfinite(narrowed.back())) {
      return fail(ErrorCode::kCorrupt, "field '{}[{}]' does not fit in float32",
                  field_path(path, name), i);
    }
  }
  return narrowed;
}

Result<tflite::QuantParams> params_from_json(const nlohmann::json& object, std::string_view path,
                                             std::string_view name) {
  auto params = ml::object_field(object, path, name);
  if (!params) return fail(params.error());
  const std::string where = field_path(path, name);
  auto scale = float_field(**params, where, "scale");
  if (!scale) return fail(scale.error());
  auto zero_point = integer_field(**params, where, "zero_point", kInt8Min, kInt8Max);
  if (!zero_point) return fail(zero_point.error());
  return tflite::QuantParams{*scale, static_cast<int32_t>(*zero_point)};
}

Result<size_t> width_field(const nlohmann::json& object, std::string_view path,
                           std::string_view name) {
  auto value = ml::count_field(object, path, name);
  if (!value) return fail(value.error());
  if (*value == 0 || *value > tflite::kMaxUnits) {
    return fail(ErrorCode::kCorrupt, "field '{}' is {}, outside [1, {}]", field_path(path, name),
                *value, tflite::kMaxUnits);
  }
  return static_cast<size_t>(*value);
}

Result<tflite::DenseLayer> layer_from_json(const nlohmann::json& json, const std::string& path) {
  if (auto status = ml::expect_object(json, path); !status) return fail(status.error());
  tflite::DenseLayer layer;
  auto inputs = width_field(json, path, "inputs");
  if (!inputs) return fail(inputs.error());
  auto outputs = width_field(json, path, "outputs");
  if (!outputs) return fail(outputs.error());
  layer.inputs = *inputs;
  layer.outputs = *outputs;
  auto activation = ml::string_field(json, path, "activation");
  if (!activation) return fail(activation.error());
  if (*activation == "relu") {
    layer.activation = tflite::Activation::kRelu;
  } else if (*activation != "none") {
    return fail(ErrorCode::kCorrupt, "field '{}' is '{}', expected none or relu",
                field_path(path, "activation"), *activation);
  }
  auto weights = integer_array_field(json, path, "weights", -kWeightMax, kWeightMax,
                                     layer.inputs * layer.outputs);
  if (!weights) return fail(weights.error());
  layer.weights_q.assign(weights->begin(), weights->end());
  auto scales = float_array_field(json, path, "weight_scales");
  if (!scales) return fail(scales.error());
  layer.weight_scales = std::move(*scales);
  constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
  auto bias = integer_array_field(json, path, "bias", -kInt32Max, kInt32Max, layer.outputs);
  if (!bias) return fail(bias.error());
  layer.bias_q.assign(bias->begin(), bias->end());
  auto output = params_from_json(json, path, "output");
  if (!output) return fail(output.error());
  layer.output = *output;
  return layer;
}

Result<tflite::GraphMetadata> metadata_from_json(const nlohmann::json& object,
                                                 std::string_view path) {
  auto json = ml::object_field(object, path, "metadata");
  if (!json) return fail(json.error());
  auto metadata = tflite::metadata_from_json(
      (*json)->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (!metadata) return fail(metadata.error().with_context(field_path(path, "metadata")));
  return metadata;
}

}  // namespace

nlohmann::json int8_graph_to_json(const tflite::Graph& graph) {
  nlohmann::json layers = nlohmann::json::array();
  for (const tflite::DenseLayer& layer : graph.layers) {
    layers.push_back({
        {"inputs", layer.inputs},
        {"outputs", layer.outputs},
        {"activation", layer.activation == tflite::Activation::kRelu ? "relu" : "none"},
        {"weight_scales", layer.weight_scales},
        {"weights", layer.weights_q},
        {"bias", layer.bias_q},
        {"output", params_to_json(layer.output)},
    });
  }
  return {
      {"type", "int8"},
      {"inputs", graph.inputs},
      {"standardize", {{"mean", graph.standardize.mean}, {"scale", graph.standardize.scale}}},
      {"input", params_to_json(graph.input)},
      {"output", params_to_json(graph.output)},
      {"layers", std::move(layers)},
      {"metadata", nlohmann::json::parse(tflite::metadata_to_json(graph.metadata))},
  };
}

Result<tflite::Graph> int8_graph_from_json(const nlohmann::json& json, std::string_view path) {
  if (auto status = ml::expect_object(json, path); !status) return fail(status.error());
  auto type = ml::string_field(json, path, "type");
  if (!type) return fail(type.error());
  if (*type != "int8") {
    return fail(ErrorCode::kCorrupt, "field '{}' is '{}', expected int8", field_path(path, "type"),
                *type);
  }
  tflite::Graph graph;
  graph.type = tflite::TensorType::kInt8;
  auto inputs = width_field(json, path, "inputs");
  if (!inputs) return fail(inputs.error());
  graph.inputs = *inputs;
  auto standardize = ml::object_field(json, path, "standardize");
  if (!standardize) return fail(standardize.error());
  const std::string standardize_path = field_path(path, "standardize");
  auto mean = float_array_field(**standardize, standardize_path, "mean");
  if (!mean) return fail(mean.error());
  auto scale = float_array_field(**standardize, standardize_path, "scale");
  if (!scale) return fail(scale.error());
  graph.standardize = {std::move(*mean), std::move(*scale)};
  auto input = params_from_json(json, path, "input");
  if (!input) return fail(input.error());
  graph.input = *input;
  auto output = params_from_json(json, path, "output");
  if (!output) return fail(output.error());
  graph.output = *output;
  const std::string layers_path = field_path(path, "layers");
  auto layers = json.find("layers");
  if (layers == json.end() || !layers->is_array() || layers->empty()) {
    return fail(ErrorCode::kCorrupt, "field '{}' is not a non-empty array", layers_path);
  }
  for (size_t l = 0; l < layers->size(); ++l) {
    auto layer = layer_from_json((*layers)[l], fmt::format("{}[{}]", layers_path, l));
    if (!layer) return fail(layer.error());
    graph.layers.push_back(std::move(*layer));
  }
  auto metadata = metadata_from_json(json, path);
  if (!metadata) return fail(metadata.error());
  graph.metadata = std::move(*metadata);
  if (auto status = tflite::check_graph(graph); !status) {
    return fail(ErrorCode::kCorrupt, "field '{}': {}", path, status.error().message());
  }
  return graph;
}

}  // namespace aiotops::quant
