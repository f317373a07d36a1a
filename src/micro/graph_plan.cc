#include "micro/graph_plan.h"

#include "micro/op_checks.h"
#include "tflite/tflite_subset_generated.h"

namespace aiotops::micro {
namespace {

constexpr float kMaxFloat = 3.40282347e38f;

Status tensor_type(::tflite::TensorType type, TensorType* out) {
  switch (type) {
    case ::tflite::TensorType::FLOAT32:
      *out = TensorType::kFloat32;
      return Status::kOk;
    case ::tflite::TensorType::INT8:
      *out = TensorType::kInt8;
      return Status::kOk;
    case ::tflite::TensorType::INT32:
      *out = TensorType::kInt32;
      return Status::kOk;
    default:
      return Status::kUnsupportedType;
  }
}

// Rank 1 to 4, every dimension >= 1, at most kMaxTensorElements elements.
Status load_shape(const ::tflite::Tensor& tensor, TensorPlan* out) {
  const auto* shape = tensor.shape();
  if (shape == nullptr || shape->size() == 0 || shape->size() > 4) return Status::kBadShape;
  uint64_t elements = 1;
  for (uint32_t i = 0; i < shape->size(); ++i) {
    const int32_t dim = shape->Get(i);
    if (dim < 1) return Status::kBadShape;
    elements *= static_cast<uint64_t>(dim);  // < 2^31 * kMaxTensorElements: no overflow
    if (elements > kMaxTensorElements) return Status::kBadShape;
  }
  out->rank = shape->size();
  out->rows = static_cast<uint32_t>(shape->Get(0));
  out->elements = static_cast<uint32_t>(elements);
  return Status::kOk;
}

// Constant data: the tensor's buffer when it holds bytes, which must be exactly the tensor's
// size and aligned for its element type. Buffer 0 (the empty sentinel) or an empty buffer means
// an activation.
Status load_buffer(const ::tflite::Model& model, const ::tflite::Tensor& tensor, TensorPlan* out) {
  const auto* buffers = model.buffers();
  const uint32_t index = tensor.buffer();
  if (buffers == nullptr) return index == 0 ? Status::kOk : Status::kBadBufferIndex;
  if (index >= buffers->size()) return Status::kBadBufferIndex;
  const auto* data = buffers->Get(index)->data();
  if (data == nullptr || data->size() == 0) return Status::kOk;
  const uint32_t size = element_size(out->type);
  if (data->size() != static_cast<size_t>(out->elements) * size) {
    return Status::kBufferSizeMismatch;
  }
  if (reinterpret_cast<uintptr_t>(data->data()) % size != 0) return Status::kMisalignedBuffer;
  out->constant = true;
  out->constant_data = data->data();
  return Status::kOk;
}

// Quantization of int8/int32 tensors (float tensors' are ignored, as TFLite does): scales finite
// and positive, one zero point per scale within int32, the channel dimension inside the shape.
Status load_quantization(const ::tflite::Tensor& tensor, TensorPlan* out) {
  const ::tflite::QuantizationParameters* q = tensor.quantization();
  if (out->type == TensorType::kFloat32 || q == nullptr || q->scale() == nullptr ||
      q->scale()->size() == 0) {
    return Status::kOk;
  }
  const auto* scales = q->scale();
  const auto* zero_points = q->zero_point();
  if (zero_points == nullptr || zero_points->size() != scales->size()) {
    return Status::kBadQuantization;
  }
  // The verifier checks offsets relative to the buffer and vectors only to 4 bytes: int64 zero
  // points are 8-aligned in a well-formed file at an 8-aligned address, and must be read so.
  if (reinterpret_cast<uintptr_t>(zero_points->data()) % alignof(int64_t) != 0) {
    return Status::kMisalignedBuffer;
  }
  for (uint32_t i = 0; i < scales->size(); ++i) {
    const float scale = scales->Get(i);
    const int64_t zero_point = zero_points->Get(i);
    if (!(scale > 0.0f && scale <= kMaxFloat) || zero_point < INT32_MIN || zero_point > INT32_MAX) {
      return Status::kBadQuantization;
    }
    if (zero_point != 0) out->zero_points_all_zero = false;
  }
  out->quantized_dimension = q->quantized_dimension();
  if (scales->size() > 1 && (out->quantized_dimension < 0 ||
                             static_cast<uint32_t>(out->quantized_dimension) >= out->rank)) {
    return Status::kBadQuantization;
  }
  out->scale_count = scales->size();
  out->scale = scales->Get(0);
  out->zero_point = static_cast<int32_t>(zero_points->Get(0));
  return Status::kOk;
}

Status load_tensor(const ::tflite::Model& model, const ::tflite::Tensor& tensor, TensorPlan* out) {
  if (Status s = tensor_type(tensor.type(), &out->type); s != Status::kOk) return s;
  if (tensor.is_variable()) return Status::kBadDataflow;
  if (Status s = load_shape(tensor, out); s != Status::kOk) return s;
  if (Status s = load_buffer(model, tensor, out); s != Status::kOk) return s;
  return load_quantization(tensor, out);
}

// Graph inputs or outputs: 1..kMaxIo valid tensor indices of float32 or int8 tensors.
Status load_io(const flatbuffers::Vector<int32_t>* list, const GraphPlan& plan, uint16_t* out,
               size_t* count) {
  if (list == nullptr || list->size() == 0 || list->size() > kMaxIo) return Status::kTooManyIo;
  for (uint32_t i = 0; i < list->size(); ++i) {
    const int32_t index = list->Get(i);
    if (index < 0 || static_cast<size_t>(index) >= plan.tensor_count) {
      return Status::kBadTensorIndex;
    }
    const TensorType type = plan.tensors[index].type;
    if (type != TensorType::kFloat32 && type != TensorType::kInt8) return Status::kUnsupportedType;
    out[i] = static_cast<uint16_t>(index);
  }
  *count = list->size();
  return Status::kOk;
}

// TFLite's rule: the code is the larger of deprecated_builtin_code and builtin_code.
Status builtin_code(const ::tflite::Model& model, uint32_t opcode_index, int32_t* code) {
  const auto* codes = model.operator_codes();
  if (codes == nullptr || opcode_index >= codes->size()) return Status::kBadOpcodeIndex;
  const ::tflite::OperatorCode* opcode = codes->Get(opcode_index);
  const int32_t deprecated = opcode->deprecated_builtin_code();
  const int32_t current = static_cast<int32_t>(opcode->builtin_code());
  *code = deprecated > current ? deprecated : current;
  return Status::kOk;
}

// Every operator reads only constants and tensors already written (graph inputs or earlier
// outputs) and writes one tensor no one wrote before; every graph output gets written.
Status check_dataflow(const GraphPlan& plan, bool* written) {
  for (size_t i = 0; i < plan.input_count; ++i) {
    const uint16_t t = plan.inputs[i];
    if (plan.tensors[t].constant || written[t]) return Status::kBadDataflow;
    written[t] = true;
  }
  for (size_t i = 0; i < plan.op_count; ++i) {
    const OpPlan& op = plan.ops[i];
    if (!plan.tensors[op.input].constant && !written[op.input]) return Status::kBadDataflow;
    if (plan.tensors[op.output].constant || written[op.output]) return Status::kBadDataflow;
    written[op.output] = true;
  }
  for (size_t i = 0; i < plan.output_count; ++i) {
    if (!written[plan.outputs[i]]) return Status::kBadDataflow;
  }
  return Status::kOk;
}

// Arena layout: every activation (graph input or operator output), then each operator's
// precomputed data, each aligned to kArenaAlignment.
void lay_out_arena(const bool* written, GraphPlan* plan) {
  size_t offset = 0;
  for (size_t t = 0; t < plan->tensor_count; ++t) {
    if (!written[t]) continue;
    TensorPlan& tensor = plan->tensors[t];
    tensor.arena_offset = static_cast<uint32_t>(offset);
    offset += align_arena(static_cast<size_t>(tensor.elements) * element_size(tensor.type));
  }
  for (size_t i = 0; i < plan->op_count; ++i) {
    OpPlan& op = plan->ops[i];
    op.scratch_offset = static_cast<uint32_t>(offset);
    offset += scratch_bytes(*plan, op);
  }
  plan->arena_bytes = offset;
}

Status plan_subgraph(const ::tflite::Model& model, GraphPlan* plan) {
  const auto* subgraphs = model.subgraphs();
  if (subgraphs == nullptr || subgraphs->size() != 1) return Status::kSubgraphCount;
  const ::tflite::SubGraph& graph = *subgraphs->Get(0);
  const auto* tensors = graph.tensors();
  if (tensors == nullptr || tensors->size() == 0 || tensors->size() > kMaxTensors) {
    return Status::kTooManyTensors;
  }
  const auto* operators = graph.operators();
  if (operators == nullptr || operators->size() == 0 || operators->size() > kMaxOperators) {
    return Status::kTooManyOperators;
  }
  plan->tensor_count = tensors->size();
  for (uint32_t i = 0; i < tensors->size(); ++i) {
    if (Status s = load_tensor(model, *tensors->Get(i), &plan->tensors[i]); s != Status::kOk) {
      return s;
    }
  }
  if (Status s = load_io(graph.inputs(), *plan, plan->inputs, &plan->input_count);
      s != Status::kOk) {
    return s;
  }
  if (Status s = load_io(graph.outputs(), *plan, plan->outputs, &plan->output_count);
      s != Status::kOk) {
    return s;
  }
  plan->op_count = operators->size();
  for (uint32_t i = 0; i < operators->size(); ++i) {
    const ::tflite::Operator& op = *operators->Get(i);
    int32_t code = 0;
    if (Status s = builtin_code(model, op.opcode_index(), &code); s != Status::kOk) return s;
    if (Status s = check_operator(*plan, op, code, &plan->ops[i]); s != Status::kOk) return s;
  }
  bool written[kMaxTensors] = {};
  if (Status s = check_dataflow(*plan, written); s != Status::kOk) return s;
  lay_out_arena(written, plan);
  return Status::kOk;
}

}  // namespace

Status plan_graph(const uint8_t* model, size_t model_size, GraphPlan* plan) {
  if (model == nullptr || plan == nullptr) return Status::kNullArgument;
  if (model_size < 8) return Status::kModelTooSmall;
  if (model_size >= FLATBUFFERS_MAX_BUFFER_SIZE) return Status::kModelTooLarge;
  if (reinterpret_cast<uintptr_t>(model) % alignof(uint32_t) != 0) {
    return Status::kMisalignedBuffer;
  }
  if (!::tflite::ModelBufferHasIdentifier(model)) return Status::kBadIdentifier;
  flatbuffers::Verifier verifier(model, model_size);
  if (!::tflite::VerifyModelBuffer(verifier)) return Status::kCorruptModel;
  const ::tflite::Model* root = ::tflite::GetModel(model);
  if (root->version() != 3) return Status::kUnsupportedVersion;
  plan->model = root;
  return plan_subgraph(*root, plan);
}

}  // namespace aiotops::micro
