#pragma once
// The records the registry stores: datasets, models, aliases, devices, tokens, and the small
// enums they use (artifact kind, model format, hardware class, token role). Plain values;
// the storage lives in store.h, the SQL schema in store_schema.cc.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace aiotops::registry {

enum class ArtifactKind { kDataset, kModel };
// "dataset" / "model".
std::string_view to_string(ArtifactKind kind);

enum class ModelFormat { kNative, kTfliteFloat, kTfliteInt8, kCArray };
// "native" / "tflite-float" / "tflite-int8" / "c-array".
std::string_view to_string(ModelFormat format);
// Inverse of to_string; kInvalidArgument names the accepted values.
Result<ModelFormat> parse_model_format(std::string_view text);

enum class HardwareClass { kEsp32, kCoralTpu, kJetson, kRpi, kX86 };
// "esp32" / "coral-tpu" / "jetson" / "rpi" / "x86".
std::string_view to_string(HardwareClass hardware);
// Inverse of to_string; kInvalidArgument names the accepted values.
Result<HardwareClass> parse_hardware_class(std::string_view text);

enum class Role { kDevice, kPipeline, kAdmin };
// "device" / "pipeline" / "admin".
std::string_view to_string(Role role);
// Inverse of to_string; kInvalidArgument names the accepted values.
Result<Role> parse_role(std::string_view text);

// A (name, version) pair naming one stored dataset or model version.
struct VersionRef {
  std::string name;
  int64_t version = 0;  // 1, 2, ...
  friend bool operator==(const VersionRef&, const VersionRef&) = default;
};

// Where a dataset came from.
struct DatasetLineage {
  std::string source;  // free text: "sim --seed 7", "edge log site-3", a URL; may be empty
  std::optional<int64_t> parent_version;  // an earlier version of the same dataset name
  std::string pipeline_run_id;            // the run that produced it; may be empty
};

struct DatasetRecord {
  std::string name;
  int64_t version = 0;
  std::string sha256;        // of the uploaded bytes (the blob's name)
  uint64_t size = 0;         // bytes
  std::string content_hash;  // telemetry::dataset_content_hash (independent of CSV spelling)
  nlohmann::json stats;      // telemetry::to_json(DatasetStats): the drift reference
  int64_t created_ms = 0;    // Unix time, milliseconds
  DatasetLineage lineage;
  nlohmann::json metadata = nlohmann::json::object();  // client-supplied object
  std::string manifest;                                // canonical JSON manifest (signing.h)
  std::string signature;  // base64 ed25519 detached signature over `manifest`
};

struct ModelRecord {
  std::string name;
  int64_t version = 0;
  ModelFormat format = ModelFormat::kNative;
  std::string sha256;                                 // of the stored file (the blob's name)
  uint64_t size = 0;                                  // bytes
  nlohmann::json metrics = nlohmann::json::object();  // client-supplied object
  std::optional<VersionRef> dataset;                  // the dataset version it was trained on
  std::optional<VersionRef> parent;                   // the model version it was derived from
  std::string pipeline_run_id;                        // may be empty
  std::vector<HardwareClass> target_classes;          // sorted, unique; empty: any
  std::optional<uint64_t> arena_bytes;                // tensor arena the device needs, when known
  int64_t created_ms = 0;                             // Unix time, milliseconds
  std::string manifest;                               // canonical JSON manifest (signing.h)
  std::string signature;  // base64 ed25519 detached signature over `manifest`
};

// One move of an alias (also its creation: from_version empty; deletion: to_version empty).
struct AliasMove {
  std::string model;
  std::string alias;
  std::optional<int64_t> from_version;
  std::optional<int64_t> to_version;
  std::string actor;  // who moved it: a token id, "cli", ...
  int64_t time_ms = 0;
};

struct AliasRecord {
  std::string model;
  std::string alias;
  int64_t version = 0;
  int64_t updated_ms = 0;
};

struct DeviceRecord {
  std::string id;
  HardwareClass hardware = HardwareClass::kEsp32;
  std::map<std::string, std::string> labels;
  bool activated = false;
  int64_t provisioned_ms = 0;
  std::optional<int64_t> activated_ms;
  std::string model_version;     // as last reported by the device; empty until it reports
  std::string firmware_version;  // as last reported by the device; empty until it reports
  std::optional<int64_t> last_seen_ms;
};

struct TokenRecord {
  std::string id;  // public identifier (16 hex); the secret is never stored
  Role role = Role::kDevice;
  std::string description;
  // Device role: the device whose activation and status reports it may send; empty for other
  // roles (and for device tokens made before tokens were tied to a device: read-only).
  std::string device_id;
  int64_t created_ms = 0;
  std::optional<int64_t> last_used_ms;  // updated at most once a minute
  std::optional<int64_t> revoked_ms;
};

}  // namespace aiotops::registry
