#include "registry/http_json.h"

#include <algorithm>
#include <optional>
#include <set>

#include "registry/names.h"

namespace aiotops::registry {
namespace {

using nlohmann::json;

json optional_int(const std::optional<int64_t>& value) { return value ? json(*value) : json(); }

json version_ref(const std::optional<VersionRef>& ref) {
  if (!ref) return nullptr;
  return {{"name", ref->name}, {"version", ref->version}};
}

// Reads the fields of one request object, remembering which keys it asked for so finish() can
// refuse the rest. Every failure names "<what>.<key>".
class Fields {
 public:
  Fields(const json& object, std::string_view what) : object_(object), what_(what) {}

  const json* find(std::string_view key) {
    known_.emplace(key);
    auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  Result<std::optional<std::string>> string(std::string_view key) {
    const json* value = find(key);
    if (!value) return std::optional<std::string>();
    if (!value->is_string()) return wrong_type(key, "a string");
    return std::optional<std::string>(value->get<std::string>());
  }

  // An integer >= `min`.
  Result<std::optional<int64_t>> integer(std::string_view key, int64_t min) {
    const json* value = find(key);
    if (!value) return std::optional<int64_t>();
    if (!value->is_number_integer()) return wrong_type(key, "an integer");
    if (value->is_number_unsigned() && value->get<uint64_t>() > uint64_t{INT64_MAX}) {
      return wrong_type(key, "an integer");
    }
    const int64_t number = value->get<int64_t>();
    if (number < min) {
      return fail(ErrorCode::kInvalidArgument, "{}.{}: {} is below the minimum {}", what_, key,
                  number, min);
    }
    return std::optional<int64_t>(number);
  }

  Result<const json*> object(std::string_view key) {
    const json* value = find(key);
    if (value && !value->is_object()) return wrong_type(key, "an object");
    return value;
  }

  Result<const json*> array(std::string_view key) {
    const json* value = find(key);
    if (value && !value->is_array()) return wrong_type(key, "an array");
    return value;
  }

  // kInvalidArgument naming the first key nobody asked for.
  Status finish() const {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      if (!known_.contains(it.key())) {
        return fail(ErrorCode::kInvalidArgument, "{}: unknown field '{}'", what_, it.key());
      }
    }
    return {};
  }

  std::unexpected<Error> wrong_type(std::string_view key, std::string_view expected) const {
    return fail(ErrorCode::kInvalidArgument, "{}.{}: expected {}", what_, key, expected);
  }

  const std::string& what() const { return what_; }

 private:
  const json& object_;
  std::string what_;
  std::set<std::string, std::less<>> known_;
};

// {"name": ..., "version": N} naming another dataset or model version.
Result<std::optional<VersionRef>> read_version_ref(Fields& fields, std::string_view key) {
  auto object = fields.object(key);
  if (!object) return fail(object.error());
  if (!*object) return std::optional<VersionRef>();
  Fields ref(**object, fmt::format("{}.{}", fields.what(), key));
  auto name = ref.string("name");
  if (!name) return fail(name.error());
  auto version = ref.integer("version", 1);
  if (!version) return fail(version.error());
  if (!*name || !*version) {
    return fail(ErrorCode::kInvalidArgument, "{}: expected {{\"name\": ..., \"version\": N}}",
                ref.what());
  }
  if (Status s = validate_name(**name, ref.what() + ".name"); !s) return fail(s.error());
  if (Status s = ref.finish(); !s) return fail(s.error());
  return std::optional<VersionRef>(VersionRef{std::move(**name), **version});
}

Result<std::string> read_text(Fields& fields, std::string_view key) {
  auto text = fields.string(key);
  if (!text) return fail(text.error());
  if (!*text) return std::string();
  if (Status s = validate_text(**text, fmt::format("{}.{}", fields.what(), key)); !s) {
    return fail(s.error());
  }
  return std::move(**text);
}

Result<std::map<std::string, std::string>> labels_from(const json& object, std::string_view what) {
  std::map<std::string, std::string> labels;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (!it->is_string()) {
      return fail(ErrorCode::kInvalidArgument, "{}.{}: expected a string", what, it.key());
    }
    labels[it.key()] = it->get<std::string>();
  }
  return labels;
}

// The object at the top of a request body; empty text counts as {} when `empty_ok`.
Result<json> request_object(std::string_view text, std::string_view what, bool empty_ok) {
  if (empty_ok && text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return json::object();
  }
  return parse_json_object(text, what);
}

}  // namespace

json to_json(const DatasetRecord& record) {
  return {{"name", record.name},
          {"version", record.version},
          {"sha256", record.sha256},
          {"size", record.size},
          {"content_hash", record.content_hash},
          {"stats", record.stats},
          {"created_ms", record.created_ms},
          {"lineage",
           {{"source", record.lineage.source},
            {"parent_version", optional_int(record.lineage.parent_version)},
            {"pipeline_run_id", record.lineage.pipeline_run_id}}},
          {"metadata", record.metadata}};
}

json to_json(const ModelRecord& record) {
  json classes = json::array();
  for (HardwareClass c : record.target_classes) classes.push_back(to_string(c));
  return {{"name", record.name},
          {"version", record.version},
          {"format", to_string(record.format)},
          {"sha256", record.sha256},
          {"size", record.size},
          {"metrics", record.metrics},
          {"dataset", version_ref(record.dataset)},
          {"parent", version_ref(record.parent)},
          {"pipeline_run_id", record.pipeline_run_id},
          {"target_classes", std::move(classes)},
          {"arena_bytes", record.arena_bytes ? json(*record.arena_bytes) : json()},
          {"created_ms", record.created_ms}};
}

json to_json(const AliasRecord& record) {
  return {{"model", record.model},
          {"alias", record.alias},
          {"version", record.version},
          {"updated_ms", record.updated_ms}};
}

json to_json(const AliasMove& move) {
  return {{"model", move.model},
          {"alias", move.alias},
          {"from_version", optional_int(move.from_version)},
          {"to_version", optional_int(move.to_version)},
          {"actor", move.actor},
          {"time_ms", move.time_ms}};
}

json to_json(const DeviceRecord& record) {
  return {{"id", record.id},
          {"hardware", to_string(record.hardware)},
          {"labels", record.labels},
          {"activated", record.activated},
          {"provisioned_ms", record.provisioned_ms},
          {"activated_ms", optional_int(record.activated_ms)},
          {"model_version", record.model_version},
          {"firmware_version", record.firmware_version},
          {"last_seen_ms", optional_int(record.last_seen_ms)}};
}

json to_json(const TokenRecord& record) {
  return {{"id", record.id},
          {"role", to_string(record.role)},
          {"description", record.description},
          {"device_id", record.device_id.empty() ? json() : json(record.device_id)},
          {"created_ms", record.created_ms},
          {"last_used_ms", optional_int(record.last_used_ms)},
          {"revoked_ms", optional_int(record.revoked_ms)}};
}

std::string dump_json(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<json> parse_json_object(std::string_view text, std::string_view what) {
  json value;
  try {
    value = json::parse(text);
  } catch (const json::parse_error& e) {
    return fail(ErrorCode::kInvalidArgument, "{}: malformed JSON: {}", what, e.what());
  }
  if (!value.is_object()) {
    return fail(ErrorCode::kInvalidArgument, "{}: expected a JSON object", what);
  }
  return value;
}

Result<NewModel> parse_model_metadata(std::string_view text, std::string_view name) {
  auto object = parse_json_object(text, "metadata");
  if (!object) return fail(object.error());
  Fields fields(*object, "metadata");
  NewModel model;
  model.name = std::string(name);
  auto format = fields.string("format");
  if (!format) return fail(format.error());
  if (!*format) return fail(ErrorCode::kInvalidArgument, "metadata.format: required");
  auto parsed_format = parse_model_format(**format);
  if (!parsed_format) return fail(parsed_format.error().with_context("metadata.format"));
  model.format = *parsed_format;
  auto version = fields.integer("version", 1);
  if (!version) return fail(version.error());
  model.version = *version;
  auto metrics = fields.object("metrics");
  if (!metrics) return fail(metrics.error());
  if (*metrics) model.metrics = **metrics;
  auto dataset = read_version_ref(fields, "dataset");
  if (!dataset) return fail(dataset.error());
  model.dataset = std::move(*dataset);
  auto parent = read_version_ref(fields, "parent");
  if (!parent) return fail(parent.error());
  model.parent = std::move(*parent);
  auto run_id = read_text(fields, "pipeline_run_id");
  if (!run_id) return fail(run_id.error());
  model.pipeline_run_id = std::move(*run_id);
  auto classes = fields.array("target_classes");
  if (!classes) return fail(classes.error());
  if (*classes) {
    for (const json& item : **classes) {
      if (!item.is_string()) return fields.wrong_type("target_classes", "an array of strings");
      auto hardware = parse_hardware_class(item.get<std::string>());
      if (!hardware) return fail(hardware.error().with_context("metadata.target_classes"));
      model.target_classes.push_back(*hardware);
    }
    std::ranges::sort(model.target_classes);
    const auto duplicates = std::ranges::unique(model.target_classes);
    model.target_classes.erase(duplicates.begin(), duplicates.end());
  }
  auto arena = fields.integer("arena_bytes", 0);
  if (!arena) return fail(arena.error());
  if (*arena) model.arena_bytes = static_cast<uint64_t>(**arena);
  if (Status s = fields.finish(); !s) return fail(s.error());
  return model;
}

Result<NewDataset> parse_dataset_metadata(std::string_view text, std::string_view name) {
  auto object = request_object(text, "metadata", true);
  if (!object) return fail(object.error());
  Fields fields(*object, "metadata");
  NewDataset dataset;
  dataset.name = std::string(name);
  auto version = fields.integer("version", 1);
  if (!version) return fail(version.error());
  dataset.version = *version;
  auto source = read_text(fields, "source");
  if (!source) return fail(source.error());
  dataset.lineage.source = std::move(*source);
  auto parent = fields.integer("parent_version", 1);
  if (!parent) return fail(parent.error());
  dataset.lineage.parent_version = *parent;
  auto run_id = read_text(fields, "pipeline_run_id");
  if (!run_id) return fail(run_id.error());
  dataset.lineage.pipeline_run_id = std::move(*run_id);
  auto metadata = fields.object("metadata");
  if (!metadata) return fail(metadata.error());
  if (*metadata) dataset.metadata = **metadata;
  if (Status s = fields.finish(); !s) return fail(s.error());
  return dataset;
}

Result<NewDevice> parse_new_device(std::string_view text) {
  auto object = parse_json_object(text, "device");
  if (!object) return fail(object.error());
  Fields fields(*object, "device");
  NewDevice device;
  auto id = fields.string("id");
  if (!id) return fail(id.error());
  if (!*id) return fail(ErrorCode::kInvalidArgument, "device.id: required");
  if (Status s = validate_device_id(**id); !s) return fail(s.error().with_context("device.id"));
  device.id = std::move(**id);
  auto hardware = fields.string("hardware");
  if (!hardware) return fail(hardware.error());
  if (*hardware) {
    auto parsed = parse_hardware_class(**hardware);
    if (!parsed) return fail(parsed.error().with_context("device.hardware"));
    device.hardware = *parsed;
  }
  auto labels = fields.object("labels");
  if (!labels) return fail(labels.error());
  if (*labels) {
    auto parsed = labels_from(**labels, "device.labels");
    if (!parsed) return fail(parsed.error());
    device.labels = std::move(*parsed);
  }
  if (Status s = fields.finish(); !s) return fail(s.error());
  return device;
}

Result<std::map<std::string, std::string>> parse_device_labels(std::string_view text) {
  auto object = parse_json_object(text, "labels");
  if (!object) return fail(object.error());
  return labels_from(*object, "labels");
}

Result<DeviceReport> parse_device_report(std::string_view text) {
  auto object = parse_json_object(text, "status");
  if (!object) return fail(object.error());
  Fields fields(*object, "status");
  DeviceReport report;
  auto model = read_text(fields, "model_version");
  if (!model) return fail(model.error());
  report.model_version = std::move(*model);
  auto firmware = read_text(fields, "firmware_version");
  if (!firmware) return fail(firmware.error());
  report.firmware_version = std::move(*firmware);
  if (Status s = fields.finish(); !s) return fail(s.error());
  return report;
}

Result<int64_t> parse_alias_target(std::string_view text) {
  auto object = parse_json_object(text, "alias");
  if (!object) return fail(object.error());
  Fields fields(*object, "alias");
  auto version = fields.integer("version", 1);
  if (!version) return fail(version.error());
  if (!*version) return fail(ErrorCode::kInvalidArgument, "alias.version: required");
  if (Status s = fields.finish(); !s) return fail(s.error());
  return **version;
}

Result<TokenRequest> parse_token_request(std::string_view text) {
  auto object = parse_json_object(text, "token");
  if (!object) return fail(object.error());
  Fields fields(*object, "token");
  auto role = fields.string("role");
  if (!role) return fail(role.error());
  if (!*role) return fail(ErrorCode::kInvalidArgument, "token.role: required");
  auto parsed = parse_role(**role);
  if (!parsed) return fail(parsed.error().with_context("token.role"));
  auto description = read_text(fields, "description");
  if (!description) return fail(description.error());
  auto device = fields.string("device_id");
  if (!device) return fail(device.error());
  if (Status s = fields.finish(); !s) return fail(s.error());
  return TokenRequest{*parsed, std::move(*description), std::string(device->value_or(""))};
}

}  // namespace aiotops::registry
