#pragma once
// A thin RAII layer over the SQLite C API for the registry's store: connections, prepared
// statements (cached per connection), transactions, and SQLite result codes mapped to Error.
// Not a general-purpose wrapper: it has what store*.cc use and nothing more.

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace aiotops::registry::sql {

// Maps a SQLite result code to an Error: BUSY/LOCKED -> kUnavailable, CONSTRAINT ->
// kAlreadyExists, CORRUPT/NOTADB -> kCorrupt, IOERR/FULL/CANTOPEN -> kIo, others kInternal.
// `context` says what was being done; SQLite's own message is appended.
Error error_from(sqlite3* db, int rc, std::string_view context);

// A prepared statement. Borrowed from a Connection's cache: on destruction it is reset and
// its bindings cleared, ready for the next use. Not thread-safe (nor is its connection).
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Binds parameter `index` (1-based). Text is copied (SQLITE_TRANSIENT).
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, std::optional<int64_t> value);
  Statement& bind_null(int index);

  // Steps once: true when a row is available, false when done. Errors carry the SQL.
  Result<bool> step();
  // Steps to completion, expecting no rows (INSERT/UPDATE/DELETE). Returns changes().
  Result<int> run();

  int64_t int64(int column) const;
  std::optional<int64_t> optional_int64(int column) const;
  std::string text(int column) const;  // "" for NULL
  bool is_null(int column) const;
  int columns() const;  // columns in a result row

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// One SQLite connection. Not thread-safe: one thread at a time (the store's pool ensures it).
class Connection {
 public:
  struct Options {
    std::chrono::milliseconds busy_timeout{10000};  // wait for another writer's lock
    bool read_only = false;                         // PRAGMA query_only
  };
  // Opens (creating) the database and applies the per-connection settings: foreign_keys=ON,
  // synchronous=FULL, busy_timeout, query_only. kIo, kCorrupt.
  static Result<std::unique_ptr<Connection>> open(const std::filesystem::path& path,
                                                  const Options& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without results. Errors name the first line of the SQL.
  Status exec(std::string_view sql);
  // A prepared statement, compiled once per connection and reused.
  Result<Statement> prepare(const std::string& sql);
  sqlite3* handle() { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

// BEGIN IMMEDIATE (write) or BEGIN (read snapshot) ... COMMIT; rolls back if not committed.
class Transaction {
 public:
  enum class Kind { kRead, kWrite };
  static Result<Transaction> begin(Connection& connection, Kind kind);
  Transaction(Transaction&& other) noexcept : connection_(other.connection_) {
    other.connection_ = nullptr;
  }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  // COMMIT. On failure the transaction is rolled back.
  Status commit();

 private:
  explicit Transaction(Connection* connection) : connection_(connection) {}
  Connection* connection_;
};

}  // namespace aiotops::registry::sql
