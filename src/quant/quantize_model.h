#pragma once
// Quantizing a trained model end to end, as `aiotops quantize` does: lower it to the float graph
// (the scaler kept as a float32 standardization before the int8 layers), calibrate on
// representative rows, quantize in the chosen weights mode and in the other one for
// comparison, score the held-out rows with the float model and with each graph on the inference
// core, and judge the selected variant against the quality gate.

#include <span>
#include <string>

#include "common/error.h"
#include "ml/model_file.h"
#include "quant/calibration.h"
#include "quant/quantize.h"
#include "quant/report.h"
#include "tflite/graph.h"
#include "tflite/lower.h"

namespace aiotops::quant {

// The float32 .tflite (the float export, scaler folded) run by the inference core must reproduce
// ml::Model::score to this (max |difference| in probability); beyond it the lowering is wrong and
// quantization is not judged.
inline constexpr double kFloatGraphTolerance = 1e-4;

struct QuantizeModelOptions {
  CalibrationOptions calibration;
  QuantizeOptions quantize;  // the variant to select (written to the QMODEL)
  GateLimits gate;
  tflite::LowerOptions lower;  // graph metadata: model name and version
};

// Held-out rows for the report: raw values in the model's feature order (row-major), with 0/1
// labels (one per row) or none.
struct EvalSet {
  std::span<const double> rows;
  std::span<const double> labels;  // empty when unlabelled: no metrics, no gate
  std::string source;              // a path or a note, shown in the report
};

struct QuantizedModel {
  tflite::Graph graph;  // the selected int8 graph
  Calibration calibration;
  QuantReport report;  // selected variant plus the other weights mode as the alternative
  GateResult gate;
};

// Fails with kInvalidArgument for models that are not dense networks (naive Bayes), bad
// calibration or eval rows (naming row and column), labels that are not 0/1 or not one per row,
// a gate without labels (checked before any work) or with an undefined metric; kInternal when the
// float graph on the core disagrees with the model beyond kFloatGraphTolerance. A refused gate is
// not an error: see QuantizedModel::gate. Thread-safe.
Result<QuantizedModel> quantize_model(const ml::Model& model,
                                      std::span<const double> calibration_rows, const EvalSet& eval,
                                      const QuantizeModelOptions& options);

}  // namespace aiotops::quant
