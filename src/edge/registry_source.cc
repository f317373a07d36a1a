#include "edge/registry_source.h"

#include <charconv>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/sha256.h"
#include "registry/client.h"
#include "registry/signing.h"

namespace aiotops::edge {
namespace {

// The key as /api/v1/keys serves it ({"public_key": "..."}) or the bare base64 of ed25519.pub.
std::string key_text(std::string_view given) {
  auto json = nlohmann::json::parse(given, nullptr, false);
  if (json.is_object() && json.contains("public_key") && json["public_key"].is_string()) {
    return json["public_key"].get<std::string>();
  }
  return std::string(given);
}

Result<int64_t> parse_version(std::string_view text) {
  int64_t version = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (ec != std::errc() || end != text.data() + text.size() || version <= 0) {
    return fail(ErrorCode::kInvalidArgument, "registry model reference '{}': not a version", text);
  }
  return version;
}

}  // namespace

Result<std::pair<std::string, std::string>> parse_registry_model(std::string_view text) {
  const size_t at = text.find('@');
  std::pair<std::string, std::string> parsed{std::string(text.substr(0, at)), "production"};
  if (at != std::string_view::npos) parsed.second = std::string(text.substr(at + 1));
  if (parsed.first.empty() || parsed.second.empty()) {
    return fail(ErrorCode::kInvalidArgument, "registry model '{}': expected NAME or NAME@ALIAS",
                text);
  }
  return parsed;
}

Result<std::unique_ptr<RegistrySource>> RegistrySource::create(RegistrySourceOptions options) {
  if (options.model.empty() || options.alias.empty()) {
    return fail(ErrorCode::kInvalidArgument, "registry model: a name and an alias are required");
  }
  std::string key = key_text(options.public_key);
  if (auto parsed = registry::parse_public_key(key); !parsed) {
    return fail(parsed.error().with_context("registry public key"));
  }
  auto client = registry::RegistryClient::create({.url = options.url,
                                                  .token = options.token,
                                                  .ca_file = options.ca_file,
                                                  .timeout = options.timeout});
  if (!client) return fail(client.error());
  return std::unique_ptr<RegistrySource>(
      new RegistrySource(std::move(options), std::move(*client), std::move(key)));
}

RegistrySource::RegistrySource(RegistrySourceOptions options,
                               std::unique_ptr<registry::RegistryClient> client,
                               std::string public_key)
    : options_(std::move(options)),
      client_(std::move(client)),
      public_key_(std::move(public_key)) {}

RegistrySource::~RegistrySource() = default;

Result<int64_t> RegistrySource::resolve() {
  auto record = client_->get_json(
      registry::artifact_path(registry::ArtifactPath::kModels, options_.model, options_.alias));
  if (!record) return fail(record.error().with_context(followed()));
  if (!record->is_object() || !record->contains("version") ||
      !(*record)["version"].is_number_integer()) {
    return fail(ErrorCode::kCorrupt, "{}: the registry's record names no version", followed());
  }
  return (*record)["version"].get<int64_t>();
}

Result<ModelBytes> RegistrySource::fetch(const ModelRequest& request) {
  auto version = parse_version(request.reference);
  if (!version) return fail(version.error());
  const std::string what = fmt::format("registry model {} version {}", options_.model, *version);
  auto model = client_->fetch_model(options_.model, request.reference, options_.max_file_bytes);
  if (!model) return fail(model.error().with_context(what));
  auto document =
      client_->manifest(registry::ArtifactPath::kModels, options_.model, request.reference);
  if (!document) return fail(document.error().with_context(what));
  if (!document->is_object() || !(*document)["manifest"].is_string() ||
      !(*document)["signature"].is_string()) {
    return fail(ErrorCode::kCorrupt, "{}: the manifest document lacks manifest or signature", what);
  }
  const std::string text = (*document)["manifest"].get<std::string>();
  auto key = registry::parse_public_key(public_key_);
  if (!key) return fail(key.error());
  if (Status s =
          registry::verify_signature(*key, text, (*document)["signature"].get<std::string>());
      !s) {
    return fail(ErrorCode::kCorrupt, "{}: manifest signature: {}", what, s.error().message());
  }
  auto manifest = registry::parse_manifest(text);
  if (!manifest) return fail(ErrorCode::kCorrupt, "{}: {}", what, manifest.error().message());
  const std::string sha256 = sha256_hex(model->bytes);
  if (manifest->kind != registry::ArtifactKind::kModel || manifest->name != options_.model ||
      manifest->version != *version) {
    return fail(ErrorCode::kCorrupt, "{}: the signed manifest is for {} {} version {}", what,
                to_string(manifest->kind), manifest->name, manifest->version);
  }
  if (manifest->sha256 != sha256 || manifest->size != model->bytes.size()) {
    return fail(ErrorCode::kCorrupt,
                "{}: the bytes ({} bytes, SHA-256 {}) are not the signed ones ({} bytes, {})", what,
                model->bytes.size(), sha256, manifest->size, manifest->sha256);
  }
  return ModelBytes{
      std::move(model->bytes),
      fmt::format("{} {}@{} version {}", options_.url, options_.model, options_.alias, *version),
      training_data(what, request.reference)};
}

TrainingData RegistrySource::training_data(std::string_view what, std::string_view version) {
  auto training = client_->training_dataset(options_.model, version);
  if (!training) {
    // The model serves all the same; only a drift monitor that follows the model's own
    // reference has nothing to compare with for it.
    spdlog::warn("{}: no training data statistics: {}", what, training.error().message());
    return {};
  }
  return {fmt::format("{}:{}", training->dataset.name, training->dataset.version),
          std::make_shared<const telemetry::DatasetStats>(std::move(training->stats))};
}

}  // namespace aiotops::edge
