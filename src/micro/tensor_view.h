#pragma once
// How the caller sees a graph input or output of the inference core.

#include <cstdint>

namespace aiotops::micro {

enum class TensorType : uint8_t { kFloat32, kInt8, kInt32 };

// Size of one element of `type` in bytes.
constexpr uint32_t element_size(TensorType type) { return type == TensorType::kInt8 ? 1 : 4; }

// A tensor in the arena. `data` is null for an invalid view.
struct TensorView {
  TensorType type = TensorType::kFloat32;
  uint32_t elements = 0;
  float scale = 0.0f;      // int8: real = scale * (q - zero_point); 0 when not quantized
  int32_t zero_point = 0;  // int8 only
  void* data = nullptr;

  float* as_float() const {
    return type == TensorType::kFloat32 ? static_cast<float*>(data) : nullptr;
  }
  int8_t* as_int8() const {
    return type == TensorType::kInt8 ? static_cast<int8_t*>(data) : nullptr;
  }
};

}  // namespace aiotops::micro
