#pragma once
// Calibration: run the float network on a representative dataset and record the range of every
// tensor quantization needs — the first layer's input (the raw values, or the standardized ones
// when the graph standardizes) and each dense layer's output, after its fused activation
// (post-ReLU, as TFLite's calibrator sees a fused FULLY_CONNECTED); the last layer's output is
// the logit before LOGISTIC.

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "quant/params.h"
#include "tflite/graph.h"

namespace aiotops::quant {

enum class CalibrationMethod {
  kMinMax,      // the smallest and largest value seen
  kPercentile,  // the (100 - p)th and pth percentiles of every value seen (outliers clipped)
};
std::string_view to_string(CalibrationMethod method);  // "minmax", "percentile"
// Fails with kInvalidArgument naming the accepted values.
Result<CalibrationMethod> parse_calibration_method(std::string_view name);

struct CalibrationOptions {
  CalibrationMethod method = CalibrationMethod::kMinMax;
  // With kPercentile: the upper percentile, in (50, 100]; the lower one is 100 - percentile.
  // Percentiles interpolate linearly between order statistics (numpy's default).
  double percentile = 99.99;
};

// Fails with kInvalidArgument naming the option when percentile is out of range.
Status validate(const CalibrationOptions& options);

struct Calibration {
  CalibrationOptions options;
  size_t rows = 0;    // dataset rows the ranges were measured on
  TensorRange input;  // the first layer's input, all features pooled (one per-tensor range)
  std::vector<TensorRange> layers;  // each layer's output after its activation, input side first
};

// Runs `float_graph` (type kFloat32, in float arithmetic, its standardization first) on every row
// of `rows` (row-major, raw values, float_graph.inputs per row) and measures the ranges. Percentile
// mode keeps every value of one tensor at a time: memory rows x widest layer x 4 bytes. Fails with
// kInvalidArgument when the graph is not a consistent float graph, there are no rows, the size
// is not a multiple of the input count, or a value is not finite (naming row and column, 1-based).
// Thread-safe.
Result<Calibration> calibrate(const tflite::Graph& float_graph, std::span<const double> rows,
                              const CalibrationOptions& options);

// The pth percentile (p in [0, 100]) of `values` (non-empty) with linear interpolation between
// order statistics, as numpy.percentile. Reorders `values`.
float percentile(std::vector<float>& values, double p);

// {"method", "percentile" (percentile method only), "rows", "input": [min, max],
// "layers": [[min, max], ...]}.
nlohmann::json to_json(const Calibration& calibration);

}  // namespace aiotops::quant
