#pragma once
// Signed manifests: every stored artifact gets a manifest (name, version, kind, size, sha256,
// created, target classes, format) as canonical JSON, signed with the registry's ed25519 key
// (libsodium, detached signature, base64). Anyone holding the public key checks a downloaded
// file offline with verify_artifact(). Formats: docs/formats/registry-store.md.

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "registry/records.h"

namespace aiotops::registry {

inline constexpr std::string_view kManifestFormat = "aiotops-artifact-manifest";
inline constexpr int kManifestFormatVersion = 1;

struct Manifest {
  std::string name;
  int64_t version = 0;
  ArtifactKind kind = ArtifactKind::kModel;
  uint64_t size = 0;   // bytes
  std::string sha256;  // lower-case hex
  int64_t created_ms = 0;
  std::vector<HardwareClass> target_classes;  // sorted, unique; empty for datasets
  std::string format;                         // a ModelFormat's name for models, "csv" for datasets
};

// The canonical JSON text: keys sorted, no whitespace, ASCII only (non-ASCII escaped), integers
// without exponent, "format_version" and "manifest" tags included. Same input, same bytes.
// Thread-safe.
std::string canonical_manifest(const Manifest& manifest);
// Parses and validates a manifest text (any JSON spelling; the signature covers the exact
// bytes, so verify before trusting). kInvalidArgument naming the field. Thread-safe.
Result<Manifest> parse_manifest(std::string_view text);

// An ed25519 key pair. The secret key never leaves the process except in its key file.
struct KeyPair {
  std::array<unsigned char, 32> public_key{};
  std::array<unsigned char, 64> secret_key{};  // libsodium layout: seed then public key
};

// Loads DIR/ed25519.key and DIR/ed25519.pub, creating them first if absent (DIR mode 0700,
// secret key file mode 0600, each written to a temp file, fsynced and linked into place so two
// processes starting at once agree on one pair). kIo, or kCorrupt for a malformed or
// mismatched key file (named). Thread-safe for distinct dirs; racing processes are safe.
Result<KeyPair> load_or_create_keys(const std::filesystem::path& dir);

// The public key as base64 (standard alphabet, padded) — the text of ed25519.pub, served at
// /api/v1/keys. Thread-safe.
std::string public_key_base64(const KeyPair& keys);
// A short key id: the first 16 hex digits of SHA-256 of the raw public key. Thread-safe.
std::string key_id(std::span<const unsigned char, 32> public_key);
// Decodes a base64 public key (surrounding whitespace ignored). kInvalidArgument. Thread-safe.
Result<std::array<unsigned char, 32>> parse_public_key(std::string_view base64);

// Detached signature over `message`, base64. Never fails. Thread-safe.
std::string sign(const KeyPair& keys, std::string_view message);
// Checks a base64 detached signature. Success, or kCorrupt ("signature does not match") /
// kInvalidArgument (malformed base64). Thread-safe.
Status verify_signature(std::span<const unsigned char, 32> public_key, std::string_view message,
                        std::string_view signature_base64);

// The offline check of a downloaded artifact: the signature over `manifest_text` is valid for
// `public_key`, and the file's size and SHA-256 match the manifest. Success, or kCorrupt naming
// what differs, kInvalidArgument for a malformed manifest/signature, kNotFound/kIo for the file.
// Thread-safe.
Status verify_artifact(const std::filesystem::path& file, std::string_view manifest_text,
                       std::string_view signature_base64,
                       std::span<const unsigned char, 32> public_key);

}  // namespace aiotops::registry
