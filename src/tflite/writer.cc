#include "tflite/writer.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "tflite/graph_checks.h"
#include "tflite/metadata.h"
#include "tflite/ops.h"
#include "tflite/tflite_subset_generated.h"

namespace aiotops::tflite {
namespace {

static_assert(std::endian::native == std::endian::little,
              "TFLite buffers are little-endian; this writer copies host values as they are");

namespace fb = ::flatbuffers;
namespace tfl = ::tflite;

// Alignment of every buffer's data in the file (TFLite's schema asks 16).
constexpr size_t kBufferAlignment = 16;

struct Quantization {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
};

Quantization per_tensor(QuantParams params) { return {{params.scale}, {params.zero_point}}; }

// Builds the model bottom-up: buffers, tensors and operators are appended as the graph is
// walked, then assembled into one subgraph.
class ModelBuilder {
 public:
  ModelBuilder() {
    fbb_.ForceDefaults(true);
    buffers_.push_back(tfl::CreateBuffer(fbb_));  // buffer 0: the empty sentinel
  }

  // A constant's bytes in a new buffer; returns its index.
  uint32_t add_buffer(std::span<const uint8_t> bytes) {
    fbb_.ForceVectorAlignment(bytes.size(), 1, kBufferAlignment);
    const auto data = fbb_.CreateVector(bytes.data(), bytes.size());
    buffers_.push_back(tfl::CreateBuffer(fbb_, data));
    return static_cast<uint32_t>(buffers_.size() - 1);
  }

  template <typename T>
  uint32_t add_values(std::span<const T> values) {
    return add_buffer({reinterpret_cast<const uint8_t*>(values.data()), values.size_bytes()});
  }

  // A tensor; returns its index. `buffer` 0 = an activation (no data).
  int32_t add_tensor(std::string_view name, tfl::TensorType type, std::vector<int32_t> shape,
                     uint32_t buffer, const std::optional<Quantization>& quantization) {
    fb::Offset<tfl::QuantizationParameters> q = 0;
    if (quantization) {
      q = tfl::CreateQuantizationParameters(fbb_, 0, 0, fbb_.CreateVector(quantization->scales),
                                            fbb_.CreateVector(quantization->zero_points),
                                            tfl::QuantizationDetails::NONE, 0,
                                            /*quantized_dimension=*/0);
    }
    tensors_.push_back(tfl::CreateTensor(fbb_, fbb_.CreateVector(shape), type, buffer,
                                         fbb_.CreateString(name.data(), name.size()), q,
                                         /*is_variable=*/false));
    return static_cast<int32_t>(tensors_.size() - 1);
  }

  void add_operator(tfl::BuiltinOperator op, int32_t version, std::vector<int32_t> inputs,
                    std::vector<int32_t> outputs,
                    std::optional<tfl::ActivationFunctionType> fully_connected = std::nullopt) {
    auto options_type = tfl::BuiltinOptions::NONE;
    fb::Offset<void> options = 0;
    if (fully_connected) {
      options_type = tfl::BuiltinOptions::FullyConnectedOptions;
      options = tfl::CreateFullyConnectedOptions(fbb_, *fully_connected,
                                                 tfl::FullyConnectedOptionsWeightsFormat::DEFAULT,
                                                 /*keep_num_dims=*/false,
                                                 /*asymmetric_quantize_inputs=*/false)
                    .Union();
    }
    operators_.push_back(tfl::CreateOperator(fbb_, opcode_index(op, version),
                                             fbb_.CreateVector(inputs), fbb_.CreateVector(outputs),
                                             options_type, options));
  }

  std::string finish(int32_t input, int32_t output, const GraphMetadata& metadata) {
    const std::string json = metadata_to_json(metadata);
    const uint32_t metadata_buffer =
        add_buffer({reinterpret_cast<const uint8_t*>(json.data()), json.size()});
    std::vector<fb::Offset<tfl::Metadata>> entries{tfl::CreateMetadata(
        fbb_, fbb_.CreateString(kMetadataName.data(), kMetadataName.size()), metadata_buffer)};
    const std::vector<int32_t> inputs{input};
    const std::vector<int32_t> outputs{output};
    const auto subgraph = tfl::CreateSubGraph(
        fbb_, fbb_.CreateVector(tensors_), fbb_.CreateVector(inputs), fbb_.CreateVector(outputs),
        fbb_.CreateVector(operators_), fbb_.CreateString("main"));
    const std::vector<fb::Offset<tfl::SubGraph>> subgraphs{subgraph};
    // Both code fields: deprecated_builtin_code for readers that predate builtin_code (all our
    // codes are below 127), builtin_code for the current ones.
    std::vector<fb::Offset<tfl::OperatorCode>> codes;
    for (const auto& [op, version] : code_keys_) {
      codes.push_back(tfl::CreateOperatorCode(fbb_, static_cast<int8_t>(op), 0, version, op));
    }
    const std::string description =
        fmt::format("aiotops {} {}", metadata.model_name, metadata.model_version);
    const auto model = tfl::CreateModel(
        fbb_, kSchemaVersion, fbb_.CreateVector(codes), fbb_.CreateVector(subgraphs),
        fbb_.CreateString(description), fbb_.CreateVector(buffers_), 0, fbb_.CreateVector(entries));
    tfl::FinishModelBuffer(fbb_, model);
    return std::string(reinterpret_cast<const char*>(fbb_.GetBufferPointer()), fbb_.GetSize());
  }

 private:
  // One operator code per builtin, with the highest version its operators need (a runtime that
  // has FULLY_CONNECTED version 4 also runs the float version 1 form).
  uint32_t opcode_index(tfl::BuiltinOperator op, int32_t version) {
    for (size_t i = 0; i < code_keys_.size(); ++i) {
      if (code_keys_[i].first == op) {
        code_keys_[i].second = std::max(code_keys_[i].second, version);
        return static_cast<uint32_t>(i);
      }
    }
    code_keys_.emplace_back(op, version);
    return static_cast<uint32_t>(code_keys_.size() - 1);
  }

  fb::FlatBufferBuilder fbb_{4096};
  std::vector<fb::Offset<tfl::Buffer>> buffers_;
  std::vector<fb::Offset<tfl::Tensor>> tensors_;
  std::vector<fb::Offset<tfl::Operator>> operators_;
  std::vector<std::pair<tfl::BuiltinOperator, int32_t>> code_keys_;
};

tfl::ActivationFunctionType fused(Activation activation) {
  return activation == Activation::kRelu ? tfl::ActivationFunctionType::RELU
                                         : tfl::ActivationFunctionType::NONE;
}

std::string layer_output_name(const Graph& graph, size_t l) {
  return l + 1 == graph.layers.size() ? "logit" : fmt::format("dense_{}/output", l);
}

// The graph's standardization as a float32 FULLY_CONNECTED with weights diag(1 / scale) and bias
// -mean / scale, reading `x`; returns its output ("standardized"), or `x` when there is none.
int32_t add_standardize(ModelBuilder& b, const Graph& graph, int32_t x) {
  if (graph.standardize.empty()) return x;
  const size_t n = graph.inputs;
  std::vector<float> weights(n * n, 0.0f);
  std::vector<float> bias(n);
  for (size_t i = 0; i < n; ++i) {
    const double scale = graph.standardize.scale[i];
    weights[i * n + i] = static_cast<float>(1.0 / scale);
    bias[i] = static_cast<float>(-graph.standardize.mean[i] / scale);
  }
  const auto f32 = tfl::TensorType::FLOAT32;
  const auto width = static_cast<int32_t>(n);
  const int32_t w = b.add_tensor("standardize/weights", f32, {width, width},
                                 b.add_values<float>(weights), std::nullopt);
  const int32_t c =
      b.add_tensor("standardize/bias", f32, {width}, b.add_values<float>(bias), std::nullopt);
  const int32_t y = b.add_tensor("standardized", f32, {1, width}, 0, std::nullopt);
  b.add_operator(tfl::BuiltinOperator::FULLY_CONNECTED,
                 operator_version(tfl::BuiltinOperator::FULLY_CONNECTED, false), {x, w, c}, {y},
                 tfl::ActivationFunctionType::NONE);
  return y;
}

std::string write_float(const Graph& graph) {
  GraphMetadata metadata = graph.metadata;
  metadata.device_standardize = {};
  ModelBuilder b;
  const auto f32 = tfl::TensorType::FLOAT32;
  const int32_t version = operator_version(tfl::BuiltinOperator::FULLY_CONNECTED, false);
  const int32_t input =
      b.add_tensor("input", f32, {1, static_cast<int32_t>(graph.inputs)}, 0, std::nullopt);
  int32_t x = add_standardize(b, graph, input);
  for (size_t l = 0; l < graph.layers.size(); ++l) {
    const DenseLayer& layer = graph.layers[l];
    const auto outputs = static_cast<int32_t>(layer.outputs);
    const int32_t w = b.add_tensor(fmt::format("dense_{}/weights", l), f32,
                                   {outputs, static_cast<int32_t>(layer.inputs)},
                                   b.add_values<float>(layer.weights), std::nullopt);
    const int32_t bias = b.add_tensor(fmt::format("dense_{}/bias", l), f32, {outputs},
                                      b.add_values<float>(layer.bias), std::nullopt);
    const int32_t y = b.add_tensor(layer_output_name(graph, l), f32, {1, outputs}, 0, std::nullopt);
    b.add_operator(tfl::BuiltinOperator::FULLY_CONNECTED, version, {x, w, bias}, {y},
                   fused(layer.activation));
    x = y;
  }
  const int32_t score = b.add_tensor("score", f32, {1, 1}, 0, std::nullopt);
  b.add_operator(tfl::BuiltinOperator::LOGISTIC,
                 operator_version(tfl::BuiltinOperator::LOGISTIC, false), {x}, {score});
  return b.finish(input, score, metadata);
}

// Per-channel scales when the layer has one weight scale per output, else per-tensor.
Quantization weight_quantization(const DenseLayer& layer) {
  return {layer.weight_scales, std::vector<int64_t>(layer.weight_scales.size(), 0)};
}

// The bias is in the accumulator's scale: input scale x weight scale (per channel), zero 0.
Quantization bias_quantization(const DenseLayer& layer, float input_scale) {
  Quantization q;
  for (float s : layer.weight_scales) q.scales.push_back(input_scale * s);
  q.zero_points.assign(q.scales.size(), 0);
  return q;
}

std::string write_int8(const Graph& graph, const WriteOptions& options) {
  ModelBuilder b;
  const auto i8 = tfl::TensorType::INT8;
  const auto f32 = tfl::TensorType::FLOAT32;
  const std::vector<int32_t> input_shape{1, static_cast<int32_t>(graph.inputs)};
  int32_t input = 0;
  int32_t x = 0;
  GraphMetadata metadata = graph.metadata;
  metadata.device_standardize = {};
  if (options.int8_io) {
    input = x = b.add_tensor("input", i8, input_shape, 0, per_tensor(graph.input));
    metadata.device_standardize = graph.standardize;
  } else {
    input = b.add_tensor("input", f32, input_shape, 0, std::nullopt);
    const int32_t standardized = add_standardize(b, graph, input);
    x = b.add_tensor("input_int8", i8, input_shape, 0, per_tensor(graph.input));
    b.add_operator(tfl::BuiltinOperator::QUANTIZE,
                   operator_version(tfl::BuiltinOperator::QUANTIZE, true), {standardized}, {x});
  }
  float input_scale = graph.input.scale;
  const int32_t version = operator_version(tfl::BuiltinOperator::FULLY_CONNECTED, true);
  for (size_t l = 0; l < graph.layers.size(); ++l) {
    const DenseLayer& layer = graph.layers[l];
    const auto outputs = static_cast<int32_t>(layer.outputs);
    const int32_t w = b.add_tensor(
        fmt::format("dense_{}/weights", l), i8, {outputs, static_cast<int32_t>(layer.inputs)},
        b.add_values<int8_t>(layer.weights_q), weight_quantization(layer));
    const int32_t bias =
        b.add_tensor(fmt::format("dense_{}/bias", l), tfl::TensorType::INT32, {outputs},
                     b.add_values<int32_t>(layer.bias_q), bias_quantization(layer, input_scale));
    const int32_t y =
        b.add_tensor(layer_output_name(graph, l), i8, {1, outputs}, 0, per_tensor(layer.output));
    b.add_operator(tfl::BuiltinOperator::FULLY_CONNECTED, version, {x, w, bias}, {y},
                   fused(layer.activation));
    x = y;
    input_scale = layer.output.scale;
  }
  const int32_t logistic_version = operator_version(tfl::BuiltinOperator::LOGISTIC, true);
  if (options.int8_io) {
    const int32_t score = b.add_tensor("score", i8, {1, 1}, 0, per_tensor(graph.output));
    b.add_operator(tfl::BuiltinOperator::LOGISTIC, logistic_version, {x}, {score});
    return b.finish(input, score, metadata);
  }
  const int32_t score_q = b.add_tensor("score_int8", i8, {1, 1}, 0, per_tensor(graph.output));
  b.add_operator(tfl::BuiltinOperator::LOGISTIC, logistic_version, {x}, {score_q});
  const int32_t score = b.add_tensor("score", f32, {1, 1}, 0, std::nullopt);
  b.add_operator(tfl::BuiltinOperator::DEQUANTIZE,
                 operator_version(tfl::BuiltinOperator::DEQUANTIZE, true), {score_q}, {score});
  return b.finish(input, score, metadata);
}

}  // namespace

Result<std::string> write_tflite(const Graph& graph, const WriteOptions& options) {
  if (auto status = check_graph(graph); !status) return fail(status.error());
  if (graph.type == TensorType::kFloat32) {
    if (options.int8_io) {
      return fail(ErrorCode::kInvalidArgument, "int8 input/output needs an int8 (quantized) model");
    }
    return write_float(graph);
  }
  return write_int8(graph, options);
}

}  // namespace aiotops::tflite
