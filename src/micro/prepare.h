#pragma once
// Turning a checked plan into runnable operators (internal to the interpreter): pointers into the
// arena and the model buffer, and the precomputed data in the arena.

#include <cstdint>

#include "micro/graph_plan.h"
#include "micro/prepared_op.h"
#include "micro/tensor_view.h"

namespace aiotops::micro {

// Fills *out for `op` and writes its precomputed data (folded bias and multipliers, LOGISTIC
// table) at arena + op.scratch_offset. `arena` is aligned and holds plan.arena_bytes.
void prepare_op(const GraphPlan& plan, const OpPlan& op, uint8_t* arena, PreparedOp* out);

// The view of activation tensor t in `arena`.
TensorView activation_view(const GraphPlan& plan, uint16_t t, uint8_t* arena);

}  // namespace aiotops::micro
