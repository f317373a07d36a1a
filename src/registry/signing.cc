#include "registry/signing.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/files.h"
#include "common/sha256.h"
#include "registry/file_ops.h"

namespace aiotops::registry {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::string_view kSecretKeyFile = "ed25519.key";
constexpr std::string_view kPublicKeyFile = "ed25519.pub";

std::string to_base64(const unsigned char* bytes, size_t size) {
  std::string text(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes, size, sodium_base64_VARIANT_ORIGINAL);
  text.pop_back();  // the terminating NUL libsodium writes
  return text;
}

// Decodes exactly `out.size()` bytes of base64 (surrounding whitespace ignored).
Status from_base64(std::string_view text, std::span<unsigned char> out, std::string_view what) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  size_t decoded = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &decoded, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size() || decoded != out.size()) {
    return fail(ErrorCode::kInvalidArgument, "{} is not base64 of {} bytes", what, out.size());
  }
  return {};
}

// Writes `contents` into `dir`/`name` with `mode` unless it exists: a temp file is written and
// fsynced, then hard-linked into place (link fails if the name exists, so of two racing
// processes exactly one creates it). Returns false when the file existed already.
Result<bool> create_file_once(const fs::path& dir, std::string_view name, std::string_view contents,
                              mode_t mode) {
  // pid and a random number: racing threads and processes each get their own temp file.
  fs::path temp = dir / fmt::format(".{}.tmp-{}-{:08x}", name, ::getpid(), randombytes_random());
  fs::path target = dir / std::string(name);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return fail(ErrorCode::kIo, "create {}: {}", temp.string(), errno_text());
  bool ok =
      ::fchmod(fd, mode) == 0 &&
      ::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()) &&
      ::fsync(fd) == 0;
  std::string why = ok ? "" : errno_text();
  ::close(fd);
  if (!ok) {
    ::unlink(temp.c_str());
    return fail(ErrorCode::kIo, "write {}: {}", temp.string(), why);
  }
  int rc = ::link(temp.c_str(), target.c_str());
  int link_errno = errno;
  ::unlink(temp.c_str());
  if (rc != 0 && link_errno == EEXIST) return false;
  if (rc != 0) {
    return fail(ErrorCode::kIo, "link {}: {}", target.string(), std::strerror(link_errno));
  }
  if (auto s = fsync_dir(dir); !s) return fail(s.error());
  return true;
}

Result<KeyPair> read_keys(const fs::path& dir) {
  fs::path secret_path = dir / std::string(kSecretKeyFile);
  struct stat st {};
  if (::stat(secret_path.c_str(), &st) != 0) {
    return fail(ErrorCode::kIo, "stat {}: {}", secret_path.string(), errno_text());
  }
  if ((st.st_mode & 077) != 0) {
    return fail(ErrorCode::kPermissionDenied,
                "{} is accessible to other users (mode {:04o}); chmod 600 it", secret_path.string(),
                st.st_mode & 07777);
  }
  auto secret_text = read_file(secret_path);
  if (!secret_text) return fail(secret_text.error());
  KeyPair keys;
  if (auto s = from_base64(*secret_text, keys.secret_key, secret_path.string()); !s) {
    return fail(ErrorCode::kCorrupt, "{}", s.error().message());
  }
  crypto_sign_ed25519_sk_to_pk(keys.public_key.data(), keys.secret_key.data());
  // The secret key holds its seed: regenerating the pair from it must give the same bytes.
  std::array<unsigned char, 32> seed{};
  crypto_sign_ed25519_sk_to_seed(seed.data(), keys.secret_key.data());
  KeyPair check;
  crypto_sign_seed_keypair(check.public_key.data(), check.secret_key.data(), seed.data());
  sodium_memzero(seed.data(), seed.size());
  bool consistent = check.secret_key == keys.secret_key;
  sodium_memzero(check.secret_key.data(), check.secret_key.size());
  if (!consistent) {
    return fail(ErrorCode::kCorrupt, "{}: seed and public half disagree", secret_path.string());
  }
  return keys;
}

json manifest_json(const Manifest& m) {
  json classes = json::array();
  for (HardwareClass c : m.target_classes) classes.push_back(std::string(to_string(c)));
  // nlohmann::json objects are std::map-backed: keys come out sorted.
  return json{{"manifest", std::string(kManifestFormat)},
              {"format_version", kManifestFormatVersion},
              {"name", m.name},
              {"version", m.version},
              {"kind", std::string(to_string(m.kind))},
              {"size", m.size},
              {"sha256", m.sha256},
              {"created_ms", m.created_ms},
              {"target_classes", std::move(classes)},
              {"format", m.format}};
}

template <typename T>
Result<T> field(const json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end()) return fail(ErrorCode::kInvalidArgument, "manifest: no '{}'", key);
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return fail(ErrorCode::kInvalidArgument, "manifest: '{}' has the wrong type", key);
  }
}

}  // namespace

std::string canonical_manifest(const Manifest& manifest) {
  return manifest_json(manifest).dump(-1, ' ', true, json::error_handler_t::replace);
}

Result<Manifest> parse_manifest(std::string_view text) {
  json object = json::parse(text, nullptr, false);
  if (object.is_discarded() || !object.is_object()) {
    return fail(ErrorCode::kInvalidArgument, "manifest is not a JSON object");
  }
  auto tag = field<std::string>(object, "manifest");
  if (!tag) return fail(tag.error());
  auto format_version = field<int>(object, "format_version");
  if (!format_version) return fail(format_version.error());
  if (*tag != kManifestFormat || *format_version != kManifestFormatVersion) {
    return fail(ErrorCode::kInvalidArgument, "manifest: unknown format '{}' version {}", *tag,
                *format_version);
  }
  Manifest m;
  auto name = field<std::string>(object, "name");
  auto version = field<int64_t>(object, "version");
  auto kind = field<std::string>(object, "kind");
  auto size = field<uint64_t>(object, "size");
  auto sha256 = field<std::string>(object, "sha256");
  auto created = field<int64_t>(object, "created_ms");
  auto classes = field<std::vector<std::string>>(object, "target_classes");
  auto format = field<std::string>(object, "format");
  for (const Error* e :
       {name ? nullptr : &name.error(), version ? nullptr : &version.error(),
        kind ? nullptr : &kind.error(), size ? nullptr : &size.error(),
        sha256 ? nullptr : &sha256.error(), created ? nullptr : &created.error(),
        classes ? nullptr : &classes.error(), format ? nullptr : &format.error()}) {
    if (e != nullptr) return fail(*e);
  }
  m.name = *name;
  m.version = *version;
  if (*kind == "dataset") {
    m.kind = ArtifactKind::kDataset;
  } else if (*kind == "model") {
    m.kind = ArtifactKind::kModel;
  } else {
    return fail(ErrorCode::kInvalidArgument, "manifest: unknown kind '{}'", *kind);
  }
  m.size = *size;
  m.sha256 = *sha256;
  m.created_ms = *created;
  for (const auto& c : *classes) {
    auto parsed = parse_hardware_class(c);
    if (!parsed) return fail(parsed.error().with_context("manifest"));
    m.target_classes.push_back(*parsed);
  }
  m.format = *format;
  return m;
}

Result<KeyPair> load_or_create_keys(const fs::path& dir) {
  if (sodium_init() < 0) return fail(ErrorCode::kInternal, "libsodium failed to initialize");
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail(ErrorCode::kIo, "mkdir {}: {}", dir.string(), errno_text());
  }
  if (::access((dir / std::string(kSecretKeyFile)).c_str(), F_OK) != 0) {
    KeyPair fresh;
    crypto_sign_keypair(fresh.public_key.data(), fresh.secret_key.data());
    std::string text = to_base64(fresh.secret_key.data(), fresh.secret_key.size()) + "\n";
    auto created = create_file_once(dir, kSecretKeyFile, text, 0600);
    sodium_memzero(text.data(), text.size());
    sodium_memzero(fresh.secret_key.data(), fresh.secret_key.size());
    if (!created) return fail(created.error());
  }
  auto keys = read_keys(dir);
  if (!keys) return keys;
  // The public key file is derived; a missing one is (re)written, a different one is refused.
  std::string public_text = public_key_base64(*keys) + "\n";
  auto created = create_file_once(dir, kPublicKeyFile, public_text, 0644);
  if (!created) return fail(created.error());
  if (!*created) {
    fs::path public_path = dir / std::string(kPublicKeyFile);
    auto existing = read_file(public_path);
    if (!existing) return fail(existing.error());
    if (*existing != public_text) {
      return fail(ErrorCode::kCorrupt, "{} does not match {}", public_path.string(),
                  (dir / std::string(kSecretKeyFile)).string());
    }
  }
  return keys;
}

std::string public_key_base64(const KeyPair& keys) {
  return to_base64(keys.public_key.data(), keys.public_key.size());
}

std::string key_id(std::span<const unsigned char, 32> public_key) {
  std::string_view raw(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  return sha256_hex(raw).substr(0, 16);
}

Result<std::array<unsigned char, 32>> parse_public_key(std::string_view base64) {
  std::array<unsigned char, 32> key{};
  if (auto s = from_base64(base64, key, "public key"); !s) return fail(s.error());
  return key;
}

std::string sign(const KeyPair& keys, std::string_view message) {
  std::array<unsigned char, crypto_sign_BYTES> signature{};
  crypto_sign_detached(signature.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       keys.secret_key.data());
  return to_base64(signature.data(), signature.size());
}

Status verify_signature(std::span<const unsigned char, 32> public_key, std::string_view message,
                        std::string_view signature_base64) {
  std::array<unsigned char, crypto_sign_BYTES> signature{};
  if (auto s = from_base64(signature_base64, signature, "signature"); !s) return s;
  if (crypto_sign_verify_detached(signature.data(),
                                  reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size(), public_key.data()) != 0) {
    return fail(ErrorCode::kCorrupt, "signature does not match the manifest and key {}",
                key_id(public_key));
  }
  return {};
}

Status verify_artifact(const fs::path& file, std::string_view manifest_text,
                       std::string_view signature_base64,
                       std::span<const unsigned char, 32> public_key) {
  if (auto s = verify_signature(public_key, manifest_text, signature_base64); !s) return s;
  auto manifest = parse_manifest(manifest_text);
  if (!manifest) return fail(manifest.error());
  auto digest = hash_file(file);
  if (!digest) return fail(digest.error());
  if (digest->size != manifest->size) {
    return fail(ErrorCode::kCorrupt, "{} is {} bytes; the manifest of {} v{} says {}",
                file.string(), digest->size, manifest->name, manifest->version, manifest->size);
  }
  if (digest->sha256 != manifest->sha256) {
    return fail(ErrorCode::kCorrupt, "{} has SHA-256 {}; the manifest of {} v{} says {}",
                file.string(), digest->sha256, manifest->name, manifest->version, manifest->sha256);
  }
  return {};
}

}  // namespace aiotops::registry
