#pragma once
// Internals of RegistryServer shared by its route files (server_*.cc): the per-request Call,
// the route table and the helpers that read requests and write answers. Not an interface of
// the library: include it only from server_*.cc.

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "registry/blob_maps.h"
#include "registry/fresh_cache.h"
#include "registry/http_auth.h"
#include "registry/send_gate.h"
#include "registry/server.h"
#include "registry/store.h"

namespace aiotops::registry {

// One request being answered.
struct Call {
  const httplib::Request& request;
  httplib::Response& response;
  const httplib::ContentReader* reader = nullptr;  // POST and PUT only
  std::vector<std::string> params;                 // the route's "{}" segments, decoded
  std::optional<TokenRecord> token;                // who called; empty when auth is off
  bool body_read = false;                          // the reader was used

  const std::string& param(size_t i) const { return params[i]; }
  // Who made a change, for the alias history: "token:<id>", or "anonymous" without auth.
  std::string actor() const;
};

// An upload received from a multipart body: the `file` part durable in the blob store.
struct Upload {
  BlobInfo blob;
  std::string filename;  // the file part's filename (may be empty)
  std::string metadata;  // the `metadata` part's text (empty when absent)
};

struct RegistryServer::Impl {
  // Answers the call; a failure is answered by dispatch() with send_error().
  using Handler = Status (Impl::*)(Call&);
  struct Route {
    const char* method;   // GET (also serves HEAD), POST, PUT, DELETE
    const char* pattern;  // "/api/v1/models/{}"
    Access access;
    bool reference;  // one of the reference system's routes (ServerOptions::open_reference_routes)
    Handler handler;
  };
  static std::span<const Route> routes();

  Impl(Store& s, ServerOptions o) : store(s), options(std::move(o)) {}

  Store& store;
  ServerOptions options;
  std::unique_ptr<httplib::Server> http;
  bool always_authenticate = false;  // a non-loopback address: tokens even when none exist

  // Event streams open now, closed by stop().
  std::mutex streams_mutex;
  std::set<Subscription*> streams;
  std::atomic<bool> stopping{false};

  // ---- dispatch (server.cc) -------------------------------------------------------------
  void dispatch(const httplib::Request& request, httplib::Response& response,
                const httplib::ContentReader* reader);
  // Whether requests need a token now: some live token exists (checked at most once a second)
  // or always_authenticate.
  bool auth_required();
  std::atomic<int64_t> auth_checked_ms{-1};
  std::atomic<bool> tokens_exist{false};
  void refresh_auth() { auth_checked_ms = -1; }
  // Tokens authenticated and model versions resolved a moment ago (fresh_cache.h).
  FreshCache<TokenRecord> token_cache;
  FreshCache<ModelRecord> model_cache;
  BlobMaps blob_maps;  // downloads' mappings, kept between requests
  // Bodies of at least kLargeBodyBytes written a few at a time, in turn (send_gate.h): two per
  // core, each waiting at most 2 s.
  static constexpr uint64_t kLargeBodyBytes = uint64_t{1} << 20;
  SendGate large_sends{2 * std::max(1u, std::thread::hardware_concurrency()),
                       std::chrono::seconds(2)};
  // Checks the call's bearer token grants `access`; otherwise answers 401 (no, unknown or
  // revoked token) or 403 (a role without it) and returns false.
  bool authorize(Call& call, Access access);
  // A device token speaks only for its own device: kPermissionDenied (403) when the call's token
  // is a device token for another device, or one tied to none (made before schema version 2).
  static Status require_own_device(const Call& call, std::string_view device_id);

  // ---- public (server_meta.cc) ---------------------------------------------------------
  Status get_health(Call& call);
  Status get_openapi(Call& call);
  Status get_keys(Call& call);

  // ---- datasets (server_datasets.cc) -----------------------------------------------------
  Status list_datasets(Call& call);
  Status upload_dataset(Call& call);
  Status get_dataset_versions(Call& call);
  Status get_dataset(Call& call);
  Status download_dataset(Call& call);
  Status get_dataset_manifest(Call& call);
  Status get_dataset_models(Call& call);
  Status delete_dataset(Call& call);

  // ---- models and aliases (server_models.cc) ---------------------------------------------
  Status list_models(Call& call);
  Status upload_model(Call& call);
  Status get_model_versions(Call& call);
  Status get_model(Call& call);
  Status download_model(Call& call);
  Status get_model_manifest(Call& call);
  Status get_model_training_stats(Call& call);
  Status delete_model(Call& call);
  Status list_aliases(Call& call);
  Status get_alias(Call& call);
  Status put_alias(Call& call);
  Status delete_alias(Call& call);
  Status get_alias_history(Call& call);

  // ---- devices and tokens (server_devices.cc) ---------------------------------------------
  Status provision_device(Call& call);
  Status list_devices(Call& call);
  Status get_device(Call& call);
  Status delete_device(Call& call);
  Status put_device_labels(Call& call);
  Status activate_device(Call& call);
  Status report_device(Call& call);
  Status create_token(Call& call);
  Status list_tokens(Call& call);
  Status revoke_token(Call& call);

  // ---- events (server_events.cc) -------------------------------------------------------
  Status get_events(Call& call);
  void close_streams();

  // ---- the reference system's routes (server_reference.cc) -------------------------------
  Status reference_upload_model(Call& call);
  Status reference_upload_quantized(Call& call);
  Status reference_upload_normalized(Call& call);
  Status reference_upload_training(Call& call);
  Status reference_list_full(Call& call);
  Status reference_list_quantized(Call& call);
  Status reference_list_normalized(Call& call);
  Status reference_list_training(Call& call);
  Status reference_get_model(Call& call);
  Status reference_get_dataset(Call& call);
  Status reference_confirm_activation(Call& call);
  Status reference_provision_device(Call& call);

  // ---- shared steps (server_respond.cc) ----------------------------------------------------
  // Receives a multipart body: part `file` streamed into the blob store, part `metadata` kept
  // as text. kInvalidArgument (not multipart, no file part, an unknown part, malformed),
  // kResourceExhausted (over the upload limit), kIo.
  Result<Upload> receive_upload(Call& call);
  // A whole small body (JSON, form). kResourceExhausted beyond `limit` bytes.
  Result<std::string> read_body(Call& call, uint64_t limit);
  // Serves a stored blob with ETag, If-None-Match (304), Range (206/416), X-Content-SHA256.
  Status send_blob(Call& call, const std::string& sha256, std::string_view content_type);
};

// Milliseconds on the steady clock (the caches' and auth re-check's time).
int64_t steady_ms();
// Answers with a JSON body.
void send_json(Call& call, int status, const nlohmann::json& body);
// Answers with {"error": code, "message": ...} and the status for the error's code.
void send_error(Call& call, const Error& error);
// A listing entry: the record without its bulky parts (dataset statistics).
nlohmann::json summary_json(const DatasetRecord& record);
// {"manifest": <canonical text>, "signature": <base64>, "key_id": ...}: what
// `aiotops registry verify --manifest` reads.
nlohmann::json signed_manifest_json(const std::string& manifest, const std::string& signature,
                                    const KeyPair& keys);

// The HTTP status for an error code: 400, 404, 409, 403, 413, 503, 500.
int http_status(ErrorCode code);

}  // namespace aiotops::registry
