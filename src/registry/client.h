#pragma once
// A client of the registry's HTTP API (docs/registry.md) for the CLI, pipelines and the edge
// service: uploads, listings, aliases, tokens, and downloads that resume after a broken
// connection (Range + If-Range on the partial file) and are checked against the SHA-256 the
// server names before they are published under their final name. Offline verification of a
// download against its signed manifest lives here too.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "registry/records.h"
#include "telemetry/stats.h"

namespace httplib {
class Client;
}

namespace aiotops::registry {

struct ClientOptions {
  std::string url = "http://127.0.0.1:8081";  // http:// or https:// base URL, no path
  std::string token;                          // bearer token; empty: send none
  std::string ca_file;     // PEM bundle that signs the server's certificate; empty: system's
  bool verify_tls = true;  // false accepts any certificate (test setups only)
  std::chrono::milliseconds timeout{30000};  // connect, and each read or write
  int attempts = 5;  // downloads: tries in all, each resuming where the last one broke off
};

// What a download produced.
struct Download {
  int64_t version = 0;        // the version served (an alias or "latest" resolved)
  std::string sha256;         // of the bytes, checked against the server's X-Content-SHA256
  uint64_t size = 0;          // bytes
  uint64_t resumed_from = 0;  // bytes that were already there from an earlier attempt or run
};

// A model held in memory (for a loader that never writes it to disk).
struct FetchedModel {
  std::string bytes;
  int64_t version = 0;
  std::string sha256;
  std::string origin;  // the URL it came from, for messages
};

enum class ArtifactPath { kDatasets, kModels };

// A model version and the dataset version its lineage names.
struct ModelDataset {
  int64_t model_version = 0;          // an alias or "latest" resolved
  std::optional<VersionRef> dataset;  // none: the record names no training dataset
};

// The data a model version was trained on, from the registry's lineage.
struct TrainingDataset {
  int64_t model_version = 0;      // the model version asked about (an alias or "latest" resolved)
  VersionRef dataset;             // the dataset version its record names
  telemetry::DatasetStats stats;  // that dataset's statistics as the registry stores them
};

// One client per thread (cpp-httplib's client keeps one connection and is not thread-safe).
// Every call fails with kUnavailable when the server cannot be reached (retriable), and
// otherwise maps the server's status: 400 kInvalidArgument, 401/403 kPermissionDenied,
// 404 kNotFound, 409 kAlreadyExists, 413 kResourceExhausted, 5xx kUnavailable; the message
// carries the server's own.
class RegistryClient {
 public:
  // kInvalidArgument for a URL that is not http(s)://host[:port].
  static Result<std::unique_ptr<RegistryClient>> create(ClientOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  const ClientOptions& options() const { return options_; }

  // JSON calls: `path` starts with "/" (e.g. "/api/v1/models"); the parsed answer.
  Result<nlohmann::json> get_json(const std::string& path);
  // `method` is POST, PUT or DELETE; `body` is sent as application/json (null: no body).
  Result<nlohmann::json> send_json(std::string_view method, const std::string& path,
                                   const nlohmann::json& body);

  // Uploads `file` as the next version of artifact `name` (multipart: `file` streamed from
  // disk, `metadata` as JSON; see docs/registry.md for its fields). The stored record.
  // kNotFound/kIo for the local file.
  Result<nlohmann::json> push(ArtifactPath kind, std::string_view name,
                              const std::filesystem::path& file, const nlohmann::json& metadata);

  // Downloads version `ref` (a number, "latest" or, for models, an alias) of `name` to `out`:
  // bytes go to "<out>.part" (kept across failures and runs, so the next call resumes), are
  // checked against the server's SHA-256, fsynced and renamed to `out`. kCorrupt when the bytes
  // do not match (the partial file is removed); kUnavailable after `attempts` broken tries.
  Result<Download> pull(ArtifactPath kind, std::string_view name, std::string_view ref,
                        const std::filesystem::path& out);

  // A model version into memory, checked against its SHA-256. kResourceExhausted when it is
  // larger than `max_bytes` (the transfer is cut off there).
  Result<FetchedModel> fetch_model(std::string_view name, std::string_view ref, size_t max_bytes);

  // The signed manifest document of a version ({"manifest", "signature", "key_id"}): what
  // verify_download() checks a file against.
  Result<nlohmann::json> manifest(ArtifactPath kind, std::string_view name, std::string_view ref);
  // The registry's public key (base64), as /api/v1/keys serves it.
  Result<std::string> public_key();

  // The dataset version model `name` version `ref` (a number, "latest" or an alias) was trained
  // on, as its record names it. kNotFound when the model version is unknown.
  Result<ModelDataset> model_dataset(std::string_view name, std::string_view ref);
  // The same with that dataset's statistics (the drift reference of the model), from the
  // model's training-stats route, which a device's token may read. kNotFound also when the
  // record names no dataset or that dataset version is gone; kCorrupt for an answer the client
  // cannot read.
  Result<TrainingDataset> training_dataset(std::string_view name, std::string_view ref);

  // Points `alias` of model `name` at `version`; the recorded move.
  Result<nlohmann::json> set_alias(std::string_view name, std::string_view alias, int64_t version);

 private:
  RegistryClient(ClientOptions options, std::unique_ptr<httplib::Client> http);
  // One GET of `path` streamed to `sink` from byte `offset` (If-Range: `etag` when resuming);
  // the sink sees the answer's status and headers with every chunk.
  struct Transfer;
  using Sink = std::function<bool(const Transfer&, std::string_view)>;
  Result<Transfer> get_stream(const std::string& path, uint64_t offset, const std::string& etag,
                              const Sink& sink);

  ClientOptions options_;
  std::unique_ptr<httplib::Client> http_;
};

// The error for a call the server refused with `status` and `body` (its JSON "message" kept):
// the mapping RegistryClient documents. Thread-safe.
Error answer_error(std::string_view what, int status, std::string_view body);

// "/api/v1/models/<name>/versions/<ref>" and friends, with each segment percent-encoded.
std::string artifact_path(ArtifactPath kind, std::string_view name, std::string_view ref,
                          std::string_view tail = {});

// Checks `file` offline against a manifest document (the JSON of RegistryClient::manifest(),
// as `aiotops registry pull --manifest` saves it) and the registry's public key (base64 text,
// or the JSON /api/v1/keys serves). Success, or kCorrupt naming what differs, kInvalidArgument
// for malformed documents. Thread-safe.
Status verify_download(const std::filesystem::path& file, std::string_view manifest_document,
                       std::string_view public_key);

}  // namespace aiotops::registry
