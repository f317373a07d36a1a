// aiotops inspect: what a .tflite file holds — operators, tensors with their quantization, the
// aiotops metadata, sizes, and the arena the inference core needs to run it.

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/aiotops/command.h"
#include "common/files.h"
#include "micro/interpreter.h"
#include "micro/status.h"
#include "tflite/ops.h"
#include "tflite/reader.h"

namespace aiotops::cli {
namespace {

namespace tfl = ::tflite;

struct InspectFlags {
  std::string file;
  bool json = false;
};

// The inference core's arena need, or why the core would refuse the file.
struct ArenaNeed {
  size_t bytes = 0;
  std::string refusal;  // empty when the core runs the model
};

ArenaNeed arena_need(const std::string& bytes) {
  ArenaNeed need;
  const micro::Status status = micro::arena_required(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                     bytes.size(), &need.bytes);
  if (status != micro::Status::kOk) need.refusal = micro::status_message(status);
  return need;
}

std::string quantization_text(const tflite::TensorSummary& t) {
  if (!t.has_quantization()) return "-";
  if (t.scales.size() == 1) {
    return fmt::format("scale {:.6g} zero point {}", t.scales[0], t.zero_points[0]);
  }
  const auto [lo, hi] = std::minmax_element(t.scales.begin(), t.scales.end());
  const bool zero =
      std::all_of(t.zero_points.begin(), t.zero_points.end(), [](int64_t z) { return z == 0; });
  return fmt::format("per-channel (dimension {}): {} scales {:.6g}..{:.6g}, zero points {}",
                     t.quantized_dimension, t.scales.size(), *lo, *hi, zero ? "0" : "mixed");
}

std::string options_text(const tflite::OperatorSummary& op) {
  if (op.options_type != tfl::BuiltinOptions::FullyConnectedOptions) return "";
  return fmt::format("fused {}", tfl::EnumNameActivationFunctionType(op.fused_activation));
}

std::string indices(const std::vector<int32_t>& list) {
  return fmt::format("{}", fmt::join(list, ", "));
}

std::string metadata_text(const tflite::ModelSummary& s) {
  if (!s.aiotops) return "metadata     none from aiotops\n";
  const tflite::GraphMetadata& m = *s.aiotops;
  std::string levels;
  for (size_t i = 0; i < m.alert_level_names.size(); ++i) {
    levels += fmt::format("{}{} from {}", i ? ", " : "", m.alert_level_names[i],
                          i < m.alert_level_from.size() ? m.alert_level_from[i] : 0.0f);
  }
  std::string text = fmt::format(
      "model        {} version {}\nfeatures     {}\nthreshold    {}\nalert levels {}\n"
      "dataset      sha256 {}\n",
      m.model_name, m.model_version, fmt::join(m.feature_names, ", "), m.threshold, levels,
      m.dataset_sha256);
  if (!m.device_standardize.empty()) {
    text += fmt::format("device input (x - mean) / scale, mean [{}], scale [{}], then quantize\n",
                        fmt::join(m.device_standardize.mean, ", "),
                        fmt::join(m.device_standardize.scale, ", "));
  }
  return text;
}

std::string text_report(const InspectFlags& flags, const tflite::ModelSummary& s,
                        const ArenaNeed& arena) {
  std::string text = fmt::format("file         {} ({} bytes)\n", flags.file, s.file_bytes);
  text += fmt::format("format       TFLite schema {}, {} subgraph(s), first \"{}\", \"{}\"\n",
                      s.schema_version, s.subgraph_count, s.subgraph_name, s.description);
  text += metadata_text(s);
  size_t metadata_bytes = 0;
  for (const auto& m : s.metadata) metadata_bytes += m.bytes.size();
  text += fmt::format("sizes        file {} bytes, constants {} bytes, metadata {} bytes\n",
                      s.file_bytes, s.constant_bytes, metadata_bytes);
  text += arena.refusal.empty()
              ? fmt::format("arena        {} bytes (aiotops inference core)\n", arena.bytes)
              : fmt::format("arena        - (the aiotops inference core refuses it: {})\n",
                            arena.refusal);
  text += fmt::format("inputs       {}\noutputs      {}\n\noperators\n", indices(s.inputs),
                      indices(s.outputs));
  text += fmt::format("  {:>2}  {:<16} {:>7}  {:<12} {:<8} {}\n", "#", "op", "version", "inputs",
                      "outputs", "options");
  for (size_t i = 0; i < s.operators.size(); ++i) {
    const auto& op = s.operators[i];
    text += fmt::format("  {:>2}  {:<16} {:>7}  {:<12} {:<8} {}\n", i, tflite::operator_name(op.op),
                        op.version, indices(op.inputs), indices(op.outputs), options_text(op));
  }
  text += fmt::format("\ntensors\n  {:>2}  {:<22} {:<8} {:<10} {:>7}  {:<6} {}\n", "#", "name",
                      "type", "shape", "bytes", "data", "quantization");
  for (size_t i = 0; i < s.tensors.size(); ++i) {
    const auto& t = s.tensors[i];
    text +=
        fmt::format("  {:>2}  {:<22} {:<8} {:<10} {:>7}  {:<6} {}\n", i, t.name,
                    tflite::tensor_type_name(t.type), fmt::format("[{}]", fmt::join(t.shape, ", ")),
                    t.bytes(), t.is_constant() ? "const" : "-", quantization_text(t));
  }
  return text;
}

nlohmann::json json_report(const InspectFlags& flags, const tflite::ModelSummary& s,
                           const ArenaNeed& arena) {
  nlohmann::json j = {{"file", flags.file},
                      {"file_bytes", s.file_bytes},
                      {"schema_version", s.schema_version},
                      {"subgraphs", s.subgraph_count},
                      {"description", s.description},
                      {"constant_bytes", s.constant_bytes},
                      {"inputs", s.inputs},
                      {"outputs", s.outputs}};
  j["arena_bytes"] = arena.refusal.empty() ? nlohmann::json(arena.bytes) : nlohmann::json();
  if (!arena.refusal.empty()) j["arena_refusal"] = arena.refusal;
  j["operators"] = nlohmann::json::array();
  for (const auto& op : s.operators) {
    nlohmann::json o = {{"op", tflite::operator_name(op.op)},
                        {"builtin_code", op.builtin_code},
                        {"deprecated_builtin_code", op.deprecated_builtin_code},
                        {"version", op.version},
                        {"inputs", op.inputs},
                        {"outputs", op.outputs}};
    if (op.options_type == tfl::BuiltinOptions::FullyConnectedOptions) {
      o["fused_activation"] = tfl::EnumNameActivationFunctionType(op.fused_activation);
    }
    j["operators"].push_back(std::move(o));
  }
  j["tensors"] = nlohmann::json::array();
  for (const auto& t : s.tensors) {
    nlohmann::json o = {{"name", t.name},
                        {"type", tflite::tensor_type_name(t.type)},
                        {"shape", t.shape},
                        {"bytes", t.bytes()},
                        {"constant", t.is_constant()}};
    if (t.has_quantization()) {
      o["quantization"] = {{"scales", t.scales},
                           {"zero_points", t.zero_points},
                           {"quantized_dimension", t.quantized_dimension}};
    }
    j["tensors"].push_back(std::move(o));
  }
  j["metadata"] = nlohmann::json::object();
  for (const auto& m : s.metadata) {
    const auto parsed = nlohmann::json::parse(m.bytes, nullptr, false);
    j["metadata"][m.name] = parsed.is_discarded() ? nlohmann::json(m.bytes.size()) : parsed;
  }
  return j;
}

int run_inspect(const InspectFlags& flags) {
  auto bytes = read_file(flags.file);
  if (!bytes) return report_error(bytes.error());
  auto summary = tflite::read_tflite(*bytes);
  if (!summary) return report_error(summary.error().with_context(flags.file));
  const ArenaNeed arena = arena_need(*bytes);
  const std::string out =
      flags.json ? json_report(flags, *summary, arena)
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                       "\n"
                 : text_report(flags, *summary, arena);
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace

void add_inspect_command(CLI::App& root, Action& run) {
  auto flags = std::make_shared<InspectFlags>();
  CLI::App* cmd = root.add_subcommand(
      "inspect",
      "Show a .tflite file: its operators, tensors and their quantization, the aiotops metadata "
      "(features, threshold, alert levels, model version, dataset hash), sizes, and the arena "
      "bytes the aiotops inference core needs to run it. The file is verified first.");
  cmd->add_option("file", flags->file, ".tflite file")->required();
  cmd->add_flag("--json", flags->json, "One JSON object on stdout instead of text");
  cmd->callback([flags, &run] { run = [flags] { return run_inspect(*flags); }; });
}

}  // namespace aiotops::cli
