#pragma once
// Full-integer post-training quantization of a float network (logistic regression, linear SVM or
// MLP lowered to a tflite::Graph) into TFLite's int8 scheme: symmetric int8 weights, int32
// biases in the accumulator's scale, asymmetric int8 activations from calibrated ranges, and
// LOGISTIC's fixed int8 output (scale 1/256, zero point -128).

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "quant/calibration.h"
#include "quant/params.h"
#include "tflite/graph.h"

namespace aiotops::quant {

struct QuantizeOptions {
  WeightMode weights = WeightMode::kInt8;
  bool per_channel = false;  // one weight scale per output channel instead of per tensor
};

// {"weights": "int8"|"pow2", "per_channel": bool}
nlohmann::json to_json(const QuantizeOptions& options);

// The int8 graph of `float_graph` with activation ranges from `calibration` (made by calibrate()
// on this graph): the input and each layer's output get asymmetric_params() of their range; a
// ReLU layer's output range starts at 0 (the calibrated range is post-ReLU, and the kernel
// clamps at the zero point). The standardization (kept in float32 before the first layer) and the
// metadata are copied. Fails with kInvalidArgument when the graph is
// not a valid float graph or the calibration has a different layer count. Thread-safe.
Result<tflite::Graph> quantize_graph(const tflite::Graph& float_graph,
                                     const Calibration& calibration,
                                     const QuantizeOptions& options);

}  // namespace aiotops::quant
