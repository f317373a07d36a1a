#pragma once
// The network a device runs, independent of any file format: a chain of dense layers ending in
// one logit, then LOGISTIC. Lowering (from ml::Model), quantization (src/quant), the .tflite
// writer and the micro core's tests all speak this shape. Devices feed raw sensor values in
// metadata.feature_names order: the scaler is either folded into the first layer (float graphs,
// by default) or kept as `standardize`, applied in float32 before the first layer (int8 graphs:
// one int8 input scale cannot resolve 300 K temperatures beside 1500 rpm speeds, so the int8
// part starts from standardized values).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace aiotops::tflite {

// real = scale * (q - zero_point)
struct QuantParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

enum class Activation { kNone, kRelu };
enum class TensorType { kFloat32, kInt8 };

// y = activation(W x + b), W is outputs x inputs, row-major.
struct DenseLayer {
  size_t inputs = 0;
  size_t outputs = 0;
  Activation activation = Activation::kNone;
  // Float graphs.
  std::vector<float> weights;  // outputs * inputs
  std::vector<float> bias;     // outputs
  // Int8 graphs. Weights are symmetric (zero point 0): one scale per tensor, or one per output
  // channel. Bias is int32 with scale input_scale * weight_scale (per channel), zero point 0.
  std::vector<int8_t> weights_q;     // outputs * inputs
  std::vector<float> weight_scales;  // 1 (per-tensor) or outputs (per-channel)
  std::vector<int32_t> bias_q;       // outputs
  QuantParams output;                // this layer's int8 output (asymmetric)
};

// z_i = (x_i - mean[i]) / scale[i] for each input; empty vectors = no standardization.
struct Standardization {
  std::vector<float> mean;   // one per input, in raw units
  std::vector<float> scale;  // one per input, > 0
  bool empty() const { return mean.empty() && scale.empty(); }
};

// What a device needs to check it was given the model it expects.
struct GraphMetadata {
  std::string model_name;
  std::string model_version;
  std::vector<std::string> feature_names;  // input order
  float threshold = 0.5f;
  std::vector<std::string> alert_level_names;  // e.g. no-fault, potential-failure, ...
  std::vector<float> alert_level_from;         // lower bound of each level, ascending
  std::string dataset_sha256;                  // the training dataset's content hash
  // Per input, the smallest and largest raw value among the training rows, rounded outward to
  // float32 (so every training value lies inside); both empty when the model file has none.
  std::vector<float> training_min;
  std::vector<float> training_max;
  // Set by the .tflite writer in files with raw int8 input whose graph standardizes: the device
  // computes (x - mean) / scale itself, then quantizes with the input tensor's parameters.
  Standardization device_standardize;
};

struct Graph {
  TensorType type = TensorType::kFloat32;
  size_t inputs = 0;
  // Applied to the raw inputs in float32 before the first layer; empty when the first layer takes
  // raw values (the scaler folded into it).
  Standardization standardize;
  QuantParams input;               // int8 graphs: quantization of the first layer's input
  std::vector<DenseLayer> layers;  // the last layer has one output: the logit
  // int8 graphs: LOGISTIC's output in TFLite's int8 scheme.
  QuantParams output{1.0f / 256.0f, -128};
  GraphMetadata metadata;
};

}  // namespace aiotops::tflite
