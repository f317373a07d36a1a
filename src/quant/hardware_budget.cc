#include "quant/hardware_budget.h"

#include <array>

namespace aiotops::quant {
namespace {

constexpr size_t kKiB = 1024;
constexpr size_t kMiB = 1024 * kKiB;

// Shares of each class's memory a fault model may take beside its firmware or host software
// (docs/pipeline-steps.md explains each figure). The ESP32's arena is the 20,000 bytes its
// firmware reserves for TensorFlow Lite Micro.
constexpr std::array<HardwareBudget, 5> kBudgets{{
    {"esp32", 256 * kKiB, 20000},
    {"coral-tpu", 8 * kMiB, 64 * kMiB},
    {"jetson", 256 * kMiB, 1024 * kMiB},
    {"rpi", 64 * kMiB, 256 * kMiB},
    {"x86", 1024 * kMiB, 4096 * kMiB},
}};

}  // namespace

std::span<const HardwareBudget> hardware_budgets() { return kBudgets; }

Result<HardwareBudget> hardware_budget(std::string_view target) {
  for (const HardwareBudget& budget : kBudgets) {
    if (budget.target == target) return budget;
  }
  return fail(ErrorCode::kInvalidArgument,
              "unknown target '{}' (expected esp32, coral-tpu, jetson, rpi or x86)", target);
}

}  // namespace aiotops::quant
