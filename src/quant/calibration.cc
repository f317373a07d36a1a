#include "quant/calibration.h"

#include <algorithm>
#include <cmath>

#include "tflite/graph_checks.h"

namespace aiotops::quant {
namespace {

TensorRange min_max(std::span<const float> values) {
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return {*lo, *hi};
}

TensorRange measure(std::span<const float> values, const CalibrationOptions& options) {
  if (options.method == CalibrationMethod::kMinMax) return min_max(values);
  std::vector<float> copy(values.begin(), values.end());
  const float hi = percentile(copy, options.percentile);
  const float lo = percentile(copy, 100.0 - options.percentile);
  return {lo, hi};
}

// One dense layer on every row: `in` is rows x layer.inputs, the result rows x layer.outputs.
std::vector<float> dense_forward(const tflite::DenseLayer& layer, std::span<const float> in,
                                 size_t rows) {
  std::vector<float> out(rows * layer.outputs);
  for (size_t r = 0; r < rows; ++r) {
    const float* x = in.data() + r * layer.inputs;
    for (size_t o = 0; o < layer.outputs; ++o) {
      const float* w = layer.weights.data() + o * layer.inputs;
      float sum = 0;
      for (size_t i = 0; i < layer.inputs; ++i) sum += w[i] * x[i];
      sum += layer.bias[o];
      if (layer.activation == tflite::Activation::kRelu) sum = std::max(sum, 0.0f);
      out[r * layer.outputs + o] = sum;
    }
  }
  return out;
}

}  // namespace

std::string_view to_string(CalibrationMethod method) {
  return method == CalibrationMethod::kPercentile ? "percentile" : "minmax";
}

Result<CalibrationMethod> parse_calibration_method(std::string_view name) {
  if (name == "minmax") return CalibrationMethod::kMinMax;
  if (name == "percentile") return CalibrationMethod::kPercentile;
  return fail(ErrorCode::kInvalidArgument, "calibration method '{}': expected minmax or percentile",
              name);
}

Status validate(const CalibrationOptions& options) {
  if (!(options.percentile > 50.0 && options.percentile <= 100.0)) {
    return fail(ErrorCode::kInvalidArgument, "percentile: {} is outside (50, 100]",
                options.percentile);
  }
  return {};
}

float percentile(std::vector<float>& values, double p) {
  const double position = p / 100.0 * static_cast<double>(values.size() - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  const double fraction = position - static_cast<double>(below);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(below),
                   values.end());
  const double lower = values[below];
  if (fraction == 0 || below + 1 >= values.size()) return static_cast<float>(lower);
  const double upper =
      *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(below) + 1, values.end());
  return static_cast<float>(lower + fraction * (upper - lower));
}

Result<Calibration> calibrate(const tflite::Graph& float_graph, std::span<const double> rows,
                              const CalibrationOptions& options) {
  if (auto status = validate(options); !status) return fail(status.error());
  if (float_graph.type != tflite::TensorType::kFloat32) {
    return fail(ErrorCode::kInvalidArgument, "calibration graph: not a float32 graph");
  }
  if (auto status = tflite::check_graph(float_graph); !status) {
    return fail(status.error().with_context("calibration graph"));
  }
  const size_t cols = float_graph.inputs;
  if (rows.empty() || rows.size() % cols != 0) {
    return fail(ErrorCode::kInvalidArgument,
                "calibration data: {} values do not form rows of {} features (at least one row)",
                rows.size(), cols);
  }
  Calibration calibration;
  calibration.options = options;
  calibration.rows = rows.size() / cols;
  std::vector<float> tensor(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    tensor[i] = static_cast<float>(rows[i]);
    if (!std::isfinite(tensor[i])) {
      return fail(ErrorCode::kInvalidArgument,
                  "calibration data: row {} column {}: {} is not a finite float", i / cols + 1,
                  i % cols + 1, rows[i]);
    }
  }
  const tflite::Standardization& z = float_graph.standardize;
  if (!z.empty()) {
    for (size_t i = 0; i < tensor.size(); ++i) {
      tensor[i] = (tensor[i] - z.mean[i % cols]) / z.scale[i % cols];
    }
  }
  calibration.input = measure(tensor, options);
  for (const tflite::DenseLayer& layer : float_graph.layers) {
    tensor = dense_forward(layer, tensor, calibration.rows);
    calibration.layers.push_back(measure(tensor, options));
  }
  return calibration;
}

nlohmann::json to_json(const Calibration& calibration) {
  nlohmann::json json{{"method", to_string(calibration.options.method)},
                      {"rows", calibration.rows},
                      {"input", {calibration.input.min, calibration.input.max}}};
  if (calibration.options.method == CalibrationMethod::kPercentile) {
    json["percentile"] = calibration.options.percentile;
  }
  nlohmann::json layers = nlohmann::json::array();
  for (const TensorRange& range : calibration.layers) layers.push_back({range.min, range.max});
  json["layers"] = std::move(layers);
  return json;
}

}  // namespace aiotops::quant
