#include "quant/device_export.h"

#include "ml/model_file.h"
#include "quant/qmodel.h"
#include "tflite/lower.h"
#include "tflite/reader.h"
#include "tflite/writer.h"

namespace aiotops::quant {

Result<tflite::Graph> load_device_graph(const std::filesystem::path& path,
                                        const ExportOptions& options) {
  auto is_qmodel = is_qmodel_file(path);
  if (!is_qmodel) return fail(is_qmodel.error());
  Result<tflite::Graph> graph = tflite::Graph{};
  if (*is_qmodel) {
    graph = load_qmodel(path);
  } else {
    auto model = ml::load_model(path);
    if (!model) return fail(model.error());
    tflite::LowerOptions lower;
    lower.model_name = options.model_name.value_or("");
    lower.model_version = options.model_version.value_or(lower.model_version);
    graph = tflite::lower_to_graph(*model, lower);
    if (!graph) return fail(graph.error().with_context(path.string()));
  }
  if (!graph) return graph;
  if (options.model_name) graph->metadata.model_name = *options.model_name;
  if (options.model_version) graph->metadata.model_version = *options.model_version;
  return graph;
}

Result<ExportedModel> export_graph(const tflite::Graph& graph, const ExportOptions& options) {
  auto bytes = tflite::write_tflite(graph, tflite::WriteOptions{.int8_io = options.int8_io});
  if (!bytes) return fail(bytes.error());
  ExportedModel exported{.contents = std::move(*bytes), .tflite_bytes = 0};
  exported.tflite_bytes = exported.contents.size();
  if (options.format == ExportFormat::kCArray) {
    // The metadata as the file holds it: with int8_io, the standardization the device applies.
    auto written = tflite::read_tflite(exported.contents);
    if (!written) return fail(written.error());
    auto header =
        tflite::to_c_array(exported.contents, tflite::CArrayOptions{.symbol = options.symbol},
                           written->aiotops.value_or(graph.metadata));
    if (!header) return fail(header.error().with_context("symbol"));
    exported.contents = std::move(*header);
  }
  return exported;
}

}  // namespace aiotops::quant
