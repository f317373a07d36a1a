#include "micro/prepare.h"

#include "micro/op_checks.h"

namespace aiotops::micro {
namespace {

const void* operand(const GraphPlan& plan, uint16_t t, uint8_t* arena) {
  const TensorPlan& tensor = plan.tensors[t];
  return tensor.constant ? static_cast<const void*>(tensor.constant_data)
                         : static_cast<const void*>(arena + tensor.arena_offset);
}

void* result(const GraphPlan& plan, uint16_t t, uint8_t* arena) {
  return arena + plan.tensors[t].arena_offset;
}

FullyConnectedFloat prepare_fully_connected_float(const GraphPlan& plan, const OpPlan& op,
                                                  uint8_t* arena) {
  FullyConnectedFloat fc;
  fc.input = static_cast<const float*>(operand(plan, op.input, arena));
  fc.weights = static_cast<const float*>(operand(plan, op.weights, arena));
  fc.bias =
      op.bias == kNoTensor ? nullptr : static_cast<const float*>(operand(plan, op.bias, arena));
  fc.output = static_cast<float*>(result(plan, op.output, arena));
  fc.batches = op.batches;
  fc.depth = op.depth;
  fc.outputs = op.outputs;
  fc.relu = op.relu;
  return fc;
}

FullyConnectedInt8 prepare_fully_connected_int8(const GraphPlan& plan, const OpPlan& op,
                                                uint8_t* arena) {
  const TensorPlan& w = plan.tensors[op.weights];
  const TensorPlan& y = plan.tensors[op.output];
  FullyConnectedInt8 fc;
  fc.input = static_cast<const int8_t*>(operand(plan, op.input, arena));
  fc.weights = static_cast<const int8_t*>(operand(plan, op.weights, arena));
  fc.output = static_cast<int8_t*>(result(plan, op.output, arena));
  // Scratch: the folded bias, then the multipliers (see scratch_bytes).
  auto* folded = reinterpret_cast<int32_t*>(arena + op.scratch_offset);
  auto* multipliers = reinterpret_cast<QuantizedMultiplier*>(
      arena + op.scratch_offset + align_arena(op.outputs * sizeof(int32_t)));
  const auto* bias =
      op.bias == kNoTensor ? nullptr : static_cast<const int32_t*>(operand(plan, op.bias, arena));
  fold_int8_bias(fc.weights, bias, op.depth, op.outputs, plan.tensors[op.input].zero_point, folded);
  for (uint32_t c = 0; c < w.scale_count; ++c) {
    multipliers[c] = fully_connected_multiplier(plan, op, c);
  }
  fc.folded_bias = folded;
  fc.multipliers = multipliers;
  fc.batches = op.batches;
  fc.depth = op.depth;
  fc.outputs = op.outputs;
  fc.multiplier_stride = w.scale_count == 1 ? 0 : 1;
  fc.output_zero_point = y.zero_point;
  // TFLite's quantized activation range: RELU clamps at the quantized 0.0, the zero point.
  fc.activation_min = op.relu && y.zero_point > -128 ? y.zero_point : -128;
  fc.activation_max = 127;
  return fc;
}

// The activation an operator reads (its first input) and the one it writes.
struct Dataflow {
  const void* read;
  const void* written;
};

Dataflow dataflow(const PreparedOp& op) {
  switch (op.kind) {
    case OpKind::kFullyConnectedFloat:
      return {op.args.fc_float.input, op.args.fc_float.output};
    case OpKind::kFullyConnectedInt8:
      return {op.args.fc_int8.input, op.args.fc_int8.output};
    case OpKind::kReluInt8:
      return {op.args.relu_int8.input, op.args.relu_int8.output};
    default:
      return {op.args.elementwise.input, op.args.elementwise.output};
  }
}

}  // namespace

void prepare_op(const GraphPlan& plan, const OpPlan& op, uint8_t* arena, PreparedOp* out) {
  out->kind = op.kind;
  const TensorPlan& x = plan.tensors[op.input];
  const TensorPlan& y = plan.tensors[op.output];
  ElementwiseArgs e;
  e.input = operand(plan, op.input, arena);
  e.output = result(plan, op.output, arena);
  e.count = x.elements;
  switch (op.kind) {
    case OpKind::kFullyConnectedFloat:
      out->args.fc_float = prepare_fully_connected_float(plan, op, arena);
      return;
    case OpKind::kFullyConnectedInt8:
      out->args.fc_int8 = prepare_fully_connected_int8(plan, op, arena);
      return;
    case OpKind::kReluInt8: {
      ReluInt8 relu;
      relu.input = static_cast<const int8_t*>(e.input);
      relu.output = static_cast<int8_t*>(e.output);
      relu.count = x.elements;
      relu.input_zero_point = x.zero_point;
      relu.output_zero_point = y.zero_point;
      relu.multiplier = relu_multiplier(plan, op);
      out->args.relu_int8 = relu;
      return;
    }
    case OpKind::kLogisticInt8: {
      auto* table = reinterpret_cast<int8_t*>(arena + op.scratch_offset);
      build_logistic_table(x.scale, x.zero_point, table);
      e.table = table;
      break;
    }
    case OpKind::kQuantize:
      e.scale = y.scale;
      e.zero_point = y.zero_point;
      break;
    case OpKind::kDequantize:
      e.scale = x.scale;
      e.zero_point = x.zero_point;
      break;
    case OpKind::kLogisticFloat:
    case OpKind::kReluFloat:
      break;
  }
  out->args.elementwise = e;
}

bool match_linear_chain(const PreparedOp* ops, size_t count, LinearChain* chain) {
  LinearChain shape;
  size_t i = 0;
  const void* previous = nullptr;  // what the next operator must read; null: anything
  // Takes the next operator when it is of `kind` and reads the previous one's output.
  auto take = [&](OpKind kind) {
    if (i == count || ops[i].kind != kind) return false;
    const Dataflow flow = dataflow(ops[i]);
    if (previous != nullptr && flow.read != previous) return false;
    previous = flow.written;
    ++i;
    return true;
  };
  shape.standardize = take(OpKind::kFullyConnectedFloat);
  shape.quantize = take(OpKind::kQuantize);
  if (shape.standardize && (!shape.quantize || ops[0].args.fc_float.batches != 1)) return false;
  if (!take(OpKind::kFullyConnectedInt8)) return false;
  const FullyConnectedInt8& fc = ops[i - 1].args.fc_int8;
  if (fc.batches != 1 || fc.outputs != 1 || !take(OpKind::kLogisticInt8)) return false;
  shape.dequantize = take(OpKind::kDequantize);
  if (i != count) return false;
  shape.multiplier = decode_multiplier(fc.multipliers[0]);
#if defined(__SSE2__)
  const FullyConnectedFloat& z = ops[0].args.fc_float;
  shape.four_by_four = shape.standardize && z.depth == 4 && z.outputs == 4 && fc.depth == 4;
  for (uint32_t k = 0; shape.four_by_four && k < 16; ++k) {
    shape.columns[k] = z.weights[(k % 4) * 4 + k / 4];
  }
#endif
  *chain = shape;
  return true;
}

TensorView activation_view(const GraphPlan& plan, uint16_t t, uint8_t* arena) {
  const TensorPlan& tensor = plan.tensors[t];
  TensorView view;
  view.type = tensor.type;
  view.elements = tensor.elements;
  view.scale = tensor.scale_count > 0 ? tensor.scale : 0.0f;
  view.zero_point = tensor.zero_point;
  view.data = arena + tensor.arena_offset;
  return view;
}

}  // namespace aiotops::micro
