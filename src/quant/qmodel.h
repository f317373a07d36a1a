#pragma once
// The QMODEL file: a quantized model as `aiotops quantize` leaves it — the int8 graph with every
// quantization parameter, the float model it came from, how it was calibrated and quantized, and
// the quantization report. Versioned JSON, specified in docs/formats/qmodel.md. Files are
// untrusted: loading checks every field of the graph and fails with kCorrupt naming the first
// bad one. Saving is atomic (temp file + rename).

#include <filesystem>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "ml/model_file.h"
#include "quant/quantize.h"
#include "tflite/graph.h"

namespace aiotops::quant {

inline constexpr std::string_view kQModelFormat = "aiotops-qmodel";
inline constexpr int kQModelFormatVersion = 1;

struct QModel {
  tflite::Graph graph;  // int8, metadata included
  QuantizeOptions options;
  // The float model's identity: {"file_sha256", "kind", "features", "label", "threshold",
  // "alert_levels", "training", "metrics", "resources", "tool_version", "created"}
  // (source_identity()).
  nlohmann::json source = nlohmann::json::object();
  // Calibration settings and measured ranges (to_json(Calibration)) plus "data" and
  // "data_sha256" of the calibration dataset.
  nlohmann::json calibration = nlohmann::json::object();
  nlohmann::json report = nlohmann::json::object();  // to_json(QuantReport, ...)
};

// The float model's identity for QMODEL.source: its model file's JSON (ml::model_to_json) without
// the format tag, scaler and parameters, plus "file_sha256" (of the model file's bytes). Never
// fails; thread-safe.
nlohmann::json source_identity(const ml::Model& model, std::string_view file_sha256);

// The document. `qmodel.graph` must be an int8 graph. Never fails; thread-safe.
nlohmann::json qmodel_to_json(const QModel& qmodel);
// Rebuilds a QModel from qmodel_to_json() output: kCorrupt naming the field (format, version,
// every graph field; source, calibration and report must be objects). Thread-safe.
Result<QModel> qmodel_from_json(const nlohmann::json& document);

// Writes the file atomically: on failure `path` is untouched (kIo). Thread-safe for distinct
// paths.
Status save_qmodel(const QModel& qmodel, const std::filesystem::path& path);
// Reads and checks a QMODEL file: kNotFound/kIo for the file, kCorrupt ("<path>: field 'x' ...")
// for its contents. Thread-safe.
Result<QModel> read_qmodel(const std::filesystem::path& path);
// The int8 graph (with its metadata: feature names, threshold, alert levels, model name and
// version, training dataset hash) of a QMODEL file, for export. Errors as read_qmodel.
Result<tflite::Graph> load_qmodel(const std::filesystem::path& path);

// True when `path` holds a JSON document whose "format" is kQModelFormat (so it is a QMODEL
// rather than a float model file); false for any other readable file. kNotFound/kIo when it
// cannot be read.
Result<bool> is_qmodel_file(const std::filesystem::path& path);

}  // namespace aiotops::quant
