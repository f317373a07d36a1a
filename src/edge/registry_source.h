#pragma once
// Models from the registry (docs/registry.md) for the edge service: the version an alias of one
// model points to, downloaded into memory and verified before the loader sees it — the bytes
// against the SHA-256 the registry names, and the registry's ed25519-signed manifest against the
// public key the service was given (pinned: never fetched from the registry it checks), which
// must name this model, this version and these bytes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"
#include "edge/model_source.h"

namespace aiotops::registry {
class RegistryClient;
}

namespace aiotops::edge {

struct RegistrySourceOptions {
  std::string url;                   // http(s)://host[:port] of the registry
  std::string token;                 // bearer token (a device token reads models); empty: none
  std::string ca_file;               // PEM CA of an https:// registry; empty: the system's
  std::string model;                 // the model's name in the registry
  std::string alias = "production";  // followed: an alias, or "latest"
  std::string public_key;            // the registry's ed25519 key: base64, or /api/v1/keys JSON
  std::chrono::milliseconds timeout{30'000};  // connect, and each read or write
  size_t max_file_bytes = size_t{64} << 20;   // bytes; larger models are refused
};

// Splits "NAME[@ALIAS]" (alias "production" when absent). kInvalidArgument for an empty name or
// alias. Thread-safe.
Result<std::pair<std::string, std::string>> parse_registry_model(std::string_view text);

// One client connection: use from one thread (the service's registry thread).
class RegistrySource final : public ModelSource {
 public:
  // kInvalidArgument for a bad URL, an empty model name or a malformed public key.
  static Result<std::unique_ptr<RegistrySource>> create(RegistrySourceOptions options);
  ~RegistrySource() override;

  // The version the alias points to now. kNotFound when the model or alias does not exist,
  // kUnavailable when the registry cannot be reached, kPermissionDenied for the token.
  Result<int64_t> resolve();
  // `request.reference` is a version number: that version's bytes, verified. kCorrupt naming
  // what failed (hash, signature, a manifest for another model, version or file), and as
  // resolve() otherwise; kResourceExhausted beyond max_file_bytes. The bytes come with the
  // training dataset the version's lineage names and its statistics; when those cannot be had,
  // without them (logged).
  Result<ModelBytes> fetch(const ModelRequest& request) override;

  const RegistrySourceOptions& options() const { return options_; }
  // "NAME@ALIAS" for messages.
  std::string followed() const { return options_.model + "@" + options_.alias; }

 private:
  RegistrySource(RegistrySourceOptions options, std::unique_ptr<registry::RegistryClient> client,
                 std::string public_key);
  // The lineage of model version `version`; empty when unknown (logged, naming `what`).
  TrainingData training_data(std::string_view what, std::string_view version);
  RegistrySourceOptions options_;
  std::unique_ptr<registry::RegistryClient> client_;
  std::string public_key_;  // base64
};

}  // namespace aiotops::edge
