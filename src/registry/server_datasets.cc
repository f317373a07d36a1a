// /api/v1/datasets: CSV uploads (the store computes their statistics, the future drift
// reference), versions, downloads, signed manifests and the models trained on a version.

#include <fmt/format.h>

#include "registry/http_json.h"
#include "registry/names.h"
#include "registry/server_impl.h"

namespace aiotops::registry {
namespace {

// The dataset version a URL names: a number or "latest".
Result<DatasetRecord> find_dataset(const Store& store, const std::string& name,
                                   const std::string& ref) {
  if (Status s = validate_name(name, "dataset name"); !s) return fail(s.error());
  if (ref == "latest") return store.latest_dataset(name);
  auto version = parse_version_number(ref, "dataset version");
  if (!version) return fail(version.error());
  return store.get_dataset(name, *version);
}

}  // namespace

Status RegistryServer::Impl::list_datasets(Call& call) {
  auto latest = store.list_latest_datasets();
  if (!latest) return fail(latest.error());
  nlohmann::json list = nlohmann::json::array();
  for (const DatasetRecord& record : *latest) list.push_back(summary_json(record));
  send_json(call, 200, {{"datasets", std::move(list)}});
  return {};
}

Status RegistryServer::Impl::upload_dataset(Call& call) {
  const std::string& name = call.param(0);
  if (Status s = validate_name(name, "dataset name"); !s) return s;
  auto upload = receive_upload(call);
  if (!upload) return fail(upload.error());
  auto spec = parse_dataset_metadata(upload->metadata, name);
  if (!spec) return fail(spec.error());
  auto record = store.add_dataset(*spec, upload->blob);
  if (!record) return fail(record.error());
  call.response.set_header("Location",
                           fmt::format("/api/v1/datasets/{}/versions/{}", name, record->version));
  send_json(call, 201, to_json(*record));
  return {};
}

Status RegistryServer::Impl::get_dataset_versions(Call& call) {
  const std::string& name = call.param(0);
  if (Status s = validate_name(name, "dataset name"); !s) return s;
  auto versions = store.list_datasets(name);
  if (!versions) return fail(versions.error());
  if (versions->empty()) return fail(ErrorCode::kNotFound, "no dataset named '{}'", name);
  nlohmann::json list = nlohmann::json::array();
  for (const DatasetRecord& record : *versions) list.push_back(summary_json(record));
  send_json(call, 200, {{"name", name}, {"versions", std::move(list)}});
  return {};
}

Status RegistryServer::Impl::get_dataset(Call& call) {
  auto record = find_dataset(store, call.param(0), call.param(1));
  if (!record) return fail(record.error());
  send_json(call, 200, to_json(*record));
  return {};
}

Status RegistryServer::Impl::download_dataset(Call& call) {
  auto record = find_dataset(store, call.param(0), call.param(1));
  if (!record) return fail(record.error());
  call.response.set_header("X-Version", std::to_string(record->version));
  call.response.set_header("Content-Disposition", fmt::format("attachment; filename=\"{}-v{}.csv\"",
                                                              record->name, record->version));
  return send_blob(call, record->sha256, "text/csv");
}

Status RegistryServer::Impl::get_dataset_manifest(Call& call) {
  auto record = find_dataset(store, call.param(0), call.param(1));
  if (!record) return fail(record.error());
  send_json(call, 200, signed_manifest_json(record->manifest, record->signature, store.keys()));
  return {};
}

Status RegistryServer::Impl::get_dataset_models(Call& call) {
  auto record = find_dataset(store, call.param(0), call.param(1));
  if (!record) return fail(record.error());
  auto models = store.models_trained_on({record->name, record->version});
  if (!models) return fail(models.error());
  nlohmann::json list = nlohmann::json::array();
  for (const ModelRecord& model : *models) list.push_back(to_json(model));
  send_json(call, 200, {{"models", std::move(list)}});
  return {};
}

Status RegistryServer::Impl::delete_dataset(Call& call) {
  const std::string& name = call.param(0);
  if (Status s = validate_name(name, "dataset name"); !s) return s;
  auto version = parse_version_number(call.param(1), "dataset version");
  if (!version) return fail(version.error());
  if (Status s = store.delete_dataset(name, *version); !s) return s;
  call.response.status = 204;
  return {};
}

}  // namespace aiotops::registry
