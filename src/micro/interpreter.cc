#include "micro/interpreter.h"

#include <cstring>

#include "micro/graph_plan.h"
#include "micro/kernels.h"
#include "micro/prepare.h"
#include "tflite/tflite_subset_generated.h"

namespace aiotops::micro {
namespace {

bool same_name(const flatbuffers::String* name, const char* wanted) {
  if (name == nullptr) return false;
  const char* have = name->c_str();
  for (uint32_t i = 0; i < name->size(); ++i) {
    if (wanted[i] == '\0' || wanted[i] != have[i]) return false;
  }
  return wanted[name->size()] == '\0';
}

}  // namespace

void Interpreter::reset() {
  model_ = nullptr;
  initialized_ = false;
  arena_required_ = 0;
  arena_used_ = 0;
  op_count_ = 0;
  chained_ = false;
  input_count_ = 0;
  output_count_ = 0;
}

Status Interpreter::init(const uint8_t* model, size_t model_size, uint8_t* arena,
                         size_t arena_size) {
  reset();
  if (arena == nullptr) return Status::kNullArgument;
  GraphPlan plan;
  if (Status s = plan_graph(model, model_size, &plan); s != Status::kOk) return s;
  arena_required_ = plan.arena_bytes;
  const size_t misalignment = reinterpret_cast<uintptr_t>(arena) % kArenaAlignment;
  const size_t padding = misalignment == 0 ? 0 : kArenaAlignment - misalignment;
  if (arena_size < padding || arena_size - padding < plan.arena_bytes) {
    return Status::kArenaTooSmall;
  }
  uint8_t* base = arena + padding;
  std::memset(base, 0, plan.arena_bytes);
  for (size_t i = 0; i < plan.op_count; ++i) prepare_op(plan, plan.ops[i], base, &ops_[i]);
  for (size_t i = 0; i < plan.input_count; ++i) {
    inputs_[i] = activation_view(plan, plan.inputs[i], base);
  }
  for (size_t i = 0; i < plan.output_count; ++i) {
    outputs_[i] = activation_view(plan, plan.outputs[i], base);
  }
  chained_ = match_linear_chain(ops_, plan.op_count, &chain_);
  model_ = model;
  op_count_ = plan.op_count;
  input_count_ = plan.input_count;
  output_count_ = plan.output_count;
  arena_used_ = padding + plan.arena_bytes;
  initialized_ = true;
  return Status::kOk;
}

TensorView Interpreter::input(size_t i) const {
  return initialized_ && i < input_count_ ? inputs_[i] : TensorView{};
}

TensorView Interpreter::output(size_t i) const {
  return initialized_ && i < output_count_ ? outputs_[i] : TensorView{};
}

Status Interpreter::metadata(const char* name, const uint8_t** data, size_t* size) const {
  if (!initialized_) return Status::kNotInitialized;
  if (name == nullptr || data == nullptr || size == nullptr) return Status::kNullArgument;
  const ::tflite::Model* model = ::tflite::GetModel(model_);
  const auto* entries = model->metadata();
  const auto* buffers = model->buffers();
  if (entries == nullptr || buffers == nullptr) return Status::kMetadataNotFound;
  for (uint32_t i = 0; i < entries->size(); ++i) {
    const ::tflite::Metadata* entry = entries->Get(i);
    if (!same_name(entry->name(), name) || entry->buffer() >= buffers->size()) continue;
    const auto* bytes = buffers->Get(entry->buffer())->data();
    *data = bytes != nullptr ? bytes->data() : nullptr;
    *size = bytes != nullptr ? bytes->size() : 0;
    return Status::kOk;
  }
  return Status::kMetadataNotFound;
}

Status arena_required(const uint8_t* model, size_t model_size, size_t* bytes) {
  if (bytes == nullptr) return Status::kNullArgument;
  GraphPlan plan;
  if (Status s = plan_graph(model, model_size, &plan); s != Status::kOk) return s;
  *bytes = plan.arena_bytes;
  return Status::kOk;
}

}  // namespace aiotops::micro
