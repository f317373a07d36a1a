#include "tflite/writer.h"

#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tflite/ops.h"
#include "tflite/reader.h"
#include "tflite/test_models.h"

namespace aiotops::tflite {
namespace {

namespace tfl = ::tflite;
using ::testing::ElementsAre;

ModelSummary write_and_read(const Graph& graph, const WriteOptions& options = {}) {
  auto bytes = write_tflite(graph, options);
  if (!bytes) {
    ADD_FAILURE() << bytes.error().message();
    return {};
  }
  auto summary = read_tflite(*bytes);
  if (!summary) {
    ADD_FAILURE() << summary.error().message();
    return {};
  }
  return std::move(*summary);
}

std::vector<std::string> tensor_names(const ModelSummary& s) {
  std::vector<std::string> names;
  for (const auto& t : s.tensors) names.push_back(t.name);
  return names;
}

std::vector<tfl::BuiltinOperator> ops(const ModelSummary& s) {
  std::vector<tfl::BuiltinOperator> result;
  for (const auto& op : s.operators) result.push_back(op.op);
  return result;
}

template <typename T>
std::vector<T> values(const TensorSummary& t) {
  std::vector<T> v(t.data.size() / sizeof(T));
  std::memcpy(v.data(), t.data.data(), v.size() * sizeof(T));
  return v;
}

const TensorSummary& tensor(const ModelSummary& s, int32_t index) {
  return s.tensors.at(static_cast<size_t>(index));
}

// Facts every file we write has, whatever the model: what TFLite, TFLite Micro and Arm NN need.
void expect_common_facts(const ModelSummary& s, bool int8) {
  EXPECT_EQ(s.schema_version, 3u);
  EXPECT_EQ(s.subgraph_count, 1u);
  std::set<std::string> names;
  for (const auto& t : s.tensors) {
    EXPECT_FALSE(t.name.empty());
    EXPECT_TRUE(names.insert(t.name).second) << "duplicate tensor name " << t.name;
    if (t.type == tfl::TensorType::INT8 || t.type == tfl::TensorType::INT32) {
      EXPECT_TRUE(t.has_quantization()) << t.name;
    }
  }
  for (const auto& op : s.operators) {
    EXPECT_EQ(op.builtin_code, static_cast<int32_t>(op.op));
    EXPECT_EQ(op.deprecated_builtin_code, static_cast<int32_t>(op.op));
    EXPECT_EQ(op.version, operator_version(op.op, int8)) << operator_name(op.op);
    if (op.op == tfl::BuiltinOperator::FULLY_CONNECTED) {
      EXPECT_EQ(op.options_type, tfl::BuiltinOptions::FullyConnectedOptions);
      ASSERT_EQ(op.inputs.size(), 3u);
      EXPECT_GE(op.inputs[2], 0) << "FULLY_CONNECTED without a bias";
      EXPECT_TRUE(tensor(s, op.inputs[1]).is_constant());
      EXPECT_TRUE(tensor(s, op.inputs[2]).is_constant());
    }
  }
}

TEST(WriterTest, FloatLogisticRegression) {
  const Graph graph = testing::float_graph(testing::logistic_model());
  const ModelSummary s = write_and_read(graph);
  expect_common_facts(s, false);
  EXPECT_THAT(tensor_names(s),
              ElementsAre("input", "dense_0/weights", "dense_0/bias", "logit", "score"));
  EXPECT_THAT(ops(s),
              ElementsAre(tfl::BuiltinOperator::FULLY_CONNECTED, tfl::BuiltinOperator::LOGISTIC));
  EXPECT_THAT(s.inputs, ElementsAre(0));
  EXPECT_THAT(s.outputs, ElementsAre(4));
  EXPECT_THAT(s.tensors[0].shape, ElementsAre(1, 4));
  EXPECT_EQ(s.tensors[0].type, tfl::TensorType::FLOAT32);
  EXPECT_THAT(s.tensors[1].shape, ElementsAre(1, 4));
  EXPECT_EQ(values<float>(s.tensors[1]), graph.layers[0].weights);
  EXPECT_EQ(values<float>(s.tensors[2]), graph.layers[0].bias);
  EXPECT_THAT(s.operators[0].inputs, ElementsAre(0, 1, 2));
  EXPECT_EQ(s.operators[0].fused_activation, tfl::ActivationFunctionType::NONE);
  EXPECT_EQ(s.constant_bytes, 5u * sizeof(float));
  EXPECT_EQ(s.description, "aiotops motor 3");
}

TEST(WriterTest, FloatMlpFusesReluOnHiddenLayers) {
  const Graph graph = testing::float_graph(testing::mlp_model({8, 6}));
  const ModelSummary s = write_and_read(graph);
  expect_common_facts(s, false);
  EXPECT_THAT(
      ops(s),
      ElementsAre(tfl::BuiltinOperator::FULLY_CONNECTED, tfl::BuiltinOperator::FULLY_CONNECTED,
                  tfl::BuiltinOperator::FULLY_CONNECTED, tfl::BuiltinOperator::LOGISTIC));
  EXPECT_EQ(s.operators[0].fused_activation, tfl::ActivationFunctionType::RELU);
  EXPECT_EQ(s.operators[1].fused_activation, tfl::ActivationFunctionType::RELU);
  EXPECT_EQ(s.operators[2].fused_activation, tfl::ActivationFunctionType::NONE);
  EXPECT_THAT(tensor(s, s.operators[1].inputs[1]).shape, ElementsAre(6, 8));
  EXPECT_EQ(values<float>(tensor(s, s.operators[1].inputs[1])), graph.layers[1].weights);
  EXPECT_EQ(tensor(s, s.operators[0].outputs[0]).name, "dense_0/output");
  EXPECT_EQ(tensor(s, s.operators[2].outputs[0]).name, "logit");
}

TEST(WriterTest, Int8WithFloatInputAndOutput) {
  const Graph graph = testing::int8_graph(testing::float_graph(testing::mlp_model({8, 6})), false);
  const ModelSummary s = write_and_read(graph);
  expect_common_facts(s, true);
  EXPECT_THAT(
      ops(s),
      ElementsAre(tfl::BuiltinOperator::QUANTIZE, tfl::BuiltinOperator::FULLY_CONNECTED,
                  tfl::BuiltinOperator::FULLY_CONNECTED, tfl::BuiltinOperator::FULLY_CONNECTED,
                  tfl::BuiltinOperator::LOGISTIC, tfl::BuiltinOperator::DEQUANTIZE));
  const TensorSummary& input = tensor(s, s.inputs.at(0));
  EXPECT_EQ(input.type, tfl::TensorType::FLOAT32);
  const TensorSummary& output = tensor(s, s.outputs.at(0));
  EXPECT_EQ(output.type, tfl::TensorType::FLOAT32);
  EXPECT_EQ(output.name, "score");

  const TensorSummary& quantized_input = tensor(s, s.operators[0].outputs[0]);
  EXPECT_EQ(quantized_input.type, tfl::TensorType::INT8);
  EXPECT_THAT(quantized_input.scales, ElementsAre(0.5f));
  EXPECT_THAT(quantized_input.zero_points, ElementsAre(-3));

  float input_scale = graph.input.scale;
  for (size_t l = 0; l < 3; ++l) {
    const OperatorSummary& fc = s.operators[l + 1];
    const TensorSummary& weights = tensor(s, fc.inputs[1]);
    const TensorSummary& bias = tensor(s, fc.inputs[2]);
    const TensorSummary& out = tensor(s, fc.outputs[0]);
    EXPECT_EQ(weights.type, tfl::TensorType::INT8);
    EXPECT_EQ(values<int8_t>(weights), graph.layers[l].weights_q);
    EXPECT_THAT(weights.scales, ElementsAre(graph.layers[l].weight_scales[0]));
    EXPECT_THAT(weights.zero_points, ElementsAre(0));
    EXPECT_EQ(bias.type, tfl::TensorType::INT32);
    EXPECT_EQ(values<int32_t>(bias), graph.layers[l].bias_q);
    EXPECT_THAT(bias.scales, ElementsAre(input_scale * graph.layers[l].weight_scales[0]));
    EXPECT_THAT(bias.zero_points, ElementsAre(0));
    EXPECT_THAT(out.scales, ElementsAre(graph.layers[l].output.scale));
    EXPECT_THAT(out.zero_points, ElementsAre(graph.layers[l].output.zero_point));
    input_scale = graph.layers[l].output.scale;
  }
  const TensorSummary& score_q = tensor(s, s.operators[4].outputs[0]);
  EXPECT_EQ(score_q.type, tfl::TensorType::INT8);
  EXPECT_THAT(score_q.scales, ElementsAre(1.0f / 256.0f));
  EXPECT_THAT(score_q.zero_points, ElementsAre(-128));
}

TEST(WriterTest, Int8PerChannelWeightsHaveOneScalePerOutput) {
  const Graph graph = testing::int8_graph(testing::float_graph(testing::mlp_model({8, 6})), true);
  const ModelSummary s = write_and_read(graph);
  expect_common_facts(s, true);
  const OperatorSummary& fc = s.operators[1];
  const TensorSummary& weights = tensor(s, fc.inputs[1]);
  const TensorSummary& bias = tensor(s, fc.inputs[2]);
  EXPECT_EQ(weights.quantized_dimension, 0);
  EXPECT_EQ(weights.scales, graph.layers[0].weight_scales);
  EXPECT_EQ(weights.zero_points, std::vector<int64_t>(8, 0));
  ASSERT_EQ(bias.scales.size(), 8u);
  for (size_t o = 0; o < 8; ++o) {
    EXPECT_EQ(bias.scales[o], graph.input.scale * graph.layers[0].weight_scales[o]);
  }
  EXPECT_EQ(bias.zero_points, std::vector<int64_t>(8, 0));
}

TEST(WriterTest, Int8WithRawInt8InputAndOutput) {
  const Graph graph = testing::int8_graph(testing::float_graph(testing::logistic_model()), false);
  const ModelSummary s = write_and_read(graph, WriteOptions{.int8_io = true});
  expect_common_facts(s, true);
  EXPECT_THAT(ops(s),
              ElementsAre(tfl::BuiltinOperator::FULLY_CONNECTED, tfl::BuiltinOperator::LOGISTIC));
  const TensorSummary& input = tensor(s, s.inputs.at(0));
  EXPECT_EQ(input.type, tfl::TensorType::INT8);
  EXPECT_THAT(input.scales, ElementsAre(0.5f));
  const TensorSummary& output = tensor(s, s.outputs.at(0));
  EXPECT_EQ(output.type, tfl::TensorType::INT8);
  EXPECT_THAT(output.zero_points, ElementsAre(-128));
}

TEST(WriterTest, MetadataTravelsInTheFile) {
  const Graph graph = testing::float_graph(testing::svm_model());
  const ModelSummary s = write_and_read(graph);
  ASSERT_EQ(s.metadata.size(), 1u);
  EXPECT_EQ(s.metadata[0].name, "aiotops");
  ASSERT_TRUE(s.aiotops.has_value());
  EXPECT_EQ(s.aiotops->model_name, "motor");
  EXPECT_EQ(s.aiotops->model_version, "3");
  EXPECT_EQ(s.aiotops->feature_names, graph.metadata.feature_names);
  EXPECT_EQ(s.aiotops->threshold, graph.metadata.threshold);
  EXPECT_EQ(s.aiotops->alert_level_names, graph.metadata.alert_level_names);
  EXPECT_EQ(s.aiotops->alert_level_from, graph.metadata.alert_level_from);
  EXPECT_EQ(s.aiotops->dataset_sha256, graph.metadata.dataset_sha256);
}

TEST(WriterTest, FileIdentifierBufferZeroAndAlignment) {
  const Graph graph = testing::int8_graph(testing::float_graph(testing::mlp_model({8, 6})), true);
  auto bytes = write_tflite(graph);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(bytes->substr(4, 4), "TFL3");
  EXPECT_EQ(bytes->size() % 16, 0u);
  // In 16-aligned storage, as a device would hold it.
  std::vector<uint64_t> storage(bytes->size() / 8 + 2);
  auto* base = reinterpret_cast<uint8_t*>(storage.data());
  base += (16 - reinterpret_cast<uintptr_t>(base) % 16) % 16;
  std::memcpy(base, bytes->data(), bytes->size());
  const tfl::Model* model = tfl::GetModel(base);
  const auto* buffers = model->buffers();
  ASSERT_GE(buffers->size(), 2u);
  EXPECT_TRUE(buffers->Get(0)->data() == nullptr || buffers->Get(0)->data()->size() == 0);
  for (size_t i = 1; i < buffers->size(); ++i) {
    const auto* data = buffers->Get(static_cast<flatbuffers::uoffset_t>(i))->data();
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(data->data()) % 16, 0u) << "buffer " << i;
  }
  // Activations use the sentinel.
  for (const auto* t : *model->subgraphs()->Get(0)->tensors()) {
    if (t->name()->str() == "input") {
      EXPECT_EQ(t->buffer(), 0u);
    }
  }
}

TEST(WriterTest, StandardizationIsADiagonalFloatLayerAtTheInput) {
  const Graph graph = testing::float_graph(testing::logistic_model(), testing::unfolded());
  const ModelSummary s = write_and_read(graph);
  expect_common_facts(s, false);
  EXPECT_THAT(tensor_names(s),
              ElementsAre("input", "standardize/weights", "standardize/bias", "standardized",
                          "dense_0/weights", "dense_0/bias", "logit", "score"));
  EXPECT_THAT(ops(s),
              ElementsAre(tfl::BuiltinOperator::FULLY_CONNECTED,
                          tfl::BuiltinOperator::FULLY_CONNECTED, tfl::BuiltinOperator::LOGISTIC));
  const std::vector<float> w = values<float>(s.tensors[1]);
  ASSERT_EQ(w.size(), 16u);
  for (size_t r = 0; r < 4; ++r) {
    for (size_t c = 0; c < 4; ++c) {
      EXPECT_EQ(w[r * 4 + c], r == c ? static_cast<float>(1.0 / graph.standardize.scale[r]) : 0.0f);
    }
  }
  EXPECT_EQ(values<float>(s.tensors[2])[0],
            static_cast<float>(-double{graph.standardize.mean[0]} / graph.standardize.scale[0]));
  EXPECT_THAT(s.operators[1].inputs, ElementsAre(3, 4, 5));
  ASSERT_TRUE(s.aiotops.has_value());
  EXPECT_TRUE(s.aiotops->device_standardize.empty());
}

TEST(WriterTest, Int8StandardizesInFloatBeforeQuantize) {
  const Graph graph = testing::int8_graph(
      testing::float_graph(testing::mlp_model({8, 6}), testing::unfolded()), false);
  const ModelSummary s = write_and_read(graph);
  expect_common_facts(s, true);
  EXPECT_THAT(
      ops(s),
      ElementsAre(tfl::BuiltinOperator::FULLY_CONNECTED, tfl::BuiltinOperator::QUANTIZE,
                  tfl::BuiltinOperator::FULLY_CONNECTED, tfl::BuiltinOperator::FULLY_CONNECTED,
                  tfl::BuiltinOperator::FULLY_CONNECTED, tfl::BuiltinOperator::LOGISTIC,
                  tfl::BuiltinOperator::DEQUANTIZE));
  const OperatorSummary& standardize = s.operators[0];
  EXPECT_EQ(tensor(s, standardize.inputs[1]).type, tfl::TensorType::FLOAT32);
  EXPECT_EQ(tensor(s, standardize.outputs[0]).name, "standardized");
  EXPECT_EQ(s.operators[1].inputs[0], standardize.outputs[0]);
  ASSERT_TRUE(s.aiotops.has_value());
  EXPECT_TRUE(s.aiotops->device_standardize.empty());
}

TEST(WriterTest, Int8IoLeavesStandardizationToTheDevice) {
  const Graph graph = testing::int8_graph(
      testing::float_graph(testing::logistic_model(), testing::unfolded()), false);
  const ModelSummary s = write_and_read(graph, WriteOptions{.int8_io = true});
  expect_common_facts(s, true);
  EXPECT_THAT(ops(s),
              ElementsAre(tfl::BuiltinOperator::FULLY_CONNECTED, tfl::BuiltinOperator::LOGISTIC));
  EXPECT_EQ(tensor(s, s.inputs.at(0)).type, tfl::TensorType::INT8);
  ASSERT_TRUE(s.aiotops.has_value());
  EXPECT_EQ(s.aiotops->device_standardize.mean, graph.standardize.mean);
  EXPECT_EQ(s.aiotops->device_standardize.scale, graph.standardize.scale);
}

TEST(WriterTest, SameGraphSameBytes) {
  const Graph graph = testing::float_graph(testing::mlp_model());
  auto first = write_tflite(graph);
  auto second = write_tflite(graph);
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(*first, *second);
}

TEST(WriterTest, RefusesInt8IoForFloatGraphs) {
  auto bytes =
      write_tflite(testing::float_graph(testing::logistic_model()), WriteOptions{.int8_io = true});
  ASSERT_FALSE(bytes.has_value());
  EXPECT_EQ(bytes.error().code(), ErrorCode::kInvalidArgument);
}

TEST(WriterTest, RefusesInconsistentGraphs) {
  Graph graph = testing::float_graph(testing::mlp_model({8, 6}));
  graph.layers[1].bias.pop_back();
  auto bytes = write_tflite(graph);
  ASSERT_FALSE(bytes.has_value());
  EXPECT_EQ(bytes.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bytes.error().message(), "layers[1].bias: 5 values, expected 6");
}

}  // namespace
}  // namespace aiotops::tflite
