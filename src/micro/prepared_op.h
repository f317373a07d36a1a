#pragma once
// An operator ready to run: its kernel and the kernel's arguments with every pointer resolved
// into the arena or the model buffer (internal to the interpreter).

#include <cstdint>

#include "micro/kernels.h"

namespace aiotops::micro {

enum class OpKind : uint8_t {
  kFullyConnectedFloat,
  kFullyConnectedInt8,
  kLogisticFloat,
  kLogisticInt8,
  kReluFloat,
  kReluInt8,
  kQuantize,
  kDequantize,
};

// Arguments of the element-wise kernels (LOGISTIC, float RELU, QUANTIZE, DEQUANTIZE).
struct ElementwiseArgs {
  const void* input = nullptr;
  void* output = nullptr;
  uint32_t count = 0;
  float scale = 0.0f;  // QUANTIZE: the output's; DEQUANTIZE: the input's
  int32_t zero_point = 0;
  const int8_t* table = nullptr;  // int8 LOGISTIC
};

struct PreparedOp {
  OpKind kind = OpKind::kReluFloat;
  union Args {
    Args() : elementwise() {}
    ElementwiseArgs elementwise;
    FullyConnectedFloat fc_float;
    FullyConnectedInt8 fc_int8;
    ReluInt8 relu_int8;
  } args;
};

// Runs one prepared operator.
inline void run_op(const PreparedOp& op) {
  const ElementwiseArgs& e = op.args.elementwise;
  switch (op.kind) {
    case OpKind::kFullyConnectedFloat:
      fully_connected_float(op.args.fc_float);
      break;
    case OpKind::kFullyConnectedInt8:
      fully_connected_int8(op.args.fc_int8);
      break;
    case OpKind::kLogisticFloat:
      logistic_float(static_cast<const float*>(e.input), static_cast<float*>(e.output), e.count);
      break;
    case OpKind::kLogisticInt8:
      logistic_int8(static_cast<const int8_t*>(e.input), static_cast<int8_t*>(e.output), e.count,
                    e.table);
      break;
    case OpKind::kReluFloat:
      relu_float(static_cast<const float*>(e.input), static_cast<float*>(e.output), e.count);
      break;
    case OpKind::kReluInt8:
      relu_int8(op.args.relu_int8);
      break;
    case OpKind::kQuantize:
      quantize_int8(static_cast<const float*>(e.input), static_cast<int8_t*>(e.output), e.count,
                    e.scale, e.zero_point);
      break;
    case OpKind::kDequantize:
      dequantize_int8(static_cast<const int8_t*>(e.input), static_cast<float*>(e.output), e.count,
                      e.scale, e.zero_point);
      break;
  }
}

}  // namespace aiotops::micro
