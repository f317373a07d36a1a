#pragma once
// Structural checks of a Graph before it is written: what the .tflite writer needs to produce a
// file that TFLite, TFLite Micro and Arm NN accept.

#include <cstddef>

#include "common/error.h"
#include "tflite/graph.h"

namespace aiotops::tflite {

// Widest layer accepted, in units (inputs or outputs).
inline constexpr size_t kMaxUnits = 1 << 16;

// Checks that the layers chain from graph.inputs to one output with widths in [1, kMaxUnits]
// and, for the graph's type, that every parameter vector has its size and every value is usable:
// float weights and biases finite; int8 weights in [-127, 127], one weight scale per tensor or
// per output, scales finite and > 0, zero points in [-128, 127], LOGISTIC's output 1/256 and
// -128. Feature names, when given, are one per input; a standardization (the graph's and the
// metadata's device_standardize) is empty or has one finite mean and one scale > 0 per input. Fails
// with kInvalidArgument naming the field ("layers[1].bias_q: ..."). Thread-safe.
Status check_graph(const Graph& graph);

}  // namespace aiotops::tflite
