#pragma once
// Reads a .tflite file back into a plain summary: what `aiotops inspect` prints and what tests
// compare against the graph that was written. Files are untrusted: the bytes are checked with the
// flatbuffers verifier, then every index (tensor, buffer, operator code) and every constant's size
// is checked against the rest of the file before anything is read.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "tflite/graph.h"
#include "tflite/tflite_subset_generated.h"

namespace aiotops::tflite {

struct TensorSummary {
  std::string name;
  ::tflite::TensorType type = ::tflite::TensorType::FLOAT32;
  std::vector<int32_t> shape;
  uint32_t buffer = 0;
  std::vector<uint8_t> data;  // a constant's bytes (empty for activations)
  // Quantization parameters; empty when the tensor has none.
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int32_t quantized_dimension = 0;

  bool is_constant() const { return !data.empty(); }
  bool has_quantization() const { return !scales.empty(); }
  // Elements (product of the shape) and bytes (elements x element size).
  size_t elements() const;
  size_t bytes() const;
};

struct OperatorSummary {
  ::tflite::BuiltinOperator op = ::tflite::BuiltinOperator::ADD;  // the effective builtin code
  int32_t builtin_code = 0;             // OperatorCode.builtin_code as stored
  int32_t deprecated_builtin_code = 0;  // OperatorCode.deprecated_builtin_code as stored
  int32_t version = 1;
  std::vector<int32_t> inputs;  // tensor indices; -1 = optional input absent
  std::vector<int32_t> outputs;
  ::tflite::BuiltinOptions options_type = ::tflite::BuiltinOptions::NONE;
  // With FullyConnectedOptions.
  ::tflite::ActivationFunctionType fused_activation = ::tflite::ActivationFunctionType::NONE;
};

struct MetadataEntry {
  std::string name;
  std::string bytes;
};

struct ModelSummary {
  uint32_t schema_version = 0;
  std::string description;
  size_t subgraph_count = 0;  // only the first subgraph is summarized
  std::string subgraph_name;
  std::vector<TensorSummary> tensors;
  std::vector<OperatorSummary> operators;  // in execution order
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  size_t buffer_count = 0;
  std::vector<MetadataEntry> metadata;
  // The "aiotops" metadata entry, parsed; empty when the file has none.
  std::optional<GraphMetadata> aiotops;
  size_t file_bytes = 0;
  size_t constant_bytes = 0;  // bytes of all constant tensors' data
};

// Largest file accepted, in bytes (flatbuffers' own limit is 2 GiB).
inline constexpr size_t kMaxFileBytes = size_t{1} << 30;

// Verifies and summarizes a .tflite file held in `bytes` (any alignment; copied). Fails with
// kCorrupt naming what is wrong ("not a TFLite file (identifier ...)", "flatbuffers verifier
// rejected the file", "subgraphs[0].operators[1].inputs[2] = 9 is not a tensor index", ...); the
// "aiotops" metadata entry, when present, must parse. Never reads outside `bytes`. Thread-safe.
Result<ModelSummary> read_tflite(std::string_view bytes);

}  // namespace aiotops::tflite
