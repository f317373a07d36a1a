// The route table: every path, the access it needs and its handler. docs/registry.md and
// docs/openapi.json describe the same table; tests/registry_auth_test.cc walks it role by role.

#include "registry/server_impl.h"

namespace aiotops::registry {

std::span<const RegistryServer::Impl::Route> RegistryServer::Impl::routes() {
  using A = Access;
  using I = Impl;
  static constexpr Route kRoutes[] = {
      // Public.
      {"GET", "/healthz", A::kPublic, false, &I::get_health},
      {"GET", "/api/v1/openapi.json", A::kPublic, false, &I::get_openapi},
      {"GET", "/api/v1/keys", A::kPublic, false, &I::get_keys},
      // Datasets.
      {"GET", "/api/v1/datasets", A::kReadDatasets, false, &I::list_datasets},
      {"POST", "/api/v1/datasets/{}", A::kWriteArtifacts, false, &I::upload_dataset},
      {"GET", "/api/v1/datasets/{}", A::kReadDatasets, false, &I::get_dataset_versions},
      {"GET", "/api/v1/datasets/{}/versions/{}", A::kReadDatasets, false, &I::get_dataset},
      {"DELETE", "/api/v1/datasets/{}/versions/{}", A::kAdmin, false, &I::delete_dataset},
      {"GET", "/api/v1/datasets/{}/versions/{}/file", A::kReadDatasets, false,
       &I::download_dataset},
      {"GET", "/api/v1/datasets/{}/versions/{}/manifest", A::kReadDatasets, false,
       &I::get_dataset_manifest},
      {"GET", "/api/v1/datasets/{}/versions/{}/models", A::kReadDatasets, false,
       &I::get_dataset_models},
      // Models and aliases.
      {"GET", "/api/v1/models", A::kReadModels, false, &I::list_models},
      {"POST", "/api/v1/models/{}", A::kWriteArtifacts, false, &I::upload_model},
      {"GET", "/api/v1/models/{}", A::kReadModels, false, &I::get_model_versions},
      {"GET", "/api/v1/models/{}/versions/{}", A::kReadModels, false, &I::get_model},
      {"DELETE", "/api/v1/models/{}/versions/{}", A::kAdmin, false, &I::delete_model},
      {"GET", "/api/v1/models/{}/versions/{}/file", A::kReadModels, false, &I::download_model},
      {"GET", "/api/v1/models/{}/versions/{}/manifest", A::kReadModels, false,
       &I::get_model_manifest},
      {"GET", "/api/v1/models/{}/versions/{}/training-stats", A::kReadModels, false,
       &I::get_model_training_stats},
      {"GET", "/api/v1/models/{}/aliases", A::kReadModels, false, &I::list_aliases},
      {"GET", "/api/v1/models/{}/aliases/{}", A::kReadModels, false, &I::get_alias},
      {"PUT", "/api/v1/models/{}/aliases/{}", A::kAdmin, false, &I::put_alias},
      {"DELETE", "/api/v1/models/{}/aliases/{}", A::kAdmin, false, &I::delete_alias},
      {"GET", "/api/v1/models/{}/aliases/{}/history", A::kReadModels, false, &I::get_alias_history},
      // Devices.
      {"POST", "/api/v1/devices", A::kAdmin, false, &I::provision_device},
      {"GET", "/api/v1/devices", A::kAdmin, false, &I::list_devices},
      {"GET", "/api/v1/devices/{}", A::kAdmin, false, &I::get_device},
      {"DELETE", "/api/v1/devices/{}", A::kAdmin, false, &I::delete_device},
      {"PUT", "/api/v1/devices/{}/labels", A::kAdmin, false, &I::put_device_labels},
      {"POST", "/api/v1/devices/{}/activate", A::kDeviceReport, false, &I::activate_device},
      {"POST", "/api/v1/devices/{}/status", A::kDeviceReport, false, &I::report_device},
      // Tokens.
      {"POST", "/api/v1/tokens", A::kAdmin, false, &I::create_token},
      {"GET", "/api/v1/tokens", A::kAdmin, false, &I::list_tokens},
      {"DELETE", "/api/v1/tokens/{}", A::kAdmin, false, &I::revoke_token},
      // Events.
      {"GET", "/api/v1/events", A::kReadModels, false, &I::get_events},
      // The reference system's routes.
      {"POST", "/uploadModel", A::kWriteArtifacts, true, &I::reference_upload_model},
      {"POST", "/uploadQuantizedModel", A::kWriteArtifacts, true, &I::reference_upload_quantized},
      {"POST", "/uploadNormalizedData", A::kWriteArtifacts, true, &I::reference_upload_normalized},
      {"POST", "/uploadTrainingData", A::kWriteArtifacts, true, &I::reference_upload_training},
      {"GET", "/full", A::kReadModels, true, &I::reference_list_full},
      {"GET", "/full/{}", A::kReadModels, true, &I::reference_get_model},
      {"GET", "/quantized", A::kReadModels, true, &I::reference_list_quantized},
      {"GET", "/quantized/{}", A::kReadModels, true, &I::reference_get_model},
      {"GET", "/normalized_training_data", A::kReadDatasets, true, &I::reference_list_normalized},
      {"GET", "/normalized_training_data/{}", A::kReadDatasets, true, &I::reference_get_dataset},
      {"GET", "/training_data", A::kReadDatasets, true, &I::reference_list_training},
      {"GET", "/training_data/{}", A::kReadDatasets, true, &I::reference_get_dataset},
      {"POST", "/confirmActivation", A::kDeviceReport, true, &I::reference_confirm_activation},
      {"POST", "/provisionDevice", A::kAdmin, true, &I::reference_provision_device},
  };
  return kRoutes;
}

}  // namespace aiotops::registry
