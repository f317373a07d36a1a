#pragma once
// Default hardware budgets of the registry's target classes (esp32, coral-tpu, jetson, rpi, x86):
// how large a device model's .tflite file (flash) and tensor arena (RAM) may be. `aiotops
// quantize --target` applies them as gate limits (report.h); the flags override each one.

#include <cstddef>
#include <span>
#include <string_view>

#include "common/error.h"

namespace aiotops::quant {

struct HardwareBudget {
  std::string_view target;     // the registry's hardware class name
  size_t max_model_bytes = 0;  // .tflite file, bytes
  size_t max_arena_bytes = 0;  // tensor arena of the inference core, bytes
};

// Every class's default budget, in the registry's order. Thread-safe (constant data).
std::span<const HardwareBudget> hardware_budgets();

// The default budget of `target`; kInvalidArgument naming the known classes otherwise.
// Thread-safe.
Result<HardwareBudget> hardware_budget(std::string_view target);

}  // namespace aiotops::quant
