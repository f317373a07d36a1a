#pragma once
// The checked shape of a model (internal to the interpreter): what plan_graph() learns from the
// verified flatbuffer — tensors, operators, graph inputs/outputs and where each activation and
// precomputed table goes in the arena — before any arena byte is touched.

#include <cstddef>
#include <cstdint>

#include "micro/config.h"
#include "micro/prepared_op.h"
#include "micro/status.h"
#include "micro/tensor_view.h"

namespace tflite {
struct Model;
}

namespace aiotops::micro {

inline constexpr uint16_t kNoTensor = 0xFFFF;

struct TensorPlan {
  TensorType type = TensorType::kFloat32;
  bool constant = false;
  uint32_t elements = 0;
  uint32_t rank = 0;
  uint32_t rows = 0;         // first dimension (FULLY_CONNECTED weights: outputs)
  uint32_t scale_count = 0;  // quantization entries: 0, 1, or one per channel (int8/int32)
  int32_t quantized_dimension = 0;
  float scale = 0.0f;      // the first scale
  int32_t zero_point = 0;  // the first zero point
  bool zero_points_all_zero = true;
  const uint8_t* constant_data = nullptr;  // constants: in the model buffer
  uint32_t arena_offset = 0;               // activations: in the arena
};

struct OpPlan {
  OpKind kind = OpKind::kReluFloat;
  uint16_t input = kNoTensor;
  uint16_t weights = kNoTensor;  // FULLY_CONNECTED only
  uint16_t bias = kNoTensor;     // FULLY_CONNECTED only, optional
  uint16_t output = kNoTensor;
  bool relu = false;     // fused RELU
  uint32_t batches = 1;  // FULLY_CONNECTED: input elements / depth
  uint32_t depth = 0;
  uint32_t outputs = 0;
  uint32_t scratch_offset = 0;  // int8 FULLY_CONNECTED: folded bias, multipliers; LOGISTIC: table
};

struct GraphPlan {
  const ::tflite::Model* model = nullptr;
  TensorPlan tensors[kMaxTensors];
  size_t tensor_count = 0;
  OpPlan ops[kMaxOperators];
  size_t op_count = 0;
  uint16_t inputs[kMaxIo] = {};
  size_t input_count = 0;
  uint16_t outputs[kMaxIo] = {};
  size_t output_count = 0;
  size_t arena_bytes = 0;  // from a kArenaAlignment-aligned start
};

// Verifies `model` (flatbuffers verifier, identifier TFL3) and checks every rule the kernels rely
// on, filling *plan, which must be freshly constructed. kOk or the first violated rule. Pure;
// thread-safe.
Status plan_graph(const uint8_t* model, size_t model_size, GraphPlan* plan);

// Rounds n up to kArenaAlignment.
constexpr size_t align_arena(size_t n) {
  return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

}  // namespace aiotops::micro
