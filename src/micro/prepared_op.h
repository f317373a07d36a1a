#pragma once
// An operator ready to run: its kernel and the kernel's arguments with every pointer resolved
// into the arena or the model buffer (internal to the interpreter).

#include <cstddef>
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

// Runs `count` prepared operators in order. Defined beside the kernels so that they inline
// into the dispatch.
void run_ops(const PreparedOp* ops, size_t count);

}  // namespace aiotops::micro
