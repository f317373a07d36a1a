// The smallest firmware that runs a model: reset code, the inference core, the model as a C array
// (AIOTOPS_MCU_MODEL_HEADER, from `aiotops export --format c-array`), an arena of
// AIOTOPS_MCU_ARENA_BYTES and the calls a device makes per reading. Its size is the footprint
// docs/benchmarks.md records and the mcu_footprint_* tests hold to the goals; run under QEMU it
// exits 0 only when the core accepts the model in that arena and scores a reading.

#include <cstddef>
#include <cstdint>

#include "micro/interpreter.h"
#include AIOTOPS_MCU_MODEL_HEADER

namespace {

using aiotops::micro::Status;

alignas(16) uint8_t arena[AIOTOPS_MCU_ARENA_BYTES];
aiotops::micro::Interpreter interpreter;
// Stand-ins for the sensors and for what the firmware does with the score.
volatile float sensors[AIOTOPS_MODEL_FEATURE_COUNT];
volatile float published_score;

}  // namespace

int main() {
  if (interpreter.init(aiotops_model, aiotops_model_len, arena, sizeof arena) != Status::kOk) {
    return 1;
  }
  float features[AIOTOPS_MODEL_FEATURE_COUNT];
  for (size_t i = 0; i < AIOTOPS_MODEL_FEATURE_COUNT; ++i) features[i] = sensors[i];
  float score = 0.0f;
  if (interpreter.set_input(0, features, AIOTOPS_MODEL_FEATURE_COUNT) != Status::kOk ||
      interpreter.invoke() != Status::kOk || interpreter.get_output(0, &score, 1) != Status::kOk) {
    return 1;
  }
  published_score = score;
  return 0;
}
