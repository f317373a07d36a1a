#include "quant/qmodel.h"

#include <string>

#include "common/files.h"
#include "ml/json_fields.h"
#include "quant/graph_json.h"

namespace aiotops::quant {
namespace {

Result<nlohmann::json> parse_document(std::string_view text) {
  nlohmann::json document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return fail(ErrorCode::kCorrupt, "not valid JSON");
  return document;
}

Result<QuantizeOptions> options_from_json(const nlohmann::json& root) {
  auto json = ml::object_field(root, "", "quantization");
  if (!json) return fail(json.error());
  QuantizeOptions options;
  auto weights = ml::string_field(**json, "quantization", "weights");
  if (!weights) return fail(weights.error());
  auto mode = parse_weight_mode(*weights);
  if (!mode) {
    return fail(ErrorCode::kCorrupt, "field 'quantization.weights': {}", mode.error().message());
  }
  options.weights = *mode;
  auto per_channel = (*json)->find("per_channel");
  if (per_channel == (*json)->end() || !per_channel->is_boolean()) {
    return fail(ErrorCode::kCorrupt, "field 'quantization.per_channel' is not a boolean");
  }
  options.per_channel = per_channel->get<bool>();
  return options;
}

}  // namespace

nlohmann::json source_identity(const ml::Model& model, std::string_view file_sha256) {
  nlohmann::json source = ml::model_to_json(model);
  for (const char* key : {"format", "format_version", "scaler", "parameters"}) source.erase(key);
  source["file_sha256"] = file_sha256;
  return source;
}

nlohmann::json qmodel_to_json(const QModel& qmodel) {
  return {
      {"format", kQModelFormat},
      {"format_version", kQModelFormatVersion},
      {"source", qmodel.source},
      {"calibration", qmodel.calibration},
      {"quantization", to_json(qmodel.options)},
      {"graph", int8_graph_to_json(qmodel.graph)},
      {"report", qmodel.report},
  };
}

Result<QModel> qmodel_from_json(const nlohmann::json& document) {
  if (auto status = ml::expect_object(document, ""); !status) return fail(status.error());
  auto format = ml::string_field(document, "", "format");
  if (!format) return fail(format.error());
  if (*format != kQModelFormat) {
    return fail(ErrorCode::kCorrupt, "field 'format' is '{}', expected '{}'", *format,
                kQModelFormat);
  }
  auto version = ml::count_field(document, "", "format_version");
  if (!version) return fail(version.error());
  if (*version != kQModelFormatVersion) {
    return fail(ErrorCode::kCorrupt,
                "field 'format_version' is {}; this aiotops reads version {} only", *version,
                kQModelFormatVersion);
  }
  QModel qmodel;
  for (auto [name, target] :
       {std::pair{"source", &qmodel.source}, std::pair{"calibration", &qmodel.calibration},
        std::pair{"report", &qmodel.report}}) {
    auto object = ml::object_field(document, "", name);
    if (!object) return fail(object.error());
    *target = **object;
  }
  auto options = options_from_json(document);
  if (!options) return fail(options.error());
  qmodel.options = *options;
  auto graph_json = ml::object_field(document, "", "graph");
  if (!graph_json) return fail(graph_json.error());
  auto graph = int8_graph_from_json(**graph_json, "graph");
  if (!graph) return fail(graph.error());
  qmodel.graph = std::move(*graph);
  return qmodel;
}

Status save_qmodel(const QModel& qmodel, const std::filesystem::path& path) {
  const std::string text =
      qmodel_to_json(qmodel).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  return write_file_atomic(path, text + "\n");
}

Result<QModel> read_qmodel(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) return fail(text.error());
  auto document = parse_document(*text);
  if (!document) return fail(document.error().with_context(path.string()));
  auto qmodel = qmodel_from_json(*document);
  if (!qmodel) return fail(qmodel.error().with_context(path.string()));
  return qmodel;
}

Result<tflite::Graph> load_qmodel(const std::filesystem::path& path) {
  auto qmodel = read_qmodel(path);
  if (!qmodel) return fail(qmodel.error());
  return std::move(qmodel->graph);
}

Result<bool> is_qmodel_file(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) return fail(text.error());
  auto document = parse_document(*text);
  if (!document || !document->is_object()) return false;
  auto format = document->find("format");
  return format != document->end() && format->is_string() &&
         format->get<std::string>() == kQModelFormat;
}

}  // namespace aiotops::quant
