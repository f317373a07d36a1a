#pragma once
// Models for the edge unit tests (header-only, test use only): a native logistic regression over
// tflite::testing's four features with a training range, and its .tflite exports (float, int8
// with float I/O, int8 with int8 I/O) quantized by src/quant as `aiotops quantize` does.

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ml/model_file.h"
#include "quant/quantize_model.h"
#include "tflite/test_models.h"
#include "tflite/writer.h"

namespace aiotops::edge::testing {

using tflite::testing::kCentered;

// Raw rows around kCentered's training distribution (mean + k scale, k in [-3, 3]).
inline std::vector<std::vector<double>> rows(size_t count, uint64_t seed = 11) {
  return tflite::testing::raw_rows(count, kCentered, seed);
}

// A logistic regression on kCentered's features; `bias` shifts its scores so that two models
// are told apart. Its training range is kCentered's mean +- 3 scales.
inline ml::Model native_model(double bias = -3.4, std::string created = "2025-01-31T12:00:00Z") {
  ml::LinearFunction f = tflite::testing::linear_function();
  f.bias = bias;
  ml::ModelMetadata metadata = tflite::testing::make_metadata();
  metadata.created = std::move(created);
  for (size_t i = 0; i < kCentered.mean.size(); ++i) {
    metadata.training.feature_ranges.push_back(
        {kCentered.mean[i] - 3 * kCentered.scale[i], kCentered.mean[i] + 3 * kCentered.scale[i]});
  }
  auto model = ml::Model::create(tflite::testing::make_scaler(kCentered),
                                 std::make_unique<ml::LogisticRegression>(f), std::move(metadata));
  if (!model) {
    ADD_FAILURE() << model.error().message();
    std::abort();
  }
  return std::move(*model);
}

inline std::string native_bytes(const ml::Model& model) { return ml::model_to_json(model).dump(); }

inline std::string must(Result<std::string> bytes) {
  if (!bytes) {
    ADD_FAILURE() << bytes.error().message();
    std::abort();
  }
  return std::move(*bytes);
}

// The float .tflite export, named "motor" with `version`.
inline std::string float_tflite(const ml::Model& model, std::string version = "3") {
  tflite::LowerOptions options{.model_name = "motor", .model_version = std::move(version)};
  auto graph = tflite::lower_to_graph(model, options);
  if (!graph) return must(fail(graph.error()));
  return must(tflite::write_tflite(*graph));
}

// The int8 .tflite export, calibrated on rows(); `int8_io` as `aiotops export --int8-io`.
inline std::string int8_tflite(const ml::Model& model, bool int8_io) {
  std::vector<double> calibration;
  for (const auto& row : rows(400, 5))
    calibration.insert(calibration.end(), row.begin(), row.end());
  quant::QuantizeModelOptions options;
  options.lower.model_name = "motor";
  options.lower.model_version = int8_io ? "int8-io" : "int8";
  auto quantized = quant::quantize_model(model, calibration, {calibration, {}, "rows"}, options);
  if (!quantized) return must(fail(quantized.error()));
  return must(tflite::write_tflite(quantized->graph, {.int8_io = int8_io}));
}

}  // namespace aiotops::edge::testing
