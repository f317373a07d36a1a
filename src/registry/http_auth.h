#pragma once
// Who may call what. Every route declares the access it needs; a bearer token's role grants a
// fixed set of them (docs/registry.md, "Auth"):
//   device   — read models (list, versions, files, manifests, alias history), activate a device,
//              report a device's status, follow events about models;
//   pipeline — read models and datasets, upload models and datasets, follow all events;
//   admin    — everything, including aliases, deletion, devices and tokens.
// Public routes (the OpenAPI description, the public key, /healthz) need no token.

#include <optional>
#include <string_view>

#include "registry/records.h"

namespace aiotops::registry {

enum class Access {
  kPublic,          // anyone
  kReadModels,      // device, pipeline, admin
  kDeviceReport,    // device, admin: activation and status reports
  kReadDatasets,    // pipeline, admin
  kWriteArtifacts,  // pipeline, admin: dataset and model uploads
  kAdmin,           // admin: aliases, deletion, devices, tokens
};

// "public", "read-models", "device-report", "read-datasets", "write-artifacts", "admin".
std::string_view to_string(Access access);

// Whether a token of `role` grants `access` (not the store's role ranking: a pipeline token
// may not report device status). Thread-safe.
bool grants(Role role, Access access);

// The credential of an "Authorization: Bearer <token>" header value (scheme case-insensitive,
// surrounding spaces ignored); nullopt for another scheme or an empty token. Thread-safe.
std::optional<std::string_view> bearer_credential(std::string_view authorization);

}  // namespace aiotops::registry
