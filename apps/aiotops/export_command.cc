// aiotops export: a trained model (model file) or a quantized one (QMODEL) as a .tflite file or
// as a C header holding its bytes, for devices (docs/formats/tflite.md).

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "apps/aiotops/command.h"
#include "common/files.h"
#include "ml/model_file.h"
#include "quant/qmodel.h"
#include "tflite/c_array.h"
#include "tflite/lower.h"
#include "tflite/reader.h"
#include "tflite/writer.h"

namespace aiotops::cli {
namespace {

struct ExportFlags {
  std::string model;
  std::string format = "tflite";
  std::string out;
  bool int8_io = false;
  std::optional<std::string> model_name;
  std::optional<std::string> model_version;
  std::string symbol = tflite::CArrayOptions().symbol;
};

// The graph to write: a QMODEL's int8 graph, or a float model lowered. --model-name and
// --model-version override what the file says.
Result<tflite::Graph> load_graph(const ExportFlags& flags) {
  auto is_qmodel = quant::is_qmodel_file(flags.model);
  if (!is_qmodel) return fail(is_qmodel.error());
  Result<tflite::Graph> graph = tflite::Graph{};
  if (*is_qmodel) {
    graph = quant::load_qmodel(flags.model);
  } else {
    auto model = ml::load_model(flags.model);
    if (!model) return fail(model.error());
    tflite::LowerOptions options;
    options.model_name = flags.model_name.value_or("");
    options.model_version = flags.model_version.value_or(options.model_version);
    graph = tflite::lower_to_graph(*model, options);
    if (!graph) return fail(graph.error().with_context(flags.model));
  }
  if (!graph) return graph;
  if (flags.model_name) graph->metadata.model_name = *flags.model_name;
  if (flags.model_version) graph->metadata.model_version = *flags.model_version;
  return graph;
}

std::string layer_sizes(const tflite::Graph& graph) {
  std::string sizes = std::to_string(graph.inputs);
  for (const tflite::DenseLayer& layer : graph.layers) sizes += fmt::format("-{}", layer.outputs);
  return sizes;
}

int run_export(const ExportFlags& flags) {
  auto graph = load_graph(flags);
  if (!graph) return report_error(graph.error());
  const bool int8 = graph->type == tflite::TensorType::kInt8;
  auto bytes = tflite::write_tflite(*graph, tflite::WriteOptions{.int8_io = flags.int8_io});
  if (!bytes) return report_error(bytes.error().with_context(flags.model));
  std::string contents = *bytes;
  if (flags.format == "c-array") {
    // The metadata as the file holds it: with --int8-io, the standardization the device applies.
    auto written = tflite::read_tflite(*bytes);
    if (!written) return report_error(written.error().with_context(flags.model));
    auto header = tflite::to_c_array(*bytes, tflite::CArrayOptions{.symbol = flags.symbol},
                                     written->aiotops.value_or(graph->metadata));
    if (!header) return report_error(header.error().with_context("--symbol"));
    contents = std::move(*header);
  }
  if (auto status = write_file_atomic(flags.out, contents); !status) {
    return report_error(status.error());
  }
  const char* io = !int8 ? "float32" : flags.int8_io ? "int8, int8 I/O" : "int8, float I/O";
  std::fputs(fmt::format("wrote {} ({}): {} {} {}, {} network, {} model bytes\n", flags.out,
                         flags.format, graph->metadata.model_name, graph->metadata.model_version,
                         io, layer_sizes(*graph), bytes->size())
                 .c_str(),
             stdout);
  return kExitOk;
}

}  // namespace

void add_export_command(CLI::App& root, Action& run) {
  auto flags = std::make_shared<ExportFlags>();
  CLI::App* cmd = root.add_subcommand(
      "export",
      "Write a model for devices: a TFLite flatbuffer (FULLY_CONNECTED, LOGISTIC; QUANTIZE and "
      "DEQUANTIZE around int8 models unless --int8-io) or a C header with its bytes and metadata. "
      "The scaler is folded in: devices feed raw sensor values in the model's feature order.");
  cmd->add_option("--model", flags->model,
                  "Model file (aiotops train) or QMODEL file (aiotops quantize)")
      ->required();
  cmd->add_option("--format", flags->format, "tflite or c-array")
      ->check(CLI::IsMember({"tflite", "c-array"}))
      ->capture_default_str();
  cmd->add_option("--out", flags->out, "Output file (replaced atomically)")->required();
  cmd->add_flag("--int8-io", flags->int8_io,
                "Quantized models only: raw int8 input and output tensors instead of float32");
  cmd->add_option("--model-name,--name", flags->model_name,
                  "Model name in the metadata (default: the QMODEL's, or the model kind)");
  cmd->add_option("--model-version", flags->model_version,
                  "Model version in the metadata (default: the QMODEL's, or 1)");
  cmd->add_option("--symbol", flags->symbol,
                  "c-array: C identifier of the byte array; macros use it in upper case")
      ->capture_default_str();
  cmd->callback([flags, &run] { run = [flags] { return run_export(*flags); }; });
}

}  // namespace aiotops::cli
