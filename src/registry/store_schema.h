#pragma once
// The registry database's schema and its migrations (the SQL itself is in store_schema.cc,
// every table in one place with a comment). Internal to the store.

#include "common/error.h"
#include "registry/sql.h"

namespace aiotops::registry {

// The schema version this build writes: the number of migrations.
int current_schema_version();

// Brings the database up to current_schema_version() in one write transaction: creates the
// schema_version table if absent and applies each migration not yet applied. Returns the
// version found before migrating (0 for a new database). kInvalidArgument if the database is
// newer than this build; SQLite errors otherwise. Safe against a racing process doing the same.
Result<int> migrate(sql::Connection& connection);

}  // namespace aiotops::registry
