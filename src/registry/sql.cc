#include "registry/sql.h"

namespace aiotops::registry::sql {

namespace {

std::string first_line(std::string_view sql) {
  while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\n')) sql.remove_prefix(1);
  return std::string(sql.substr(0, std::min(sql.find('\n'), size_t{80})));
}

}  // namespace

Error error_from(sqlite3* db, int rc, std::string_view context) {
  std::string message =
      fmt::format("{}: {}", context, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error(ErrorCode::kUnavailable, std::move(message));
    case SQLITE_CONSTRAINT:
      return Error(ErrorCode::kAlreadyExists, std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error(ErrorCode::kCorrupt, std::move(message));
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Error(ErrorCode::kIo, std::move(message));
    default:
      return Error(ErrorCode::kInternal, std::move(message));
  }
}

// ---- Statement --------------------------------------------------------------------------------

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  // A default string_view has a null data pointer, which SQLite would bind as NULL, not ''.
  const char* data = value.data() != nullptr ? value.data() : "";
  sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind(int index, std::optional<int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(error_from(db_, rc, first_line(sqlite3_sql(stmt_))));
}

Result<int> Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return fail(row.error());
    if (!*row) return sqlite3_changes(db_);
  }
}

int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<int64_t> Statement::optional_int64(int column) const {
  if (is_null(column)) return std::nullopt;
  return int64(column);
}

std::string Statement::text(int column) const {
  const auto* bytes = sqlite3_column_text(stmt_, column);
  if (bytes == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(bytes),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int Statement::columns() const { return sqlite3_column_count(stmt_); }

// ---- Connection -------------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::open(const std::filesystem::path& path,
                                                     const Options& options) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error error = error_from(db, rc, fmt::format("open {}", path.string()));
    sqlite3_close_v2(db);
    return fail(error);
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<Connection> connection(new Connection(db));
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  // synchronous=FULL: in WAL mode every COMMIT fsyncs the WAL, so an acknowledged upload
  // survives power loss too, not only a process crash (NORMAL would only lose the last
  // transactions on power loss, but an acknowledged upload must never vanish). The cost is one
  // fsync per upload, next to the blob's own two.
  std::string settings = "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;";
  if (options.read_only) settings += " PRAGMA query_only=ON;";
  if (auto s = connection->exec(settings); !s) {
    return fail(s.error().with_context(path.string()));
  }
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Connection::exec(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(error_from(db_, rc, first_line(sql)));
  return {};
}

Result<Statement> Connection::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return std::unexpected(error_from(db_, rc, first_line(sql)));
    it = cache_.emplace(sql, stmt).first;
  }
  return Statement(db_, it->second);
}

// ---- Transaction ------------------------------------------------------------------------------

Result<Transaction> Transaction::begin(Connection& connection, Kind kind) {
  if (auto s = connection.exec(kind == Kind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN"); !s) {
    return fail(s.error());
  }
  return Transaction(&connection);
}

Transaction::~Transaction() {
  if (connection_ != nullptr) (void)connection_->exec("ROLLBACK");
}

Status Transaction::commit() {
  Connection* connection = connection_;
  connection_ = nullptr;
  if (auto s = connection->exec("COMMIT"); !s) {
    (void)connection->exec("ROLLBACK");
    return s;
  }
  return {};
}

}  // namespace aiotops::registry::sql
