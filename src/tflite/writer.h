#pragma once
// Writes a Graph as a TFLite flatbuffer (file identifier TFL3, schema version 3, one subgraph):
// FULLY_CONNECTED per layer (ReLU fused through FullyConnectedOptions), then LOGISTIC. A graph's
// standardization becomes a float32 FULLY_CONNECTED with diagonal weights at the input. Int8
// graphs take and return float32 through QUANTIZE / DEQUANTIZE unless raw int8 I/O is asked
// for; with int8 I/O the standardization goes to the metadata for the device to apply. Every tensor
// is named, every int8/int32 tensor has quantization parameters, every FULLY_CONNECTED has a bias,
// buffer 0 is the empty sentinel, weights are 16-byte aligned in the file, and the graph's metadata
// is a JSON document in the "aiotops" metadata entry. Layout and versions: docs/formats/tflite.md.

#include <string>

#include "common/error.h"
#include "tflite/graph.h"

namespace aiotops::tflite {

struct WriteOptions {
  // Int8 graphs only: raw int8 input and output tensors (the caller quantizes the inputs with
  // graph.input and dequantizes the score with graph.output) instead of float32 ones.
  bool int8_io = false;
};

// The file's bytes. Fails with kInvalidArgument when check_graph() rejects the graph or int8_io
// is asked for a float graph. Thread-safe.
Result<std::string> write_tflite(const Graph& graph, const WriteOptions& options = {});

}  // namespace aiotops::tflite
