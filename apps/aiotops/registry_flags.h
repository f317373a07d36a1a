#pragma once
// The registry connection flags shared by `aiotops registry` (--url, --token, ...) and the
// pipeline step commands (--registry, --registry-token, ...), and the `registry:NAME@REF`
// spelling with which a step names an input or output kept in the registry instead of a file.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "common/error.h"
#include "registry/client.h"

namespace aiotops::cli {

struct RegistryClientFlags {
  std::string url;         // http(s)://host:port; empty: no registry configured
  std::string token;       // bearer token
  std::string token_file;  // file holding the token (wins over `token`)
  std::string ca_file;     // PEM bundle that signs the server's certificate
  bool no_verify_tls = false;
  int timeout_s = 30;  // seconds to connect and per read or write
};

// Registers the flags on `cmd`. With an empty `prefix` they are --url, --token, --token-file,
// --ca-file, --no-verify-tls and --timeout (`aiotops registry`); with prefix "registry" they are
// --registry (the URL), --registry-token, --registry-token-file, --registry-ca-file,
// --registry-no-verify-tls and --registry-timeout (step commands). The URL falls back to env
// AIOTOPS_REGISTRY_URL and the token to AIOTOPS_REGISTRY_TOKEN. Not thread-safe (CLI11).
void add_registry_client_flags(CLI::App* cmd, RegistryClientFlags& flags,
                               std::string_view prefix = "registry");

// The flags as the environment sets them: AIOTOPS_REGISTRY_URL and AIOTOPS_REGISTRY_TOKEN (what
// a command without registry flags of its own uses for `registry:` inputs). Thread-safe.
RegistryClientFlags registry_flags_from_environment();

// A client for the flags. kInvalidArgument when no URL is set or it is malformed; kNotFound /
// kIo for the token file.
Result<std::unique_ptr<registry::RegistryClient>> connect_registry(
    const RegistryClientFlags& flags);

// "registry:NAME" or "registry:NAME@REF" (REF: a version number, `latest`, or for models an
// alias; default latest).
struct RegistryName {
  std::string name;
  std::string ref = "latest";
};

// The registry name in `text`, nullopt when `text` does not start with "registry:" (a local
// path); kInvalidArgument when it does but the name or ref is empty or not a valid name.
Result<std::optional<RegistryName>> parse_registry_name(std::string_view text);

// An input as found on disk.
struct ResolvedInput {
  std::filesystem::path file;  // the local file to read
  std::string name;            // registry name; empty for a plain local path
  int64_t version = 0;         // registry version; 0 for a plain local path
};

// `text` as a local file: a "registry:NAME@REF" artifact of `kind` is downloaded into `dir`
// (created if missing) as NAME-vVERSION.<ext> (.csv for datasets; .json, .tflite or .h by the
// model's format), reused when a file of that name with the record's SHA-256 is already there;
// anything else is a local path, kNotFound when it does not exist. Registry errors as
// RegistryClient documents them, with `text` named.
Result<ResolvedInput> resolve_input(std::string_view text, registry::ArtifactPath kind,
                                    const RegistryClientFlags& flags,
                                    const std::filesystem::path& dir);

}  // namespace aiotops::cli
