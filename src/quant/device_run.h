#pragma once
// Scoring rows exactly as a device does: the graph is written as a .tflite file (float32 in and
// out: QUANTIZE / DEQUANTIZE at the edges of an int8 graph) and run row by row by the inference
// core (src/micro), the same code and the same bits as on the gateway and the microcontroller.

#include <cstddef>
#include <span>
#include <vector>

#include "common/error.h"
#include "tflite/graph.h"

namespace aiotops::quant {

struct DeviceRun {
  std::vector<double> scores;  // P(fault) per row, as the core returns it (float32)
  size_t model_bytes = 0;      // the .tflite file
  size_t arena_bytes = 0;      // arena the core needs for it (from a 16-byte-aligned start)
};

// Runs `graph` (float or int8) on every row of `rows` (row-major raw values, graph.inputs per
// row; may be empty) through micro::HostModel. Fails with kInvalidArgument when the writer
// rejects the graph or the size is not a multiple of graph.inputs, kCorrupt when the core
// refuses the written file (a model beyond its compile-time capacities, e.g. a layer wider than
// micro::kMaxLayerWidth), kInternal when a run fails. Thread-safe.
Result<DeviceRun> run_on_device_core(const tflite::Graph& graph, std::span<const double> rows);

}  // namespace aiotops::quant
