#pragma once
// Hand-built .tflite models for the micro tests (header-only, test use only): a ModelSpec lists
// tensors, operators and graph I/O directly, so each test can break exactly one rule. The
// baseline specs are small logistic regressions whose outputs are computed by hand.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tflite/tflite_subset_generated.h"

namespace aiotops::micro::testing {

// TFLite builtin codes used by the tests.
inline constexpr int32_t kConv2d = 3;
inline constexpr int32_t kDequantize = 6;
inline constexpr int32_t kFullyConnected = 9;
inline constexpr int32_t kLogistic = 14;
inline constexpr int32_t kRelu = 19;
inline constexpr int32_t kQuantize = 114;

struct TensorSpec {
  std::string name;
  ::tflite::TensorType type = ::tflite::TensorType::FLOAT32;
  std::vector<int32_t> shape;
  std::vector<uint8_t> data;  // constant bytes; empty for activations
  std::vector<float> scales;  // empty: no quantization table
  std::vector<int64_t> zero_points;
  int32_t quantized_dimension = 0;
  bool is_variable = false;
  int64_t buffer = -1;  // >= 0: this buffer index instead of the one holding `data`
};

struct OpSpec {
  int32_t code = kFullyConnected;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  ::tflite::ActivationFunctionType activation = ::tflite::ActivationFunctionType::NONE;
  ::tflite::FullyConnectedOptionsWeightsFormat weights_format =
      ::tflite::FullyConnectedOptionsWeightsFormat::DEFAULT;
  int64_t opcode_index = -1;  // >= 0: this index instead of the operator's own code
};

struct ModelSpec {
  uint32_t version = 3;
  size_t subgraphs = 1;  // copies of the one subgraph
  std::vector<TensorSpec> tensors;
  std::vector<OpSpec> ops;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  std::vector<std::pair<std::string, std::string>> metadata;  // name -> bytes
};

inline TensorSpec tensor(std::string name, ::tflite::TensorType type, std::vector<int32_t> shape,
                         std::vector<uint8_t> data = {}, std::vector<float> scales = {},
                         std::vector<int64_t> zero_points = {}) {
  TensorSpec t;
  t.name = std::move(name);
  t.type = type;
  t.shape = std::move(shape);
  t.data = std::move(data);
  t.scales = std::move(scales);
  t.zero_points = std::move(zero_points);
  return t;
}

inline OpSpec op(
    int32_t code, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
    ::tflite::ActivationFunctionType activation = ::tflite::ActivationFunctionType::NONE) {
  OpSpec o;
  o.code = code;
  o.inputs = std::move(inputs);
  o.outputs = std::move(outputs);
  o.activation = activation;
  return o;
}

template <typename T>
std::vector<uint8_t> bytes_of(std::vector<T> values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// Model bytes at a 16-byte-aligned address, as firmware and file loaders provide them.
class AlignedModel {
 public:
  explicit AlignedModel(std::string_view bytes) : size_(bytes.size()) {
    storage_.resize((bytes.size() + sizeof(Chunk) - 1) / sizeof(Chunk) + 1);
    std::memcpy(storage_.data(), bytes.data(), bytes.size());
  }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(storage_.data()); }
  uint8_t* data() { return reinterpret_cast<uint8_t*>(storage_.data()); }
  size_t size() const { return size_; }

 private:
  struct alignas(16) Chunk {
    uint8_t bytes[16];
  };
  std::vector<Chunk> storage_;
  size_t size_;
};

inline std::string build_model(const ModelSpec& spec) {
  namespace fb = ::flatbuffers;
  namespace tfl = ::tflite;
  fb::FlatBufferBuilder fbb;
  std::vector<fb::Offset<tfl::Buffer>> buffers{tfl::CreateBuffer(fbb)};
  auto add_buffer = [&](const std::string_view bytes) {
    fbb.ForceVectorAlignment(bytes.size(), 1, 16);
    const auto data =
        fbb.CreateVector(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    buffers.push_back(tfl::CreateBuffer(fbb, data));
    return static_cast<uint32_t>(buffers.size() - 1);
  };
  std::vector<fb::Offset<tfl::Tensor>> tensors;
  for (const TensorSpec& t : spec.tensors) {
    uint32_t buffer = 0;
    if (!t.data.empty()) {
      buffer = add_buffer({reinterpret_cast<const char*>(t.data.data()), t.data.size()});
    }
    if (t.buffer >= 0) buffer = static_cast<uint32_t>(t.buffer);
    fb::Offset<tfl::QuantizationParameters> q = 0;
    if (!t.scales.empty() || !t.zero_points.empty()) {
      q = tfl::CreateQuantizationParameters(
          fbb, 0, 0, fbb.CreateVector(t.scales), fbb.CreateVector(t.zero_points),
          tfl::QuantizationDetails::NONE, 0, t.quantized_dimension);
    }
    tensors.push_back(tfl::CreateTensor(fbb, fbb.CreateVector(t.shape), t.type, buffer,
                                        fbb.CreateString(t.name), q, t.is_variable));
  }
  std::vector<fb::Offset<tfl::OperatorCode>> codes;
  std::vector<fb::Offset<tfl::Operator>> ops;
  for (const OpSpec& op : spec.ops) {
    const auto code = static_cast<tfl::BuiltinOperator>(op.code);
    codes.push_back(tfl::CreateOperatorCode(fbb, static_cast<int8_t>(op.code < 127 ? op.code : 127),
                                            0, 1, code));
    auto options_type = tfl::BuiltinOptions::NONE;
    fb::Offset<void> options = 0;
    if (op.code == kFullyConnected) {
      options_type = tfl::BuiltinOptions::FullyConnectedOptions;
      options = tfl::CreateFullyConnectedOptions(fbb, op.activation, op.weights_format).Union();
    }
    const uint32_t opcode =
        op.opcode_index >= 0 ? static_cast<uint32_t>(op.opcode_index) : codes.size() - 1;
    ops.push_back(tfl::CreateOperator(fbb, opcode, fbb.CreateVector(op.inputs),
                                      fbb.CreateVector(op.outputs), options_type, options));
  }
  std::vector<fb::Offset<tfl::SubGraph>> subgraphs;
  for (size_t i = 0; i < spec.subgraphs; ++i) {
    subgraphs.push_back(tfl::CreateSubGraph(fbb, fbb.CreateVector(tensors),
                                            fbb.CreateVector(spec.inputs),
                                            fbb.CreateVector(spec.outputs), fbb.CreateVector(ops)));
  }
  std::vector<fb::Offset<tfl::Metadata>> metadata;
  for (const auto& [name, bytes] : spec.metadata) {
    const uint32_t buffer = add_buffer(bytes);
    metadata.push_back(tfl::CreateMetadata(fbb, fbb.CreateString(name), buffer));
  }
  const auto model =
      tfl::CreateModel(fbb, spec.version, fbb.CreateVector(codes), fbb.CreateVector(subgraphs), 0,
                       fbb.CreateVector(buffers), 0, fbb.CreateVector(metadata));
  tfl::FinishModelBuffer(fbb, model);
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

// An int8 logistic regression on two features, float in and out, computed by hand:
//   QUANTIZE (scale 0.5, zp 0): [1.0, 2.0] -> [2, 4]
//   FULLY_CONNECTED: weights [3, -1] (scale 0.1), bias 5 (scale 0.05), output scale 0.2 zp 0:
//     acc = 5 + 6 - 4 = 7; 7 * 0.05 / 0.2 = 1.75 -> 2
//   LOGISTIC: 2 * 0.2 = 0.4; 1 / (1 + e^-0.4) = 0.598688 -> round(153.26) - 128 = 25
//   DEQUANTIZE: (25 + 128) / 256 = 0.59765625
// Tensors: 0 input, 1 input_int8, 2 weights, 3 bias, 4 logit, 5 score_int8, 6 score.
inline ModelSpec int8_logistic_regression() {
  using ::tflite::TensorType;
  ModelSpec spec;
  spec.tensors = {
      tensor("input", TensorType::FLOAT32, {1, 2}),
      tensor("input_int8", TensorType::INT8, {1, 2}, {}, {0.5f}, {0}),
      tensor("weights", TensorType::INT8, {1, 2}, bytes_of<int8_t>({3, -1}), {0.1f}, {0}),
      tensor("bias", TensorType::INT32, {1}, bytes_of<int32_t>({5}), {0.05f}, {0}),
      tensor("logit", TensorType::INT8, {1, 1}, {}, {0.2f}, {0}),
      tensor("score_int8", TensorType::INT8, {1, 1}, {}, {1.0f / 256.0f}, {-128}),
      tensor("score", TensorType::FLOAT32, {1, 1}),
  };
  spec.ops = {
      op(kQuantize, {0}, {1}),
      op(kFullyConnected, {1, 2, 3}, {4}),
      op(kLogistic, {4}, {5}),
      op(kDequantize, {5}, {6}),
  };
  spec.inputs = {0};
  spec.outputs = {6};
  spec.metadata = {{"notes", R"({"model":"hand"})"}};
  return spec;
}

// A float logistic regression: logit = 0.5 x0 - 0.25 x1 + 0.125, then LOGISTIC.
// Tensors: 0 input, 1 weights, 2 bias, 3 logit, 4 score.
inline ModelSpec float_logistic_regression() {
  using ::tflite::TensorType;
  ModelSpec spec;
  spec.tensors = {
      tensor("input", TensorType::FLOAT32, {1, 2}),
      tensor("weights", TensorType::FLOAT32, {1, 2}, bytes_of<float>({0.5f, -0.25f})),
      tensor("bias", TensorType::FLOAT32, {1}, bytes_of<float>({0.125f})),
      tensor("logit", TensorType::FLOAT32, {1, 1}),
      tensor("score", TensorType::FLOAT32, {1, 1}),
  };
  spec.ops = {
      op(kFullyConnected, {0, 1, 2}, {3}),
      op(kLogistic, {3}, {4}),
  };
  spec.inputs = {0};
  spec.outputs = {4};
  return spec;
}

}  // namespace aiotops::micro::testing
