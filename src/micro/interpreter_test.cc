#include "micro/interpreter.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "micro/test_model.h"

namespace aiotops::micro {
namespace {

using testing::AlignedModel;
using testing::build_model;
using testing::ModelSpec;

struct Loaded {
  explicit Loaded(const ModelSpec& spec, size_t arena_size = 4096)
      : model(build_model(spec)), arena(std::string(arena_size, '\0')) {
    status = interpreter.init(model.data(), model.size(), arena.data(), arena_size);
  }
  AlignedModel model;
  AlignedModel arena;
  Interpreter interpreter;
  Status status = Status::kOk;
};

Status init_status(const ModelSpec& spec) { return Loaded(spec).status; }

TEST(Interpreter, Int8LogisticRegressionGivesTheHandComputedScore) {
  Loaded loaded(testing::int8_logistic_regression());
  ASSERT_EQ(loaded.status, Status::kOk) << status_message(loaded.status);
  Interpreter& interpreter = loaded.interpreter;
  ASSERT_EQ(interpreter.input_count(), 1u);
  ASSERT_EQ(interpreter.output_count(), 1u);
  const float features[] = {1.0f, 2.0f};
  ASSERT_EQ(interpreter.set_input(0, features, 2), Status::kOk);
  ASSERT_EQ(interpreter.invoke(), Status::kOk);
  float score = 0.0f;
  ASSERT_EQ(interpreter.get_output(0, &score, 1), Status::kOk);
  EXPECT_EQ(score, 0.59765625f);
  EXPECT_EQ(interpreter.output(0).as_float()[0], 0.59765625f);
}

TEST(Interpreter, FloatLogisticRegressionGivesTheFormula) {
  Loaded loaded(testing::float_logistic_regression());
  ASSERT_EQ(loaded.status, Status::kOk) << status_message(loaded.status);
  const float features[] = {3.0f, -2.0f};
  ASSERT_EQ(loaded.interpreter.set_input(0, features, 2), Status::kOk);
  ASSERT_EQ(loaded.interpreter.invoke(), Status::kOk);
  float score = 0.0f;
  ASSERT_EQ(loaded.interpreter.get_output(0, &score, 1), Status::kOk);
  EXPECT_NEAR(score, 1.0 / (1.0 + std::exp(-2.125)), 1e-7);
}

TEST(Interpreter, RawInt8InputAndOutput) {
  // The hand model without QUANTIZE / DEQUANTIZE: input_int8 in, score_int8 out.
  ModelSpec spec = testing::int8_logistic_regression();
  spec.ops = {spec.ops[1], spec.ops[2]};
  spec.inputs = {1};
  spec.outputs = {5};
  Loaded loaded(spec);
  ASSERT_EQ(loaded.status, Status::kOk) << status_message(loaded.status);
  const TensorView in = loaded.interpreter.input(0);
  ASSERT_NE(in.as_int8(), nullptr);
  EXPECT_EQ(in.as_float(), nullptr);
  EXPECT_EQ(in.scale, 0.5f);
  in.as_int8()[0] = 2;
  in.as_int8()[1] = 4;
  ASSERT_EQ(loaded.interpreter.invoke(), Status::kOk);
  EXPECT_EQ(loaded.interpreter.output(0).as_int8()[0], 25);
  // set_input / get_output quantize and dequantize with the tensors' parameters.
  const float features[] = {1.0f, 2.0f};
  ASSERT_EQ(loaded.interpreter.set_input(0, features, 2), Status::kOk);
  EXPECT_EQ(in.as_int8()[1], 4);
  float score = 0.0f;
  ASSERT_EQ(loaded.interpreter.get_output(0, &score, 1), Status::kOk);
  EXPECT_EQ(score, 0.59765625f);
}

TEST(Interpreter, FusedReluAndReluOperator) {
  // Float: y = relu(x0 - x1), then a RELU operator (a no-op on it), then LOGISTIC.
  using ::tflite::TensorType;
  ModelSpec spec;
  spec.tensors = {
      testing::tensor("input", TensorType::FLOAT32, {1, 2}),
      testing::tensor("w", TensorType::FLOAT32, {1, 2}, testing::bytes_of<float>({1.0f, -1.0f})),
      testing::tensor("hidden", TensorType::FLOAT32, {1, 1}),
      testing::tensor("relu", TensorType::FLOAT32, {1, 1}),
      testing::tensor("score", TensorType::FLOAT32, {1, 1}),
  };
  spec.ops = {
      testing::op(testing::kFullyConnected, {0, 1, -1}, {2},
                  ::tflite::ActivationFunctionType::RELU),
      testing::op(testing::kRelu, {2}, {3}),
      testing::op(testing::kLogistic, {3}, {4}),
  };
  spec.inputs = {0};
  spec.outputs = {4};
  Loaded loaded(spec);
  ASSERT_EQ(loaded.status, Status::kOk) << status_message(loaded.status);
  for (const auto& [x0, expected] : {std::pair{1.0f, 0.5f}, std::pair{3.0f, 0.731059f}}) {
    const float features[] = {x0, 2.0f};
    ASSERT_EQ(loaded.interpreter.set_input(0, features, 2), Status::kOk);
    ASSERT_EQ(loaded.interpreter.invoke(), Status::kOk);
    EXPECT_NEAR(loaded.interpreter.output(0).as_float()[0], expected, 1e-6) << x0;
  }
}

TEST(Interpreter, ArenaRequirementIsKnownBeforeRunningAndEnforced) {
  const AlignedModel model(build_model(testing::int8_logistic_regression()));
  size_t needed = 0;
  ASSERT_EQ(arena_required(model.data(), model.size(), &needed), Status::kOk);
  // input 8 -> 16, input_int8 16, logit 16, score_int8 16, score 16; FC: bias 16 + one
  // multiplier 16; LOGISTIC table 256.
  EXPECT_EQ(needed, 5 * 16 + 32 + 256u);
  AlignedModel arena(std::string(needed + 16, '\0'));
  Interpreter interpreter;
  EXPECT_EQ(interpreter.init(model.data(), model.size(), arena.data(), needed - 1),
            Status::kArenaTooSmall);
  EXPECT_EQ(interpreter.arena_required(), needed);
  EXPECT_EQ(interpreter.invoke(), Status::kNotInitialized);
  ASSERT_EQ(interpreter.init(model.data(), model.size(), arena.data(), needed), Status::kOk);
  EXPECT_EQ(interpreter.arena_used(), needed);
  // A misaligned arena loses its first bytes to alignment.
  ASSERT_EQ(interpreter.init(model.data(), model.size(), arena.data() + 1, needed + 15),
            Status::kOk);
  EXPECT_EQ(interpreter.arena_used(), needed + 15);
  EXPECT_EQ(interpreter.init(model.data(), model.size(), arena.data() + 1, needed + 14),
            Status::kArenaTooSmall);
}

TEST(Interpreter, AccessorsRefuseBadCalls) {
  Interpreter fresh;
  float value = 0.0f;
  EXPECT_EQ(fresh.set_input(0, &value, 1), Status::kNotInitialized);
  EXPECT_EQ(fresh.get_output(0, &value, 1), Status::kNotInitialized);
  EXPECT_EQ(fresh.input(0).data, nullptr);
  EXPECT_EQ(fresh.input_count(), 0u);
  Loaded loaded(testing::int8_logistic_regression());
  ASSERT_EQ(loaded.status, Status::kOk);
  Interpreter& interpreter = loaded.interpreter;
  EXPECT_EQ(interpreter.set_input(1, &value, 1), Status::kBadIndex);
  EXPECT_EQ(interpreter.set_input(0, &value, 1), Status::kSizeMismatch);
  EXPECT_EQ(interpreter.set_input(0, nullptr, 2), Status::kNullArgument);
  EXPECT_EQ(interpreter.get_output(3, &value, 1), Status::kBadIndex);
  EXPECT_EQ(interpreter.output(1).data, nullptr);
  EXPECT_EQ(interpreter.input(0).as_int8(), nullptr);
  uint8_t arena[16];
  EXPECT_EQ(interpreter.init(nullptr, 100, arena, sizeof arena), Status::kNullArgument);
  EXPECT_EQ(interpreter.init(loaded.model.data(), loaded.model.size(), nullptr, 0),
            Status::kNullArgument);
  EXPECT_EQ(interpreter.input_count(), 0u);  // a failed init leaves it unusable
}

TEST(Interpreter, MetadataByName) {
  Loaded loaded(testing::int8_logistic_regression());
  ASSERT_EQ(loaded.status, Status::kOk);
  const uint8_t* data = nullptr;
  size_t size = 0;
  ASSERT_EQ(loaded.interpreter.metadata("notes", &data, &size), Status::kOk);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(data), size), R"({"model":"hand"})");
  EXPECT_EQ(loaded.interpreter.metadata("note", &data, &size), Status::kMetadataNotFound);
  EXPECT_EQ(loaded.interpreter.metadata("notesx", &data, &size), Status::kMetadataNotFound);
  EXPECT_EQ(loaded.interpreter.metadata("", &data, &size), Status::kMetadataNotFound);
}

// ---- Every class of malformed model gets its own status. ----

TEST(MalformedModel, TooSmallTruncatedOrBadIdentifier) {
  const std::string bytes = build_model(testing::int8_logistic_regression());
  size_t needed = 0;
  const AlignedModel tiny(bytes.substr(0, 7));
  EXPECT_EQ(arena_required(tiny.data(), tiny.size(), &needed), Status::kModelTooSmall);
  for (size_t cut : {bytes.size() / 2, bytes.size() - 1, size_t{12}}) {
    const AlignedModel truncated(bytes.substr(0, cut));
    EXPECT_EQ(arena_required(truncated.data(), truncated.size(), &needed), Status::kCorruptModel)
        << cut;
  }
  std::string renamed = bytes;
  renamed[4] = 'X';
  const AlignedModel bad_identifier(renamed);
  EXPECT_EQ(arena_required(bad_identifier.data(), bad_identifier.size(), &needed),
            Status::kBadIdentifier);
  const AlignedModel model(bytes);
  EXPECT_EQ(arena_required(model.data(), model.size(), nullptr), Status::kNullArgument);
  // The same bytes one byte off a 4-byte boundary.
  AlignedModel shifted(std::string(1, '\0') + bytes);
  EXPECT_EQ(arena_required(shifted.data() + 1, bytes.size(), &needed), Status::kMisalignedBuffer);
}

// Found by fuzz_micro: at an address 4 but not 8 bytes aligned, the verifier accepts a file whose
// int64 zero points are then misaligned (undefined behaviour to read as int64).
TEST(MalformedModel, Int64ZeroPointsOffTheirAlignment) {
  const std::string quantized = build_model(testing::int8_logistic_regression());
  AlignedModel four_off(std::string(4, '\0') + quantized);
  size_t needed = 0;
  EXPECT_EQ(arena_required(four_off.data() + 4, quantized.size(), &needed),
            Status::kMisalignedBuffer);
  // Without quantization parameters the same placement is fine.
  const std::string plain = build_model(testing::float_logistic_regression());
  AlignedModel float_four_off(std::string(4, '\0') + plain);
  EXPECT_EQ(arena_required(float_four_off.data() + 4, plain.size(), &needed), Status::kOk);
}

TEST(MalformedModel, GraphStructure) {
  ModelSpec spec = testing::int8_logistic_regression();
  spec.version = 2;
  EXPECT_EQ(init_status(spec), Status::kUnsupportedVersion);
  spec = testing::int8_logistic_regression();
  spec.subgraphs = 2;
  EXPECT_EQ(init_status(spec), Status::kSubgraphCount);
  spec.subgraphs = 0;
  EXPECT_EQ(init_status(spec), Status::kSubgraphCount);
  spec = testing::int8_logistic_regression();
  const testing::TensorSpec extra = spec.tensors[0];
  spec.tensors.resize(kMaxTensors + 1, extra);
  EXPECT_EQ(init_status(spec), Status::kTooManyTensors);
  spec = testing::float_logistic_regression();
  spec.ops.clear();
  EXPECT_EQ(init_status(spec), Status::kTooManyOperators);
  spec = testing::float_logistic_regression();
  spec.inputs.clear();
  EXPECT_EQ(init_status(spec), Status::kTooManyIo);
  spec = testing::float_logistic_regression();
  spec.outputs.assign(kMaxIo + 1, 4);
  EXPECT_EQ(init_status(spec), Status::kTooManyIo);
  spec = testing::float_logistic_regression();
  spec.outputs = {99};
  EXPECT_EQ(init_status(spec), Status::kBadTensorIndex);
  spec = testing::float_logistic_regression();
  spec.ops[1].inputs = {-1};
  EXPECT_EQ(init_status(spec), Status::kBadTensorIndex);
  spec = testing::float_logistic_regression();
  spec.ops[1].opcode_index = 7;
  EXPECT_EQ(init_status(spec), Status::kBadOpcodeIndex);
  spec = testing::float_logistic_regression();
  spec.ops[1].inputs = {3, 3};
  EXPECT_EQ(init_status(spec), Status::kBadOperatorArity);
  spec = testing::float_logistic_regression();
  spec.ops[0].outputs = {};
  EXPECT_EQ(init_status(spec), Status::kBadOperatorArity);
}

TEST(MalformedModel, UnsupportedOperatorsTypesAndOptions) {
  ModelSpec spec = testing::float_logistic_regression();
  spec.ops[1].code = testing::kConv2d;
  EXPECT_EQ(init_status(spec), Status::kUnsupportedOperator);
  spec = testing::float_logistic_regression();
  spec.ops[0].activation = ::tflite::ActivationFunctionType::RELU6;
  EXPECT_EQ(init_status(spec), Status::kUnsupportedOptions);
  spec = testing::float_logistic_regression();
  spec.ops[0].weights_format = ::tflite::FullyConnectedOptionsWeightsFormat::SHUFFLED4x16INT8;
  EXPECT_EQ(init_status(spec), Status::kUnsupportedOptions);
  spec = testing::float_logistic_regression();
  spec.tensors[3].type = ::tflite::TensorType::FLOAT16;
  EXPECT_EQ(init_status(spec), Status::kUnsupportedType);
  spec = testing::float_logistic_regression();
  spec.tensors[3].type = ::tflite::TensorType::INT32;  // logit int32: FULLY_CONNECTED mismatch
  EXPECT_EQ(init_status(spec), Status::kTypeMismatch);
  spec = testing::int8_logistic_regression();
  spec.ops.erase(spec.ops.begin());  // float input straight into the int8 FULLY_CONNECTED
  spec.ops[0].inputs[0] = 0;
  EXPECT_EQ(init_status(spec), Status::kTypeMismatch);
  spec = testing::int8_logistic_regression();
  spec.tensors[3].type = ::tflite::TensorType::INT8;  // int8 bias
  spec.tensors[3].data = {5};
  EXPECT_EQ(init_status(spec), Status::kTypeMismatch);
  spec = testing::float_logistic_regression();
  spec.tensors[3].is_variable = true;
  EXPECT_EQ(init_status(spec), Status::kBadDataflow);
}

TEST(MalformedModel, ShapesAndBuffers) {
  ModelSpec spec = testing::float_logistic_regression();
  spec.tensors[2].shape = {2};  // bias of 2 for one output
  spec.tensors[2].data = testing::bytes_of<float>({0.125f, 0.0f});
  EXPECT_EQ(init_status(spec), Status::kShapeMismatch);
  spec = testing::float_logistic_regression();
  spec.tensors[3].shape = {1, 2};  // logit of 2
  EXPECT_EQ(init_status(spec), Status::kShapeMismatch);
  spec = testing::float_logistic_regression();
  spec.tensors[0].shape = {1, 3};  // 3 inputs for a depth of 2
  EXPECT_EQ(init_status(spec), Status::kShapeMismatch);
  spec = testing::float_logistic_regression();
  spec.tensors[1].shape = {2};  // rank-1 weights
  EXPECT_EQ(init_status(spec), Status::kShapeMismatch);
  spec = testing::float_logistic_regression();
  spec.tensors[4].shape = {1, 2};  // LOGISTIC 1 -> 2
  EXPECT_EQ(init_status(spec), Status::kShapeMismatch);
  spec = testing::float_logistic_regression();
  spec.tensors[0].shape = {1, 0};
  EXPECT_EQ(init_status(spec), Status::kBadShape);
  spec.tensors[0].shape = {};
  EXPECT_EQ(init_status(spec), Status::kBadShape);
  spec.tensors[0].shape = {1, 1, 1, 1, 2};
  EXPECT_EQ(init_status(spec), Status::kBadShape);
  spec.tensors[0].shape = {65536, 65536};
  EXPECT_EQ(init_status(spec), Status::kBadShape);
  spec = testing::float_logistic_regression();
  spec.tensors[1].data.pop_back();
  EXPECT_EQ(init_status(spec), Status::kBufferSizeMismatch);
  spec = testing::float_logistic_regression();
  spec.tensors[1].buffer = 50;
  EXPECT_EQ(init_status(spec), Status::kBadBufferIndex);
  spec = testing::float_logistic_regression();
  spec.tensors[1].data.clear();  // weights without data
  EXPECT_EQ(init_status(spec), Status::kMissingConstant);
  spec = testing::float_logistic_regression();
  spec.tensors[1].shape = {1, 2000};
  spec.tensors[1].data = testing::bytes_of(std::vector<float>(2000, 0.0f));
  spec.tensors[0].shape = {1, 2000};
  EXPECT_EQ(init_status(spec), Status::kLayerTooWide);
}

TEST(MalformedModel, Dataflow) {
  ModelSpec spec = testing::float_logistic_regression();
  spec.ops = {spec.ops[1], spec.ops[0]};  // LOGISTIC reads the logit before it is written
  EXPECT_EQ(init_status(spec), Status::kBadDataflow);
  spec = testing::float_logistic_regression();
  spec.ops[1].outputs = {3};  // written twice (and read by its own writer)
  EXPECT_EQ(init_status(spec), Status::kBadDataflow);
  spec = testing::float_logistic_regression();
  spec.ops[1].outputs = {2};  // writes the bias
  EXPECT_EQ(init_status(spec), Status::kBadDataflow);
  spec = testing::float_logistic_regression();
  spec.outputs = {3, 4};
  spec.ops.pop_back();  // score never written
  EXPECT_EQ(init_status(spec), Status::kBadDataflow);
  spec = testing::float_logistic_regression();
  spec.inputs = {0, 0};
  EXPECT_EQ(init_status(spec), Status::kBadDataflow);
}

TEST(MalformedModel, Quantization) {
  ModelSpec spec = testing::int8_logistic_regression();
  spec.tensors[4].scales.clear();  // FULLY_CONNECTED output without parameters
  spec.tensors[4].zero_points.clear();
  EXPECT_EQ(init_status(spec), Status::kMissingQuantization);
  spec = testing::int8_logistic_regression();
  spec.tensors[2].scales.clear();  // weights without parameters
  spec.tensors[2].zero_points.clear();
  EXPECT_EQ(init_status(spec), Status::kMissingQuantization);
  spec = testing::int8_logistic_regression();
  spec.tensors[1].scales.clear();  // QUANTIZE output
  spec.tensors[1].zero_points.clear();
  EXPECT_EQ(init_status(spec), Status::kMissingQuantization);
  for (float bad_scale : {0.0f, -0.5f, NAN, INFINITY}) {
    spec = testing::int8_logistic_regression();
    spec.tensors[4].scales = {bad_scale};
    EXPECT_EQ(init_status(spec), Status::kBadQuantization) << bad_scale;
  }
  spec = testing::int8_logistic_regression();
  spec.tensors[4].zero_points = {200};  // outside int8
  EXPECT_EQ(init_status(spec), Status::kBadQuantization);
  spec = testing::int8_logistic_regression();
  spec.tensors[4].zero_points = {};  // scales without zero points
  EXPECT_EQ(init_status(spec), Status::kBadQuantization);
  spec = testing::int8_logistic_regression();
  spec.tensors[2].zero_points = {1};  // asymmetric weights
  EXPECT_EQ(init_status(spec), Status::kBadQuantization);
  spec = testing::int8_logistic_regression();
  spec.tensors[2].scales = {0.1f, 0.2f};  // two channels for one output
  spec.tensors[2].zero_points = {0, 0};
  EXPECT_EQ(init_status(spec), Status::kBadQuantization);
  spec = testing::int8_logistic_regression();
  spec.tensors[5].scales = {1.0f / 128.0f};  // LOGISTIC output not TFLite's 1/256
  EXPECT_EQ(init_status(spec), Status::kBadQuantization);
  spec = testing::int8_logistic_regression();
  spec.tensors[4].scales = {1e-30f};  // multiplier 0.05 / 1e-30 needs a shift beyond 30
  EXPECT_EQ(init_status(spec), Status::kBadQuantization);
}

TEST(MalformedModel, ArenaTooSmall) {
  EXPECT_EQ(Loaded(testing::int8_logistic_regression(), 64).status, Status::kArenaTooSmall);
}

TEST(Status, EveryCodeHasAMessage) {
  for (int code = 0; code <= static_cast<int>(Status::kMetadataNotFound); ++code) {
    EXPECT_STRNE(status_message(static_cast<Status>(code)), "unknown status") << code;
  }
}

}  // namespace
}  // namespace aiotops::micro
