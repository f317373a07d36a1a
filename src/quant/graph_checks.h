#pragma once
// Structural checks of a tflite::Graph before quantization reads it or after a QMODEL file
// supplies it: layer shapes chain, sizes agree, values are finite and in range.

#include "common/error.h"
#include "tflite/graph.h"

namespace aiotops::quant {

// Largest layer width (inputs or outputs) accepted, in units.
inline constexpr size_t kMaxLayerUnits = 1 << 16;
// Largest weight count of one layer accepted.
inline constexpr size_t kMaxLayerWeights = 1 << 24;

// A float graph: type kFloat32, at least one layer, the first taking graph.inputs values, each
// taking the previous one's outputs, the last with one output, widths in [1, kMaxLayerUnits],
// weights outputs x inputs and bias outputs entries, all finite. Fails with kInvalidArgument
// naming the layer ("layers[1].bias: ..."). Thread-safe.
Status check_float_graph(const tflite::Graph& graph);

// An int8 graph: the same shape rules; weights_q outputs x inputs in [-127, 127], weight_scales
// 1 or outputs entries, all scales finite and > 0, zero points in [-128, 127], bias_q outputs
// entries, feature names (when given) one per input, and the LOGISTIC output 1/256, -128.
// Fails with kInvalidArgument naming the field. Thread-safe.
Status check_int8_graph(const tflite::Graph& graph);

}  // namespace aiotops::quant
