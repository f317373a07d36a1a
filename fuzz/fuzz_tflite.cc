// libFuzzer target: the host's .tflite reader (tflite::read_tflite, what `aiotops inspect` and
// the tests read files with) on arbitrary bytes. Beyond "no crash, no out-of-bounds read" it
// checks what a caller relies on: a rejection is kCorrupt with a message; an accepted file's
// summary is consistent (every index in range, constants sized by their shape, quantization
// parameters paired); the result does not depend on the buffer's alignment; the "aiotops"
// metadata survives a write/read round trip; and a file the inference core accepts is one the
// reader accepts too, unless its metadata is what the reader refuses (the core does not parse it).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <string_view>

#include "fuzz/fuzz_checks.h"
#include "micro/interpreter.h"
#include "tflite/metadata.h"
#include "tflite/ops.h"
#include "tflite/reader.h"

namespace aiotops::fuzz {
namespace {

bool is_tensor(int32_t index, const tflite::ModelSummary& summary) {
  return index >= 0 && static_cast<size_t>(index) < summary.tensors.size();
}

void check_summary(const tflite::ModelSummary& summary, size_t size) {
  require(summary.file_bytes == size, "file_bytes is the input's size");
  require(summary.subgraph_count > 0, "an accepted file has a subgraph");
  size_t constant_bytes = 0;
  for (const tflite::TensorSummary& tensor : summary.tensors) {
    require(tensor.buffer < summary.buffer_count, "a tensor's buffer exists");
    require(tensor.scales.size() == tensor.zero_points.size(), "scales pair with zero points");
    if (tensor.is_constant() && tflite::tensor_type_size(tensor.type) != 0) {
      require(tensor.data.size() == tensor.bytes(), "a constant's data fits its shape");
    }
    constant_bytes += tensor.data.size();
  }
  require(constant_bytes == summary.constant_bytes, "constant_bytes adds up");
  for (const tflite::OperatorSummary& op : summary.operators) {
    for (int32_t index : op.inputs) {
      require(index == -1 || is_tensor(index, summary), "operator inputs are tensors");
    }
    for (int32_t index : op.outputs) require(is_tensor(index, summary), "outputs are tensors");
  }
  for (int32_t index : summary.inputs) require(is_tensor(index, summary), "inputs are tensors");
  for (int32_t index : summary.outputs) require(is_tensor(index, summary), "outputs are tensors");
  if (summary.aiotops) {
    const std::string text = tflite::metadata_to_json(*summary.aiotops);
    auto again = tflite::metadata_from_json(text);
    require(again.has_value(), "written metadata reads back");
    require(tflite::metadata_to_json(*again) == text, "metadata round-trips");
  }
}

// Whether the inference core accepts the bytes (a 16-byte-aligned copy, the arena it asks for).
bool core_accepts(const uint8_t* data, size_t size) {
  constexpr std::align_val_t kAlignment{micro::kArenaAlignment};
  auto* model = static_cast<uint8_t*>(::operator new(size == 0 ? 1 : size, kAlignment));
  if (size > 0) std::memcpy(model, data, size);
  size_t needed = 0;
  bool accepted = false;
  if (micro::arena_required(model, size, &needed) == micro::Status::kOk) {
    auto* arena = static_cast<uint8_t*>(::operator new(needed == 0 ? 1 : needed, kAlignment));
    micro::Interpreter interpreter;
    accepted = interpreter.init(model, size, arena, needed) == micro::Status::kOk;
    ::operator delete(arena, kAlignment);
  }
  ::operator delete(model, kAlignment);
  return accepted;
}

void check_input(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto summary = tflite::read_tflite(bytes);
  // The same bytes one byte off their alignment read the same way.
  const std::string shifted = "x" + std::string(bytes);
  auto again = tflite::read_tflite(std::string_view(shifted).substr(1));
  require(summary.has_value() == again.has_value(), "alignment does not matter");
  if (!summary) {
    require(summary.error().code() == ErrorCode::kCorrupt, "rejections are kCorrupt");
    require(!summary.error().message().empty(), "rejections say why");
    require(again.error().message() == summary.error().message(), "the same message");
    const bool metadata_refused = summary.error().message().starts_with("metadata");
    require(metadata_refused || !core_accepts(data, size),
            "a file the inference core runs is one the reader reads");
    return;
  }
  check_summary(*summary, size);
  require(again->tensors.size() == summary->tensors.size() &&
              again->operators.size() == summary->operators.size() &&
              again->constant_bytes == summary->constant_bytes,
          "the same summary");
}

}  // namespace
}  // namespace aiotops::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  aiotops::fuzz::check_input(data, size);
  return 0;
}
