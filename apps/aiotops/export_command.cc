// aiotops export: a trained model (model file) or a quantized one (QMODEL) as a .tflite file or
// as a C header holding its bytes, for devices (docs/formats/tflite.md).

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "apps/aiotops/command.h"
#include "common/files.h"
#include "quant/device_export.h"

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

quant::ExportOptions export_options(const ExportFlags& flags) {
  return {.format = flags.format == "c-array" ? quant::ExportFormat::kCArray
                                              : quant::ExportFormat::kTflite,
          .int8_io = flags.int8_io,
          .model_name = flags.model_name,
          .model_version = flags.model_version,
          .symbol = flags.symbol};
}

std::string layer_sizes(const tflite::Graph& graph) {
  std::string sizes = std::to_string(graph.inputs);
  for (const tflite::DenseLayer& layer : graph.layers) sizes += fmt::format("-{}", layer.outputs);
  return sizes;
}

int run_export(const ExportFlags& flags) {
  const quant::ExportOptions options = export_options(flags);
  auto graph = quant::load_device_graph(flags.model, options);
  if (!graph) return report_error(graph.error());
  const bool int8 = graph->type == tflite::TensorType::kInt8;
  auto exported = quant::export_graph(*graph, options);
  if (!exported) return report_error(exported.error().with_context(flags.model));
  if (auto status = write_file_atomic(flags.out, exported->contents); !status) {
    return report_error(status.error());
  }
  const char* io = !int8 ? "float32" : flags.int8_io ? "int8, int8 I/O" : "int8, float I/O";
  std::fputs(fmt::format("wrote {} ({}): {} {} {}, {} network, {} model bytes\n", flags.out,
                         flags.format, graph->metadata.model_name, graph->metadata.model_version,
                         io, layer_sizes(*graph), exported->tflite_bytes)
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
