// libFuzzer target: the inference core's model loader and interpreter on arbitrary bytes. The
// buffer and the arena are heap blocks of exactly the sizes the core is given, so any read or
// write outside them is an ASan report; then every input is filled from the fuzz bytes (floats
// include NaN, infinities and subnormals) and the model is run twice.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "fuzz/fuzz_checks.h"
#include "micro/interpreter.h"

namespace {

using aiotops::fuzz::require;
using namespace aiotops::micro;

struct AlignedBlock {
  explicit AlignedBlock(size_t size)
      : data(static_cast<uint8_t*>(
            ::operator new (size == 0 ? 1 : size, std::align_val_t{kArenaAlignment}))) {}
  ~AlignedBlock() { ::operator delete (data, std::align_val_t{kArenaAlignment}); }
  AlignedBlock(const AlignedBlock&) = delete;
  AlignedBlock& operator=(const AlignedBlock&) = delete;
  uint8_t* data;
};

// Fills every input tensor with bytes taken cyclically from the fuzz input.
void fill_inputs(const Interpreter& interpreter, const uint8_t* bytes, size_t size) {
  size_t next = 0;
  for (size_t i = 0; i < interpreter.input_count(); ++i) {
    const TensorView view = interpreter.input(i);
    auto* out = static_cast<uint8_t*>(view.data);
    const size_t count = size_t{view.elements} * element_size(view.type);
    for (size_t k = 0; k < count; ++k) out[k] = bytes[next++ % size];
  }
}

// Copies every output's bytes to `out` (capacity bytes); returns the byte count.
size_t copy_outputs(const Interpreter& interpreter, uint8_t* out, size_t capacity) {
  size_t used = 0;
  for (size_t i = 0; i < interpreter.output_count(); ++i) {
    const TensorView view = interpreter.output(i);
    const size_t count = size_t{view.elements} * element_size(view.type);
    if (used + count > capacity) break;
    std::memcpy(out + used, view.data, count);
    used += count;
  }
  return used;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  AlignedBlock model(size);
  std::memcpy(model.data, data, size);
  size_t needed = 0;
  const Status planned = arena_required(model.data, size, &needed);

  AlignedBlock arena(needed);
  Interpreter interpreter;
  const Status loaded = interpreter.init(model.data, size, arena.data, needed);
  require(loaded == planned, "init and arena_required agree");
  if (loaded != Status::kOk) return 0;
  require(interpreter.arena_used() == needed, "an aligned arena is used exactly");
  require(interpreter.input_count() > 0 && interpreter.output_count() > 0, "graph has I/O");
  if (needed > 0) {
    Interpreter small;
    require(small.init(model.data, size, arena.data, needed - 1) == Status::kArenaTooSmall,
            "one byte less is too small");
  }

  if (size > 0) fill_inputs(interpreter, data, size);
  static uint8_t first[1 << 16];
  static uint8_t second[1 << 16];
  require(interpreter.invoke() == Status::kOk, "invoke succeeds after init");
  const size_t first_size = copy_outputs(interpreter, first, sizeof first);
  require(interpreter.invoke() == Status::kOk, "invoke succeeds again");
  const size_t second_size = copy_outputs(interpreter, second, sizeof second);
  require(first_size == second_size && std::memcmp(first, second, first_size) == 0,
          "the same inputs give the same output bits");

  const uint8_t* metadata = nullptr;
  size_t metadata_size = 0;
  const Status found = interpreter.metadata("aiotops", &metadata, &metadata_size);
  require(found == Status::kOk || found == Status::kMetadataNotFound, "metadata lookup");
  if (found == Status::kOk && metadata_size > 0) {
    volatile uint8_t last = metadata[metadata_size - 1];  // inside the model buffer (ASan)
    (void)last;
  }
  return 0;
}
