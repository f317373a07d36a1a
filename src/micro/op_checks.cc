#include "micro/op_checks.h"

#include "tflite/tflite_subset_generated.h"

namespace aiotops::micro {
namespace {

// TFLite's builtin operator codes.
constexpr int32_t kDequantizeCode = 6;
constexpr int32_t kFullyConnectedCode = 9;
constexpr int32_t kLogisticCode = 14;
constexpr int32_t kReluCode = 19;
constexpr int32_t kQuantizeCode = 114;

// LOGISTIC's int8 output quantization in TFLite: scale 1/256, zero point -128.
constexpr float kLogisticOutputScale = 1.0f / 256.0f;
constexpr int32_t kLogisticOutputZeroPoint = -128;

Status tensor_index(const GraphPlan& plan, int32_t raw, uint16_t* index) {
  if (raw < 0 || static_cast<size_t>(raw) >= plan.tensor_count) return Status::kBadTensorIndex;
  *index = static_cast<uint16_t>(raw);
  return Status::kOk;
}

// One per-tensor scale and an int8 zero point, as activations need.
Status check_activation_quantization(const TensorPlan& t) {
  if (t.scale_count == 0) return Status::kMissingQuantization;
  if (t.scale_count != 1 || t.zero_point < -128 || t.zero_point > 127) {
    return Status::kBadQuantization;
  }
  return Status::kOk;
}

// A requantization the kernels can apply: left shifts of at most 30 bits.
bool representable(QuantizedMultiplier m) { return m.shift <= 30; }

// One input and one output of the same element count.
Status check_unary(const GraphPlan& plan, const ::tflite::Operator& op, OpPlan* out) {
  const auto* inputs = op.inputs();
  const auto* outputs = op.outputs();
  if (inputs == nullptr || outputs == nullptr || inputs->size() != 1 || outputs->size() != 1) {
    return Status::kBadOperatorArity;
  }
  if (Status s = tensor_index(plan, inputs->Get(0), &out->input); s != Status::kOk) return s;
  if (Status s = tensor_index(plan, outputs->Get(0), &out->output); s != Status::kOk) return s;
  if (plan.tensors[out->input].elements != plan.tensors[out->output].elements) {
    return Status::kShapeMismatch;
  }
  return Status::kOk;
}

Status check_logistic(const TensorPlan& x, const TensorPlan& y, OpPlan* out) {
  if (x.type != y.type) return Status::kTypeMismatch;
  if (x.type == TensorType::kFloat32) {
    out->kind = OpKind::kLogisticFloat;
    return Status::kOk;
  }
  if (x.type != TensorType::kInt8) return Status::kUnsupportedType;
  if (Status s = check_activation_quantization(x); s != Status::kOk) return s;
  if (Status s = check_activation_quantization(y); s != Status::kOk) return s;
  if (y.scale != kLogisticOutputScale || y.zero_point != kLogisticOutputZeroPoint) {
    return Status::kBadQuantization;
  }
  out->kind = OpKind::kLogisticInt8;
  return Status::kOk;
}

Status check_relu(const GraphPlan& plan, const TensorPlan& x, const TensorPlan& y, OpPlan* out) {
  if (x.type != y.type) return Status::kTypeMismatch;
  if (x.type == TensorType::kFloat32) {
    out->kind = OpKind::kReluFloat;
    return Status::kOk;
  }
  if (x.type != TensorType::kInt8) return Status::kUnsupportedType;
  if (Status s = check_activation_quantization(x); s != Status::kOk) return s;
  if (Status s = check_activation_quantization(y); s != Status::kOk) return s;
  if (!representable(relu_multiplier(plan, *out))) return Status::kBadQuantization;
  out->kind = OpKind::kReluInt8;
  return Status::kOk;
}

Status check_quantize(const TensorPlan& x, const TensorPlan& y, OpPlan* out) {
  if (x.type != TensorType::kFloat32 || y.type != TensorType::kInt8) return Status::kTypeMismatch;
  out->kind = OpKind::kQuantize;
  return check_activation_quantization(y);
}

Status check_dequantize(const TensorPlan& x, const TensorPlan& y, OpPlan* out) {
  if (x.type != TensorType::kInt8 || y.type != TensorType::kFloat32) return Status::kTypeMismatch;
  out->kind = OpKind::kDequantize;
  return check_activation_quantization(x);
}

Status fully_connected_options(const ::tflite::Operator& op, bool* relu) {
  *relu = false;
  if (op.builtin_options_type() == ::tflite::BuiltinOptions::NONE) return Status::kOk;
  if (op.builtin_options_type() != ::tflite::BuiltinOptions::FullyConnectedOptions) {
    return Status::kUnsupportedOptions;
  }
  const ::tflite::FullyConnectedOptions* options = op.builtin_options_as_FullyConnectedOptions();
  if (options == nullptr) return Status::kOk;  // the type without a table: defaults
  if (options->weights_format() != ::tflite::FullyConnectedOptionsWeightsFormat::DEFAULT) {
    return Status::kUnsupportedOptions;
  }
  switch (options->fused_activation_function()) {
    case ::tflite::ActivationFunctionType::NONE:
      return Status::kOk;
    case ::tflite::ActivationFunctionType::RELU:
      *relu = true;
      return Status::kOk;
    default:
      return Status::kUnsupportedOptions;
  }
}

// Operand indices and the layer's shape: weights [outputs, depth], input batches x depth,
// output batches x outputs, bias [outputs] when present.
Status fully_connected_shape(const GraphPlan& plan, const ::tflite::Operator& op, OpPlan* out) {
  const auto* inputs = op.inputs();
  const auto* outputs = op.outputs();
  if (inputs == nullptr || outputs == nullptr || (inputs->size() != 2 && inputs->size() != 3) ||
      outputs->size() != 1) {
    return Status::kBadOperatorArity;
  }
  if (Status s = tensor_index(plan, inputs->Get(0), &out->input); s != Status::kOk) return s;
  if (Status s = tensor_index(plan, inputs->Get(1), &out->weights); s != Status::kOk) return s;
  if (Status s = tensor_index(plan, outputs->Get(0), &out->output); s != Status::kOk) return s;
  out->bias = kNoTensor;
  if (inputs->size() == 3 && inputs->Get(2) != -1) {
    if (Status s = tensor_index(plan, inputs->Get(2), &out->bias); s != Status::kOk) return s;
  }
  const TensorPlan& x = plan.tensors[out->input];
  const TensorPlan& w = plan.tensors[out->weights];
  const TensorPlan& y = plan.tensors[out->output];
  if (!w.constant || (out->bias != kNoTensor && !plan.tensors[out->bias].constant)) {
    return Status::kMissingConstant;
  }
  if (w.rank != 2) return Status::kShapeMismatch;
  out->outputs = w.rows;
  out->depth = w.elements / w.rows;
  if (out->depth > kMaxLayerWidth || out->outputs > kMaxLayerWidth) return Status::kLayerTooWide;
  if (x.elements % out->depth != 0) return Status::kShapeMismatch;
  out->batches = x.elements / out->depth;
  if (y.elements != out->batches * out->outputs) return Status::kShapeMismatch;
  if (out->bias != kNoTensor && plan.tensors[out->bias].elements != out->outputs) {
    return Status::kShapeMismatch;
  }
  return Status::kOk;
}

Status check_fully_connected_int8(const GraphPlan& plan, OpPlan* out) {
  const TensorPlan& x = plan.tensors[out->input];
  const TensorPlan& w = plan.tensors[out->weights];
  const TensorPlan& y = plan.tensors[out->output];
  if (w.type != TensorType::kInt8 || y.type != TensorType::kInt8 ||
      (out->bias != kNoTensor && plan.tensors[out->bias].type != TensorType::kInt32)) {
    return Status::kTypeMismatch;
  }
  if (Status s = check_activation_quantization(x); s != Status::kOk) return s;
  if (Status s = check_activation_quantization(y); s != Status::kOk) return s;
  // Weights: symmetric, per tensor or per output channel (dimension 0).
  if (w.scale_count == 0) return Status::kMissingQuantization;
  if ((w.scale_count != 1 && (w.scale_count != out->outputs || w.quantized_dimension != 0)) ||
      !w.zero_points_all_zero) {
    return Status::kBadQuantization;
  }
  if (out->bias != kNoTensor && !plan.tensors[out->bias].zero_points_all_zero) {
    return Status::kBadQuantization;
  }
  for (uint32_t c = 0; c < w.scale_count; ++c) {
    if (!representable(fully_connected_multiplier(plan, *out, c))) {
      return Status::kBadQuantization;
    }
  }
  out->kind = OpKind::kFullyConnectedInt8;
  return Status::kOk;
}

Status check_fully_connected(const GraphPlan& plan, const ::tflite::Operator& op, OpPlan* out) {
  if (Status s = fully_connected_options(op, &out->relu); s != Status::kOk) return s;
  if (Status s = fully_connected_shape(plan, op, out); s != Status::kOk) return s;
  const TensorType input_type = plan.tensors[out->input].type;
  if (input_type == TensorType::kInt8) return check_fully_connected_int8(plan, out);
  if (input_type != TensorType::kFloat32) return Status::kUnsupportedType;
  if (plan.tensors[out->weights].type != TensorType::kFloat32 ||
      plan.tensors[out->output].type != TensorType::kFloat32 ||
      (out->bias != kNoTensor && plan.tensors[out->bias].type != TensorType::kFloat32)) {
    return Status::kTypeMismatch;
  }
  out->kind = OpKind::kFullyConnectedFloat;
  return Status::kOk;
}

}  // namespace

Status check_operator(const GraphPlan& plan, const ::tflite::Operator& op, int32_t builtin_code,
                      OpPlan* out) {
  if (builtin_code == kFullyConnectedCode) return check_fully_connected(plan, op, out);
  if (builtin_code != kLogisticCode && builtin_code != kReluCode && builtin_code != kQuantizeCode &&
      builtin_code != kDequantizeCode) {
    return Status::kUnsupportedOperator;
  }
  if (Status s = check_unary(plan, op, out); s != Status::kOk) return s;
  const TensorPlan& x = plan.tensors[out->input];
  const TensorPlan& y = plan.tensors[out->output];
  switch (builtin_code) {
    case kLogisticCode:
      return check_logistic(x, y, out);
    case kReluCode:
      return check_relu(plan, x, y, out);
    case kQuantizeCode:
      return check_quantize(x, y, out);
    default:
      return check_dequantize(x, y, out);
  }
}

QuantizedMultiplier fully_connected_multiplier(const GraphPlan& plan, const OpPlan& op,
                                               uint32_t c) {
  const TensorPlan& w = plan.tensors[op.weights];
  const float weight_scale = c == 0 ? w.scale
                                    : plan.model->subgraphs()
                                          ->Get(0)
                                          ->tensors()
                                          ->Get(op.weights)
                                          ->quantization()
                                          ->scale()
                                          ->Get(c);
  return quantize_multiplier(static_cast<double>(plan.tensors[op.input].scale) *
                             static_cast<double>(weight_scale) /
                             static_cast<double>(plan.tensors[op.output].scale));
}

QuantizedMultiplier relu_multiplier(const GraphPlan& plan, const OpPlan& op) {
  return quantize_multiplier(
      static_cast<double>(plan.tensors[op.input].scale / plan.tensors[op.output].scale));
}

size_t scratch_bytes(const GraphPlan& plan, const OpPlan& op) {
  switch (op.kind) {
    case OpKind::kFullyConnectedInt8:
      return align_arena(op.outputs * sizeof(int32_t)) +
             align_arena(plan.tensors[op.weights].scale_count * sizeof(QuantizedMultiplier));
    case OpKind::kLogisticInt8:
      return 256;
    default:
      return 0;
  }
}

}  // namespace aiotops::micro
