#include "registry/store_schema.h"

#include <array>
#include <string_view>

namespace aiotops::registry {
namespace {

// Migration i (1-based) takes the database from version i-1 to version i. Never edit a
// released migration; append a new one.
constexpr std::array<std::string_view, 2> kMigrations{R"sql(
-- version_counters: the last version handed out per dataset or model name. Versions are
-- allocated from here inside the inserting transaction, so they are gap-free while nothing is
-- deleted and never reused after a deletion.
CREATE TABLE version_counters (
  kind TEXT NOT NULL CHECK (kind IN ('dataset', 'model')),
  name TEXT NOT NULL,
  last_version INTEGER NOT NULL CHECK (last_version >= 1),
  PRIMARY KEY (kind, name)
) WITHOUT ROWID;

-- datasets: one row per uploaded dataset version. The bytes are the blob named sha256; stats
-- is telemetry's statistics JSON (the drift reference); manifest/signature are the signed
-- canonical manifest. parent_version points at an earlier version of the same name.
CREATE TABLE datasets (
  name TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  size INTEGER NOT NULL CHECK (size >= 0),
  content_hash TEXT NOT NULL,
  stats TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  parent_version INTEGER,
  pipeline_run_id TEXT NOT NULL DEFAULT '',
  metadata TEXT NOT NULL DEFAULT '{}',
  manifest TEXT NOT NULL,
  signature TEXT NOT NULL,
  PRIMARY KEY (name, version),
  FOREIGN KEY (name, parent_version) REFERENCES datasets (name, version) ON DELETE RESTRICT
);
CREATE INDEX datasets_sha256 ON datasets (sha256);
CREATE INDEX datasets_parent ON datasets (name, parent_version);

-- models: one row per uploaded model version, with its lineage: the dataset version it was
-- trained on and the model version it came from (both must be in this registry).
-- target_classes is a JSON array of hardware class names; empty means any.
CREATE TABLE models (
  name TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  format TEXT NOT NULL CHECK (format IN ('native', 'tflite-float', 'tflite-int8', 'c-array')),
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  size INTEGER NOT NULL CHECK (size >= 0),
  metrics TEXT NOT NULL DEFAULT '{}',
  dataset_name TEXT,
  dataset_version INTEGER,
  parent_name TEXT,
  parent_version INTEGER,
  pipeline_run_id TEXT NOT NULL DEFAULT '',
  target_classes TEXT NOT NULL DEFAULT '[]',
  arena_bytes INTEGER CHECK (arena_bytes >= 0),
  created_ms INTEGER NOT NULL,
  manifest TEXT NOT NULL,
  signature TEXT NOT NULL,
  PRIMARY KEY (name, version),
  CHECK ((dataset_name IS NULL) = (dataset_version IS NULL)),
  CHECK ((parent_name IS NULL) = (parent_version IS NULL)),
  FOREIGN KEY (dataset_name, dataset_version) REFERENCES datasets (name, version)
    ON DELETE RESTRICT,
  FOREIGN KEY (parent_name, parent_version) REFERENCES models (name, version) ON DELETE RESTRICT
);
CREATE INDEX models_sha256 ON models (sha256);
CREATE INDEX models_dataset ON models (dataset_name, dataset_version);
CREATE INDEX models_parent ON models (parent_name, parent_version);

-- aliases: the current target of each (model name, alias); a row is replaced in the same
-- transaction that appends to alias_history, so a move is atomic. An aliased version cannot be
-- deleted.
CREATE TABLE aliases (
  model TEXT NOT NULL,
  alias TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (model, alias),
  FOREIGN KEY (model, version) REFERENCES models (name, version) ON DELETE RESTRICT
) WITHOUT ROWID;
CREATE INDEX aliases_target ON aliases (model, version);

-- alias_history: every creation, move and deletion of an alias, oldest first (by id).
-- from_version is NULL for a creation, to_version NULL for a deletion.
CREATE TABLE alias_history (
  id INTEGER PRIMARY KEY,
  model TEXT NOT NULL,
  alias TEXT NOT NULL,
  from_version INTEGER,
  to_version INTEGER,
  actor TEXT NOT NULL,
  time_ms INTEGER NOT NULL
);
CREATE INDEX alias_history_model ON alias_history (model, alias, id);

-- devices: provisioned devices, their hardware class and labels (a JSON object), activation,
-- and what they last reported running.
CREATE TABLE devices (
  id TEXT NOT NULL PRIMARY KEY,
  hardware TEXT NOT NULL CHECK (hardware IN ('esp32', 'coral-tpu', 'jetson', 'rpi', 'x86')),
  labels TEXT NOT NULL DEFAULT '{}',
  activated INTEGER NOT NULL DEFAULT 0 CHECK (activated IN (0, 1)),
  provisioned_ms INTEGER NOT NULL,
  activated_ms INTEGER,
  model_version TEXT NOT NULL DEFAULT '',
  firmware_version TEXT NOT NULL DEFAULT '',
  last_seen_ms INTEGER
) WITHOUT ROWID;

-- tokens: bearer tokens by id; only the SHA-256 of the secret is kept (tokens are 32 random
-- bytes, so a fast hash is enough). Revoked tokens stay for the record.
CREATE TABLE tokens (
  id TEXT NOT NULL PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('device', 'pipeline', 'admin')),
  secret_sha256 TEXT NOT NULL UNIQUE CHECK (length(secret_sha256) = 64),
  description TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  last_used_ms INTEGER,
  revoked_ms INTEGER
) WITHOUT ROWID;
)sql",
                                                      R"sql(
-- tokens.device_id: the one device a device-role token may activate and report status for.
-- Device tokens created before this column have none and may only read.
ALTER TABLE tokens ADD COLUMN device_id TEXT CHECK (device_id IS NULL OR role = 'device');
)sql"};

// schema_version: one row, the number of migrations applied.
constexpr std::string_view kVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)";

}  // namespace

int current_schema_version() { return static_cast<int>(kMigrations.size()); }

Result<int> migrate(sql::Connection& connection) {
  auto transaction = sql::Transaction::begin(connection, sql::Transaction::Kind::kWrite);
  if (!transaction) return fail(transaction.error());
  if (auto s = connection.exec(kVersionTable); !s) return fail(s.error());
  int found = 0;
  bool has_row = false;
  {  // the statement is reset when it leaves this scope
    auto select = connection.prepare("SELECT version FROM schema_version");
    if (!select) return fail(select.error());
    auto row = select->step();
    if (!row) return fail(row.error());
    has_row = *row;
    if (has_row) found = static_cast<int>(select->int64(0));
  }
  if (found > current_schema_version()) {
    return fail(ErrorCode::kInvalidArgument,
                "database schema version {} is newer than this aiotops ({}); upgrade aiotops",
                found, current_schema_version());
  }
  for (int v = found; v < current_schema_version(); ++v) {
    if (auto s = connection.exec(kMigrations[static_cast<size_t>(v)]); !s) {
      return fail(s.error().with_context(fmt::format("schema migration {}", v + 1)));
    }
  }
  if (found != current_schema_version()) {
    auto update = connection.prepare(has_row ? "UPDATE schema_version SET version = ?1"
                                             : "INSERT INTO schema_version (version) VALUES (?1)");
    if (!update) return fail(update.error());
    if (auto r = update->bind(1, int64_t{current_schema_version()}).run(); !r) {
      return fail(r.error());
    }
  }
  if (auto s = transaction->commit(); !s) return fail(s.error());
  return found;
}

}  // namespace aiotops::registry
