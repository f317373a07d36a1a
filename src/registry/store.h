#pragma once
// The registry's storage: metadata in SQLite (WAL) under DATA_DIR/registry.db, file bytes in the
// content-addressed blob store under DATA_DIR/blobs, the signing key in DATA_DIR/keys.
//
// Upload protocol (what makes a kill -9 at any moment safe):
//   1. stream the bytes into store.begin_upload(); commit() makes the blob durable (fsync,
//      rename, directory fsync) and returns its BlobInfo;
//   2. add_dataset()/add_model() then, in one SQLite transaction, checks the blob is there,
//      allocates the version, signs the manifest and inserts the row; COMMIT (synchronous=FULL)
//      is the acknowledgement. Only after it returns may the caller answer 2xx.
// A crash before 2 leaves an unreferenced blob (gc() removes it after the grace period); a
// crash during 2 leaves nothing (the transaction rolls back). Layout and schema:
// docs/formats/registry-store.md; the SQL in store_schema.cc.
//
// Thread-safety: every method may be called from any thread at once. Writes are serialized in
// the process (one writer connection) and across processes (SQLite's lock, busy_timeout);
// reads use a pool of connections and run concurrently with writes (WAL).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "registry/blob_store.h"
#include "registry/events.h"
#include "registry/records.h"
#include "registry/signing.h"

namespace aiotops::registry {

struct StoreOptions {
  std::filesystem::path data_dir;                 // created (mode 0755) if absent
  uint64_t max_upload_bytes = 64ull << 20;        // bytes; begin_upload's limit (0: none)
  std::chrono::milliseconds busy_timeout{10000};  // wait for another process's write lock
  std::chrono::seconds gc_grace{3600};            // gc() spares blobs/temp files younger than this
  size_t read_connections = 4;                    // pooled read-only SQLite connections
  // The clock (Unix milliseconds); tests inject one. Empty: the system clock.
  std::function<int64_t()> now_ms;
};

// What a client supplies to add a dataset version (the bytes come as a committed blob).
struct NewDataset {
  std::string name;
  std::optional<int64_t> version;  // empty: next free; given: must be exactly the next free
  DatasetLineage lineage;
  nlohmann::json metadata = nlohmann::json::object();  // must be an object
};

// What a client supplies to add a model version (the bytes come as a committed blob).
struct NewModel {
  std::string name;
  std::optional<int64_t> version;  // empty: next free; given: must be exactly the next free
  ModelFormat format = ModelFormat::kNative;
  nlohmann::json metrics = nlohmann::json::object();  // must be an object
  std::optional<VersionRef> dataset;                  // must exist in this registry when given
  std::optional<VersionRef> parent;                   // must exist in this registry when given
  std::string pipeline_run_id;
  std::vector<HardwareClass> target_classes;  // stored sorted and unique
  std::optional<uint64_t> arena_bytes;
};

struct NewDevice {
  std::string id;
  HardwareClass hardware = HardwareClass::kEsp32;
  std::map<std::string, std::string> labels;  // keys: validate_name; values: validate_text
};

// What a device reports about itself (empty strings leave the stored value unchanged).
struct DeviceReport {
  std::string model_version;
  std::string firmware_version;
};

struct CreatedToken {
  TokenRecord record;
  std::string secret;  // shown once; only its hash is stored
};

// The result of check(): empty `problems` means the store is consistent.
struct CheckReport {
  std::vector<std::string> problems;  // one line each, naming the blob/row involved
  size_t blobs_verified = 0;          // blob files re-hashed
  size_t datasets = 0;                // dataset rows checked
  size_t models = 0;                  // model rows checked
  size_t unreferenced_blobs = 0;      // blobs no row refers to (not a problem; gc() food)
  bool ok() const { return problems.empty(); }
};

class Store {
 public:
  // Opens or creates the store in options.data_dir: directories, the key pair, the database
  // (WAL, synchronous=FULL, foreign keys, busy_timeout) migrated to the current schema.
  // Fails with kIo, kCorrupt (a damaged database or key), or kInvalidArgument (a database from
  // a newer aiotops: its schema version is named).
  static Result<std::unique_ptr<Store>> open(StoreOptions options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const StoreOptions& options() const;
  const BlobStore& blobs() const;
  const KeyPair& keys() const;
  EventBus& events();
  int schema_version() const;

  // ---- uploads ----------------------------------------------------------------------------
  // A streaming blob writer limited to options().max_upload_bytes (kResourceExhausted past it).
  Result<BlobWriter> begin_upload() const;

  // Parses the blob as CSV (telemetry::parse_csv: header row or the reference layout), computes
  // its statistics and content hash, and inserts the next version of `spec.name`.
  // Fails with kInvalidArgument (name, metadata, CSV error naming line and column, version gap),
  // kAlreadyExists (the requested version is taken: a racing writer won), kNotFound (blob or
  // parent version missing), kIo/kInternal. Publishes an EventType::kDatasetVersion on success.
  Result<DatasetRecord> add_dataset(const NewDataset& spec, const BlobInfo& blob);

  // Inserts the next version of `spec.name` referring to the blob. Same failures as
  // add_dataset (kNotFound also for a missing dataset or parent model). Publishes
  // EventType::kModelVersion on success.
  Result<ModelRecord> add_model(const NewModel& spec, const BlobInfo& blob);

  // ---- reads ------------------------------------------------------------------------------
  // kNotFound names the dataset/model and version.
  Result<DatasetRecord> get_dataset(std::string_view name, int64_t version) const;
  Result<DatasetRecord> latest_dataset(std::string_view name) const;
  // Every version of `name`, ascending; empty if none.
  Result<std::vector<DatasetRecord>> list_datasets(std::string_view name) const;
  // Every dataset name with its latest version, by name.
  Result<std::vector<DatasetRecord>> list_latest_datasets() const;

  Result<ModelRecord> get_model(std::string_view name, int64_t version) const;
  Result<ModelRecord> latest_model(std::string_view name) const;
  // A version number ("3"), "latest", or an alias name. kNotFound names the unknown alias.
  Result<ModelRecord> resolve_model(std::string_view name, std::string_view ref) const;
  Result<std::vector<ModelRecord>> list_models(std::string_view name) const;
  Result<std::vector<ModelRecord>> list_latest_models() const;
  // Models trained on dataset (name, version), by name and version.
  Result<std::vector<ModelRecord>> models_trained_on(const VersionRef& dataset) const;

  // Opens a stored blob for serving. kNotFound if the file is missing (check() reports it).
  Result<BlobFile> open_blob(std::string_view sha256) const;

  // ---- deletion (admin) ---------------------------------------------------------------------
  // Removes one version's row; its blob becomes garbage for gc(). Version numbers are never
  // reused. kNotFound; kAlreadyExists (a conflict) while an alias, a model's lineage or a
  // dataset's lineage still refers to it (the referrer is named).
  Status delete_dataset(std::string_view name, int64_t version);
  Status delete_model(std::string_view name, int64_t version);

  // ---- aliases ------------------------------------------------------------------------------
  // Points `alias` of model `model` at `version` (creating it), recording the move with `actor`
  // in one transaction. Returns the move (from_version empty if the alias is new). Publishes
  // EventType::kAliasMoved. kInvalidArgument (alias name), kNotFound (model version).
  Result<AliasMove> set_alias(std::string_view model, std::string_view alias, int64_t version,
                              std::string_view actor);
  // Removes an alias, recording it in the history. kNotFound if it does not exist.
  Result<AliasMove> delete_alias(std::string_view model, std::string_view alias,
                                 std::string_view actor);
  // kNotFound names the model and alias.
  Result<AliasRecord> get_alias(std::string_view model, std::string_view alias) const;
  // The aliases of `model`, by alias name.
  Result<std::vector<AliasRecord>> list_aliases(std::string_view model) const;
  // Moves of `model`'s aliases (all aliases when `alias` is empty), oldest first.
  Result<std::vector<AliasMove>> alias_history(std::string_view model,
                                               std::string_view alias = {}) const;

  // ---- devices ------------------------------------------------------------------------------
  // kAlreadyExists if the id is taken; kInvalidArgument for the id or labels.
  Result<DeviceRecord> provision_device(const NewDevice& device);
  // Marks a provisioned device activated (idempotent: a second call keeps the first time).
  // kNotFound if it was never provisioned (the reference's confirmActivation answers FALSE).
  Result<DeviceRecord> activate_device(std::string_view id);
  // Records what the device runs and that it was seen now. kNotFound if not provisioned.
  Result<DeviceRecord> report_device(std::string_view id, const DeviceReport& report);
  // Replaces the device's labels. kNotFound; kInvalidArgument.
  Result<DeviceRecord> set_device_labels(std::string_view id,
                                         const std::map<std::string, std::string>& labels);
  Result<DeviceRecord> get_device(std::string_view id) const;
  // Every device (of one hardware class when given), by id.
  Result<std::vector<DeviceRecord>> list_devices(
      std::optional<HardwareClass> hardware = std::nullopt) const;
  Status delete_device(std::string_view id);

  // ---- tokens -------------------------------------------------------------------------------
  // Creates a token; the secret is returned once. A device token is tied to `device_id` (which
  // need not be provisioned yet); other roles take none. kInvalidArgument for the description,
  // a malformed or missing device id, or a device id given to another role.
  Result<CreatedToken> create_token(Role role, std::string_view description,
                                    std::string_view device_id = {});
  // Finds the live token whose secret this is and refreshes its last-used time (at most once a
  // minute, so authentication is usually a read). kPermissionDenied for an unknown, malformed
  // or revoked token (the message never echoes the secret).
  Result<TokenRecord> authenticate(std::string_view secret);
  // Marks a token revoked (idempotent). kNotFound for an unknown id.
  Status revoke_token(std::string_view id);
  Result<std::vector<TokenRecord>> list_tokens() const;
  // Tokens not revoked: the server refuses a non-loopback address without one.
  Result<size_t> count_live_tokens() const;

  // Grows after every write this process makes (committed or not): reads cached while it is
  // unchanged are current as far as this process's writes go (fresh_cache.h). Thread-safe.
  uint64_t write_generation() const;

  // ---- maintenance --------------------------------------------------------------------------
  // Re-hashes every blob, checks every referenced blob exists with the recorded size, verifies
  // every manifest's signature and fields against its row, and runs PRAGMA integrity_check and
  // foreign_key_check. Problems go into the report; the call fails only when it cannot run
  // (kIo). Safe while the server runs (reads a snapshot).
  Result<CheckReport> check() const;

  // Deletes blobs no dataset or model refers to and abandoned temp files, both older than
  // options().gc_grace. Runs inside a write transaction so no reference appears meanwhile.
  Result<GcReport> gc();

  // The private state (store_impl.h); named here only so the store's own files can use it.
  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace aiotops::registry
