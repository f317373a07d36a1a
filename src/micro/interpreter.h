#pragma once
// The inference core: runs a .tflite model (one subgraph of FULLY_CONNECTED (+ fused RELU),
// LOGISTIC, RELU, QUANTIZE and DEQUANTIZE over float32 / int8 tensors) in a caller-supplied
// arena. Freestanding C++17: no heap, no exceptions, no RTTI, no thread-safe statics, no I/O.
//
//   alignas(16) static uint8_t arena[1024];
//   aiotops::micro::Interpreter interpreter;
//   if (interpreter.init(model, model_size, arena, sizeof arena) != Status::kOk) ...
//   interpreter.set_input(0, features, 4);
//   interpreter.invoke();
//   float score; interpreter.get_output(0, &score, 1);
//
// The model bytes are untrusted: init() verifies them with the flatbuffers verifier and then
// checks every semantic rule the kernels rely on; any violation is a Status, never undefined
// behaviour. The model buffer and the arena must outlive the interpreter (weights are read in
// place); the model buffer should be 16-byte aligned so constant data is aligned for its type.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "micro/config.h"
#include "micro/prepared_op.h"
#include "micro/status.h"
#include "micro/tensor_view.h"

namespace aiotops::micro {

// Not thread-safe: one thread uses an interpreter at a time. Distinct interpreters (with distinct
// arenas) may run concurrently on the same model bytes.
class Interpreter {
 public:
  // Verifies and checks `model`, lays out its tensors and precomputed data (requantization
  // multipliers, folded biases, LOGISTIC tables) in `arena`, and zeroes them. kOk, or the first
  // rule the model breaks (the interpreter is then unusable until a successful init), or
  // kArenaTooSmall (arena_required() then says how much is needed). Re-init is allowed.
  Status init(const uint8_t* model, size_t model_size, uint8_t* arena, size_t arena_size);

  // Runs every operator once on the current inputs. kOk or kNotInitialized. Inline: a linear
  // classifier's operators are one call (see LinearChain).
  Status invoke() {
    if (!initialized_) return Status::kNotInitialized;
    if (chained_) {
      run_linear_chain(ops_, chain_);
    } else {
      run_ops(ops_, op_count_);
    }
    return Status::kOk;
  }

  // Arena bytes this model uses from a 16-byte-aligned arena start; valid after init() returned
  // kOk or kArenaTooSmall, else 0.
  size_t arena_required() const { return arena_required_; }
  // Bytes of the caller's arena in use, alignment padding at its start included; 0 until init.
  size_t arena_used() const { return arena_used_; }

  size_t input_count() const { return initialized_ ? input_count_ : 0; }
  size_t output_count() const { return initialized_ ? output_count_ : 0; }
  // Graph input/output i; an invalid view (data null) when i is out of range or not initialized.
  TensorView input(size_t i) const;
  TensorView output(size_t i) const;

  // Writes `count` real values into input i: copied into a float tensor, quantized (TFLite's
  // QUANTIZE rounding) into an int8 one. kBadIndex, kSizeMismatch, kMissingQuantization or
  // kNotInitialized otherwise. Inline: with a constant count the copy is one or two moves.
  Status set_input(size_t i, const float* values, size_t count) {
    if (!initialized_) return Status::kNotInitialized;
    if (values == nullptr) return Status::kNullArgument;
    if (i >= input_count_) return Status::kBadIndex;
    const TensorView& view = inputs_[i];
    if (count != view.elements) return Status::kSizeMismatch;
    if (view.type == TensorType::kFloat32) {
      std::memcpy(view.data, values, count * sizeof(float));
      return Status::kOk;
    }
    if (view.scale == 0.0f) return Status::kMissingQuantization;
    quantize_int8(values, view.as_int8(), view.elements, view.scale, view.zero_point);
    return Status::kOk;
  }

  // Reads output i as `count` real values (dequantized when int8). Errors as set_input.
  Status get_output(size_t i, float* values, size_t count) const {
    if (!initialized_) return Status::kNotInitialized;
    if (values == nullptr) return Status::kNullArgument;
    if (i >= output_count_) return Status::kBadIndex;
    const TensorView& view = outputs_[i];
    if (count != view.elements) return Status::kSizeMismatch;
    if (view.type == TensorType::kFloat32) {
      std::memcpy(values, view.data, count * sizeof(float));
      return Status::kOk;
    }
    if (view.scale == 0.0f) return Status::kMissingQuantization;
    dequantize_int8(view.as_int8(), values, view.elements, view.scale, view.zero_point);
    return Status::kOk;
  }

  // The model's metadata entry called `name` (Model.metadata): its buffer's bytes, in place.
  // kMetadataNotFound when absent; kNotInitialized before a successful init.
  Status metadata(const char* name, const uint8_t** data, size_t* size) const;

 private:
  void reset();

  const uint8_t* model_ = nullptr;
  bool initialized_ = false;
  size_t arena_required_ = 0;
  size_t arena_used_ = 0;
  PreparedOp ops_[kMaxOperators];
  size_t op_count_ = 0;
  bool chained_ = false;  // ops_ are a linear chain of this shape
  LinearChain chain_;
  TensorView inputs_[kMaxIo];
  TensorView outputs_[kMaxIo];
  size_t input_count_ = 0;
  size_t output_count_ = 0;
};

// The arena bytes `model` needs (from a 16-byte-aligned start), without running it: kOk and
// *bytes set, or the first rule the model breaks. Pure; thread-safe. Uses ~2 KB of stack.
Status arena_required(const uint8_t* model, size_t model_size, size_t* bytes);

}  // namespace aiotops::micro
