#pragma once
// The JSON of the HTTP API (docs/openapi.json): records as response bodies, and the request
// bodies clients send (upload metadata, devices, status reports, alias moves, tokens) parsed
// strictly: a malformed document, a missing or mistyped field and an unknown key are all
// kInvalidArgument naming the field, so a typo never passes silently. Request bodies are
// untrusted.

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "registry/records.h"
#include "registry/store.h"

namespace aiotops::registry {

// Response bodies. Never fail; thread-safe.
nlohmann::json to_json(const DatasetRecord& record);
nlohmann::json to_json(const ModelRecord& record);
nlohmann::json to_json(const AliasRecord& record);
nlohmann::json to_json(const AliasMove& move);
nlohmann::json to_json(const DeviceRecord& record);
nlohmann::json to_json(const TokenRecord& record);

// Serializes a response body; invalid UTF-8 is replaced, never thrown. Thread-safe.
std::string dump_json(const nlohmann::json& json);

// A JSON object; kInvalidArgument "<what>: <parser message>" or "<what>: expected an object".
Result<nlohmann::json> parse_json_object(std::string_view text, std::string_view what);

// The `metadata` part of a model upload: {"format", "version", "metrics", "dataset": {"name",
// "version"}, "parent": {...}, "pipeline_run_id", "target_classes": [...], "arena_bytes"};
// only "format" is required. `name` comes from the URL. Thread-safe.
Result<NewModel> parse_model_metadata(std::string_view text, std::string_view name);

// The `metadata` part of a dataset upload: {"version", "source", "parent_version",
// "pipeline_run_id", "metadata": {...}}, all optional (empty text: none). Thread-safe.
Result<NewDataset> parse_dataset_metadata(std::string_view text, std::string_view name);

// {"id", "hardware", "labels": {...}}; "hardware" defaults to esp32. Thread-safe.
Result<NewDevice> parse_new_device(std::string_view text);

// {"label": "value", ...}: a device's labels (the store validates names and values).
// Thread-safe.
Result<std::map<std::string, std::string>> parse_device_labels(std::string_view text);

// {"model_version", "firmware_version"}, both optional strings. Thread-safe.
Result<DeviceReport> parse_device_report(std::string_view text);

// {"version": N} (N >= 1): where an alias should point. Thread-safe.
Result<int64_t> parse_alias_target(std::string_view text);

struct TokenRequest {
  Role role = Role::kDevice;
  std::string description;
  std::string device_id;  // the device a device token belongs to (Store::create_token checks)
};
// {"role", "description", "device_id"}; "role" is required. Thread-safe.
Result<TokenRequest> parse_token_request(std::string_view text);

}  // namespace aiotops::registry
