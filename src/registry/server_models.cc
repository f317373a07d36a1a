// /api/v1/models: uploads with metadata, versions, downloads by version, "latest" or alias,
// signed manifests, deletion, and aliases moved atomically with their history.

#include <fmt/format.h>

#include "registry/http_json.h"
#include "registry/names.h"
#include "registry/server_impl.h"

namespace aiotops::registry {
namespace {

// The model version a URL names: a number, "latest" or an alias.
Result<ModelRecord> find_model(const Store& store, const std::string& name,
                               const std::string& ref) {
  if (Status s = validate_name(name, "model name"); !s) return fail(s.error());
  return store.resolve_model(name, ref);
}

// The file name a download suggests: name-vN plus the format's usual extension.
std::string download_name(const ModelRecord& record) {
  std::string_view extension = ".tflite";
  if (record.format == ModelFormat::kNative) extension = ".model.json";
  if (record.format == ModelFormat::kCArray) extension = ".h";
  return fmt::format("{}-v{}{}", record.name, record.version, extension);
}

Status validate_model_and_alias(const std::string& model, const std::string& alias) {
  if (Status s = validate_name(model, "model name"); !s) return s;
  return validate_alias(alias);
}

}  // namespace

Status RegistryServer::Impl::list_models(Call& call) {
  auto latest = store.list_latest_models();
  if (!latest) return fail(latest.error());
  nlohmann::json list = nlohmann::json::array();
  for (const ModelRecord& record : *latest) list.push_back(to_json(record));
  send_json(call, 200, {{"models", std::move(list)}});
  return {};
}

Status RegistryServer::Impl::upload_model(Call& call) {
  const std::string& name = call.param(0);
  if (Status s = validate_name(name, "model name"); !s) return s;
  auto upload = receive_upload(call);
  if (!upload) return fail(upload.error());
  if (upload->metadata.empty()) {
    return fail(ErrorCode::kInvalidArgument,
                "multipart body has no 'metadata' part: a model needs at least {{\"format\": "
                "...}}");
  }
  auto spec = parse_model_metadata(upload->metadata, name);
  if (!spec) return fail(spec.error());
  auto record = store.add_model(*spec, upload->blob);
  if (!record) return fail(record.error());
  call.response.set_header("Location",
                           fmt::format("/api/v1/models/{}/versions/{}", name, record->version));
  send_json(call, 201, to_json(*record));
  return {};
}

Status RegistryServer::Impl::get_model_versions(Call& call) {
  const std::string& name = call.param(0);
  if (Status s = validate_name(name, "model name"); !s) return s;
  auto versions = store.list_models(name);
  if (!versions) return fail(versions.error());
  if (versions->empty()) return fail(ErrorCode::kNotFound, "no model named '{}'", name);
  auto aliases = store.list_aliases(name);
  if (!aliases) return fail(aliases.error());
  nlohmann::json version_list = nlohmann::json::array();
  for (const ModelRecord& record : *versions) version_list.push_back(to_json(record));
  nlohmann::json alias_list = nlohmann::json::array();
  for (const AliasRecord& alias : *aliases) alias_list.push_back(to_json(alias));
  send_json(
      call, 200,
      {{"name", name}, {"versions", std::move(version_list)}, {"aliases", std::move(alias_list)}});
  return {};
}

Status RegistryServer::Impl::get_model(Call& call) {
  auto record = find_model(store, call.param(0), call.param(1));
  if (!record) return fail(record.error());
  send_json(call, 200, to_json(*record));
  return {};
}

// The statistics of the dataset version a model was trained on: the drift reference a gateway
// serving the model judges its telemetry by. Readable wherever the model is (a device's token),
// while the dataset itself is not.
Status RegistryServer::Impl::get_model_training_stats(Call& call) {
  auto model = find_model(store, call.param(0), call.param(1));
  if (!model) return fail(model.error());
  if (!model->dataset) {
    return fail(ErrorCode::kNotFound, "model {} version {} records no training dataset",
                model->name, model->version);
  }
  auto dataset = store.get_dataset(model->dataset->name, model->dataset->version);
  if (!dataset) {
    return fail(dataset.error().with_context(
        fmt::format("model {} version {}: its training dataset", model->name, model->version)));
  }
  send_json(
      call, 200,
      {{"model", {{"name", model->name}, {"version", model->version}}},
       {"dataset",
        {{"name", dataset->name}, {"version", dataset->version}, {"sha256", dataset->sha256}}},
       {"stats", dataset->stats}});
  return {};
}

Status RegistryServer::Impl::download_model(Call& call) {
  const std::string& name = call.param(0);
  if (Status s = validate_name(name, "model name"); !s) return s;
  // A device polling for "production" is answered from the cache until something changes.
  const std::string key = name + '/' + call.param(1);
  const uint64_t generation = store.write_generation();
  const int64_t now = steady_ms();
  std::optional<ModelRecord> record = model_cache.find(key, generation, now);
  if (!record) {
    auto found = store.resolve_model(name, call.param(1));
    if (!found) return fail(found.error());
    model_cache.put(key, *found, generation, now);
    record = std::move(*found);
  }
  call.response.set_header("X-Version", std::to_string(record->version));
  call.response.set_header("X-Model-Format", std::string(to_string(record->format)));
  call.response.set_header("Content-Disposition",
                           fmt::format("attachment; filename=\"{}\"", download_name(*record)));
  return send_blob(call, record->sha256, "application/octet-stream");
}

Status RegistryServer::Impl::get_model_manifest(Call& call) {
  auto record = find_model(store, call.param(0), call.param(1));
  if (!record) return fail(record.error());
  send_json(call, 200, signed_manifest_json(record->manifest, record->signature, store.keys()));
  return {};
}

Status RegistryServer::Impl::delete_model(Call& call) {
  const std::string& name = call.param(0);
  if (Status s = validate_name(name, "model name"); !s) return s;
  auto version = parse_version_number(call.param(1), "model version");
  if (!version) return fail(version.error());
  if (Status s = store.delete_model(name, *version); !s) return s;
  call.response.status = 204;
  return {};
}

Status RegistryServer::Impl::list_aliases(Call& call) {
  const std::string& name = call.param(0);
  if (Status s = validate_name(name, "model name"); !s) return s;
  auto aliases = store.list_aliases(name);
  if (!aliases) return fail(aliases.error());
  nlohmann::json list = nlohmann::json::array();
  for (const AliasRecord& alias : *aliases) list.push_back(to_json(alias));
  send_json(call, 200, {{"aliases", std::move(list)}});
  return {};
}

Status RegistryServer::Impl::get_alias(Call& call) {
  if (Status s = validate_model_and_alias(call.param(0), call.param(1)); !s) return s;
  auto alias = store.get_alias(call.param(0), call.param(1));
  if (!alias) return fail(alias.error());
  send_json(call, 200, to_json(*alias));
  return {};
}

Status RegistryServer::Impl::put_alias(Call& call) {
  if (Status s = validate_model_and_alias(call.param(0), call.param(1)); !s) return s;
  auto body = read_body(call, options.max_json_bytes);
  if (!body) return fail(body.error());
  auto version = parse_alias_target(*body);
  if (!version) return fail(version.error());
  auto move = store.set_alias(call.param(0), call.param(1), *version, call.actor());
  if (!move) return fail(move.error());
  send_json(call, 200, to_json(*move));
  return {};
}

Status RegistryServer::Impl::delete_alias(Call& call) {
  if (Status s = validate_model_and_alias(call.param(0), call.param(1)); !s) return s;
  auto move = store.delete_alias(call.param(0), call.param(1), call.actor());
  if (!move) return fail(move.error());
  send_json(call, 200, to_json(*move));
  return {};
}

Status RegistryServer::Impl::get_alias_history(Call& call) {
  if (Status s = validate_model_and_alias(call.param(0), call.param(1)); !s) return s;
  auto moves = store.alias_history(call.param(0), call.param(1));
  if (!moves) return fail(moves.error());
  if (moves->empty()) {
    return fail(ErrorCode::kNotFound, "model '{}' has no alias '{}'", call.param(0), call.param(1));
  }
  nlohmann::json list = nlohmann::json::array();
  for (const AliasMove& move : *moves) list.push_back(to_json(move));
  send_json(call, 200, {{"moves", std::move(list)}});
  return {};
}

}  // namespace aiotops::registry
