#pragma once
// Per-operator rules of the inference core (internal): what each supported builtin requires of
// its operands' types, shapes and quantization before its kernel may run.

#include <cstdint>

#include "micro/fixed_point.h"
#include "micro/graph_plan.h"
#include "micro/status.h"

namespace tflite {
struct Operator;
}

namespace aiotops::micro {

// Checks operator `op`, whose builtin code is `builtin_code`, against plan->tensors (already
// loaded) and fills *out: kind, operand indices, sizes. No arena offsets yet. Pure.
Status check_operator(const GraphPlan& plan, const ::tflite::Operator& op, int32_t builtin_code,
                      OpPlan* out);

// Requantization multiplier of output channel c of an int8 FULLY_CONNECTED (TFLite's
// input_scale * weight_scale[c] / output_scale, in double). Pure.
QuantizedMultiplier fully_connected_multiplier(const GraphPlan& plan, const OpPlan& op, uint32_t c);

// Requantization multiplier of an int8 RELU (TFLite's input_scale / output_scale). Pure.
QuantizedMultiplier relu_multiplier(const GraphPlan& plan, const OpPlan& op);

// Arena bytes of precomputed data the operator keeps (multipliers, folded bias, tables). Pure.
size_t scratch_bytes(const GraphPlan& plan, const OpPlan& op);

}  // namespace aiotops::micro
