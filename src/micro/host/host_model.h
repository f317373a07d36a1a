#pragma once
// A .tflite model run by the inference core on the host (the gateway, `aiotops infer`, tests):
// the file's bytes and the arena in 16-byte-aligned storage owned here, the core's interpreter,
// and the model's metadata entry parsed. The same core, hence the same bits, as on the MCU.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "micro/interpreter.h"
#include "tflite/graph.h"

namespace aiotops::micro {

// Move-only. score() is not thread-safe (one interpreter, one arena): use one HostModel per
// thread.
class HostModel {
 public:
  // Reads and loads a .tflite file. Fails with kNotFound/kIo for the file, kCorrupt naming the
  // file and the core's reason when the core refuses it or its metadata entry is malformed, and
  // kInvalidArgument when it is not a single-score model (one input, one one-element output).
  static Result<HostModel> load(const std::filesystem::path& path);
  // The same from bytes; `origin` names them in error messages.
  static Result<HostModel> from_bytes(std::string_view bytes, std::string_view origin);

  // Runs one row of input_size() raw feature values and returns the model's output as a real
  // value. Files with raw int8 input carry the input standardization in their metadata; it is
  // applied here, (x - mean) / scale in float32, before the core quantizes with the input
  // tensor's parameters, so every file kind takes the same raw values. kInvalidArgument for a
  // wrong size; no allocation on success.
  Result<float> score(std::span<const float> features);

  size_t input_size() const { return input_size_; }
  // The model's "aiotops" metadata (feature names, threshold, alert levels, ...), when present.
  const std::optional<tflite::GraphMetadata>& metadata() const { return metadata_; }
  size_t model_bytes() const { return model_bytes_; }
  // Arena bytes the core uses for this model (from a 16-byte-aligned start).
  size_t arena_bytes() const { return interpreter_->arena_required(); }

 private:
  struct alignas(kArenaAlignment) Chunk {
    uint8_t bytes[kArenaAlignment];
  };

  HostModel() = default;

  std::vector<Chunk> model_;
  std::vector<Chunk> arena_;
  std::unique_ptr<Interpreter> interpreter_;
  size_t model_bytes_ = 0;
  size_t input_size_ = 0;
  std::optional<tflite::GraphMetadata> metadata_;
  std::vector<float> standardized_;  // scratch row when the metadata carries a standardization
  std::string origin_;
};

// True when `bytes` carry the TFLite file identifier ("TFL3" at offset 4).
bool is_tflite(std::string_view bytes);

}  // namespace aiotops::micro
