// Runs the inference core on the model compiled in as a C array (AIOTOPS_MCU_MODEL_HEADER, from
// `aiotops export --format c-array`, symbol aiotops_model) over the golden inputs
// (AIOTOPS_MCU_GOLDEN_HEADER, from mcu_golden) and prints, through semihosting, the arena bytes it
// used and every score's bit pattern. Returns nonzero on any core error.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "micro/interpreter.h"
#include "score_line.h"
#include "semihosting.h"
#include AIOTOPS_MCU_MODEL_HEADER
#include AIOTOPS_MCU_GOLDEN_HEADER

static_assert(AIOTOPS_MODEL_FEATURE_COUNT == kGoldenFeatures, "the model's features are the rows'");

namespace {

using aiotops::micro::Interpreter;
using aiotops::micro::Status;

alignas(16) uint8_t arena[AIOTOPS_MCU_ARENA_BYTES];
Interpreter interpreter;

#ifdef AIOTOPS_MCU_INPUT_STANDARDIZATION
// An --int8-io model takes standardized values: z = (x - mean) / scale in float32, as its metadata
// says; set_input() then quantizes z with the input tensor's scale and zero point.
void standardize(float* features) {
  float mean[kGoldenFeatures];
  float scale[kGoldenFeatures];
  std::memcpy(mean, kInputMeanBits, sizeof mean);
  std::memcpy(scale, kInputScaleBits, sizeof scale);
  for (uint32_t i = 0; i < kGoldenFeatures; ++i) features[i] = (features[i] - mean[i]) / scale[i];
}
#else
void standardize(float*) {}
#endif

int run() {
  char line[aiotops::mcu::kLineCapacity];
  if (interpreter.init(aiotops_model, aiotops_model_len, arena, sizeof arena) != Status::kOk) {
    return 1;
  }
  aiotops::mcu::format_arena_line(line, static_cast<uint32_t>(interpreter.arena_used()));
  semihosting_write(line);
  for (uint32_t row = 0; row < kGoldenRows; ++row) {
    float features[kGoldenFeatures];
    std::memcpy(features, &kGoldenInputBits[row * kGoldenFeatures], sizeof features);
    standardize(features);
    float score = 0.0f;
    if (interpreter.set_input(0, features, kGoldenFeatures) != Status::kOk ||
        interpreter.invoke() != Status::kOk ||
        interpreter.get_output(0, &score, 1) != Status::kOk) {
      return 1;
    }
    aiotops::mcu::format_score_line(line, row, score);
    semihosting_write(line);
  }
  return 0;
}

}  // namespace

int main() { return run(); }
