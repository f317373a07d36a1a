#pragma once
// The files a device runs, made from a model file (float, scaler folded) or a QMODEL file (int8):
// a .tflite flatbuffer or a C header holding its bytes and metadata. `aiotops export` writes one;
// `aiotops publish` makes each of them for the registry.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "common/error.h"
#include "tflite/c_array.h"
#include "tflite/graph.h"

namespace aiotops::quant {

enum class ExportFormat { kTflite, kCArray };

struct ExportOptions {
  ExportFormat format = ExportFormat::kTflite;
  bool int8_io = false;  // int8 graphs: raw int8 input and output tensors instead of float32
  std::optional<std::string> model_name;     // overrides the graph metadata's; unset: keep it
  std::optional<std::string> model_version;  // overrides the graph metadata's; unset: keep it
  std::string symbol = tflite::CArrayOptions().symbol;  // kCArray: the byte array's C identifier
};

// The graph of `path`: a QMODEL's int8 graph, or a model file lowered to a float graph (named by
// its kind unless model_name is set), with model_name and model_version applied. Errors of
// is_qmodel_file, load_qmodel, ml::load_model and lower_to_graph (with the path). Thread-safe.
Result<tflite::Graph> load_device_graph(const std::filesystem::path& path,
                                        const ExportOptions& options);

struct ExportedModel {
  std::string contents;     // the file: .tflite bytes or the C header's text
  size_t tflite_bytes = 0;  // size of the .tflite flatbuffer (also inside a C header)
};

// The file for `graph` in options.format. kInvalidArgument when the writer rejects the graph (or
// int8_io on a float graph) or the symbol is not a C identifier. Thread-safe.
Result<ExportedModel> export_graph(const tflite::Graph& graph, const ExportOptions& options);

}  // namespace aiotops::quant
