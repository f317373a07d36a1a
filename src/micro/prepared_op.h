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

// An int8 linear classifier (logistic regression), whose operators run as one fused kernel:
// in this order, each reading the output of the one before,
//   [FULLY_CONNECTED float32 (the standardization), QUANTIZE] or [QUANTIZE] or nothing (int8
//   input), FULLY_CONNECTED int8 with one batch and one output, LOGISTIC int8, [DEQUANTIZE].
// The model's five or two operators then cost one call: no per-operator dispatch, no loops over
// one element. Which of the optional operators are there:
struct LinearChain {
  bool standardize = false;
  bool quantize = false;
  bool dequantize = false;
  DecodedMultiplier multiplier;  // the int8 layer's (its one output channel's)
#if defined(__SSE2__)
  // x86-64, a 4 x 4 standardization before an int8 layer of depth 4: the standardization's
  // weights by column (columns[4 d + k] = w[k][d]), so that the fused kernel needs no transpose.
  bool four_by_four = false;
  alignas(16) float columns[16] = {};
#endif
};

// Whether ops[0..count) are a linear chain (then *chain says its shape) or not (*chain
// untouched). Pure.
bool match_linear_chain(const PreparedOp* ops, size_t count, LinearChain* chain);

// Runs the operators of a matched chain: writes every tensor run_ops would write, with the same
// bits (the same kernels' arithmetic, inlined).
void run_linear_chain(const PreparedOp* ops, const LinearChain& chain);

}  // namespace aiotops::micro
