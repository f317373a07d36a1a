#pragma once
// The Store's private state, shared by the store_*.cc files that implement its methods
// (uploads, reads, aliases, devices, tokens, maintenance). Not a public header.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "registry/sql.h"
#include "registry/store.h"

namespace aiotops::registry {

struct Store::Impl {
  StoreOptions options;
  BlobStore blobs;
  KeyPair keys;
  EventBus events;
  int schema_version = 0;
  // Grows after each commit that announces a change and when a WriteLease ends (after its
  // transaction committed or rolled back): what Store::write_generation() reports.
  std::atomic<uint64_t> generation{0};
  std::filesystem::path db_path;

  // One writer connection: writes in this process queue on the mutex instead of spinning in
  // SQLite's busy handler; busy_timeout only covers other processes.
  std::mutex write_mutex;
  std::unique_ptr<sql::Connection> writer;

  // Read connections, lent out one per call; WAL lets them read while the writer writes.
  std::mutex pool_mutex;
  std::condition_variable pool_ready;
  std::vector<std::unique_ptr<sql::Connection>> idle_readers;

  Impl(StoreOptions o, BlobStore b, KeyPair k, EventBusOptions e)
      : options(std::move(o)), blobs(std::move(b)), keys(k), events(e) {}

  int64_t now_ms() const;
  // After a commit: makes cached reads stale (write_generation), then tells subscribers, so a
  // client reacting to the event never gets the state from before it.
  void announce(Event event) {
    generation.fetch_add(1);
    events.publish(std::move(event));
  }

  // A read connection for the lifetime of the lease.
  class ReadLease {
   public:
    explicit ReadLease(Impl& impl);
    ~ReadLease();
    ReadLease(const ReadLease&) = delete;
    ReadLease& operator=(const ReadLease&) = delete;
    sql::Connection& operator*() { return *connection_; }
    sql::Connection* operator->() { return connection_.get(); }

   private:
    Impl& impl_;
    std::unique_ptr<sql::Connection> connection_;
  };

  // The writer connection, held exclusively for the lifetime of the lease.
  class WriteLease {
   public:
    explicit WriteLease(Impl& impl)
        : generation_(impl.generation), lock_(impl.write_mutex), connection_(*impl.writer) {}
    ~WriteLease() { generation_.fetch_add(1); }
    WriteLease(const WriteLease&) = delete;
    WriteLease& operator=(const WriteLease&) = delete;
    sql::Connection& operator*() { return connection_; }
    sql::Connection* operator->() { return &connection_; }

   private:
    std::atomic<uint64_t>& generation_;
    std::unique_lock<std::mutex> lock_;
    sql::Connection& connection_;
  };
};

// ---- helpers shared by the store_*.cc files ------------------------------------------------

// The store's clock: options.now_ms, or the system clock (Unix milliseconds).
int64_t clock_ms(const StoreOptions& options);

// Inside a write transaction: the next version of `name` (kind "dataset" or "model"), checked
// against `requested` (kAlreadyExists if taken, kInvalidArgument if it would leave a gap), and
// recorded in version_counters.
Result<int64_t> allocate_version(sql::Connection& db, ArtifactKind kind, std::string_view name,
                                 std::optional<int64_t> requested);

// A new version's number, time and signed manifest.
struct SealedVersion {
  int64_t version = 0;
  int64_t created_ms = 0;
  std::string manifest;   // canonical JSON
  std::string signature;  // base64 ed25519
};

// Inside a write transaction: allocates the version (allocate_version) and signs `manifest`
// with it and the current time filled in.
Result<SealedVersion> seal_version(Store::Impl& impl, sql::Connection& db, Manifest manifest,
                                   std::optional<int64_t> requested);

// seal_version into a DatasetRecord or ModelRecord's version, created_ms, manifest, signature.
template <typename Record>
Status seal_version(Store::Impl& impl, sql::Connection& db, Manifest manifest,
                    std::optional<int64_t> requested, Record& record) {
  auto sealed = seal_version(impl, db, std::move(manifest), requested);
  if (!sealed) return fail(sealed.error());
  record.version = sealed->version;
  record.created_ms = sealed->created_ms;
  record.manifest = std::move(sealed->manifest);
  record.signature = std::move(sealed->signature);
  return {};
}

// Runs the bound INSERT of a new version, commits, then announces it on the event bus.
Status commit_version(Store::Impl& impl, sql::Statement& insert, sql::Transaction& transaction,
                      EventType type, const auto& record) {
  if (auto done = insert.run(); !done) return fail(done.error());
  if (auto s = transaction.commit(); !s) return s;
  impl.announce(version_event(type, record.name, record.version, record.sha256, record.created_ms));
  return {};
}

// Fails with kNotFound ("`what` NAME version V does not exist") unless `table` (datasets or
// models) holds (ref.name, ref.version).
Status require_version(sql::Connection& db, std::string_view table, const VersionRef& ref,
                       std::string_view what);

// Inside a write transaction: the blob exists with the stated size. kNotFound (gone, e.g.
// collected) or kInvalidArgument (size differs).
Status require_blob(const BlobStore& blobs, const BlobInfo& blob);

// The event announcing a new dataset or model version.
Event version_event(EventType type, const std::string& name, int64_t version,
                    const std::string& sha256, int64_t time_ms);

// Parses a JSON column written by the store; null if it does not parse (check() reports it).
nlohmann::json parse_json_column(const std::string& text);

// True when the row exists: `sql` selects with ?1 = name and ?2 = version.
Result<bool> row_exists(sql::Connection& db, const std::string& sql, std::string_view name,
                        int64_t version);

// Reads every row of `stmt` through `from_row` into a vector.
template <typename T, typename F>
Result<std::vector<T>> collect(sql::Statement& stmt, F from_row) {
  std::vector<T> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    out.push_back(from_row(stmt));
  }
}

// Reads the first row of `stmt` through `from_row`, or fails with kNotFound and `missing`.
template <typename T, typename F>
Result<T> first_row(sql::Statement& stmt, F from_row, std::string_view missing) {
  auto row = stmt.step();
  if (!row) return fail(row.error());
  if (!*row) return fail(ErrorCode::kNotFound, "{}", missing);
  return from_row(stmt);
}

// Prepares `sql` on `db` and binds `args` to ?1, ?2, ...
template <typename... Args>
Result<sql::Statement> bound(sql::Connection& db, const std::string& sql, const Args&... args) {
  auto stmt = db.prepare(sql);
  if (!stmt) return stmt;
  int index = 0;
  (stmt->bind(++index, args), ...);
  return stmt;
}

// Every row of a query on a read connection, through `from_row`.
template <typename T, typename F, typename... Args>
Result<std::vector<T>> read_rows(Store::Impl& impl, const std::string& sql, F from_row,
                                 const Args&... args) {
  Store::Impl::ReadLease db(impl);
  auto stmt = bound(*db, sql, args...);
  if (!stmt) return fail(stmt.error());
  return collect<T>(*stmt, from_row);
}

// The first row of a query on a read connection, or kNotFound with `missing`.
template <typename T, typename F, typename... Args>
Result<T> read_row(Store::Impl& impl, const std::string& sql, F from_row, std::string_view missing,
                   const Args&... args) {
  Store::Impl::ReadLease db(impl);
  auto stmt = bound(*db, sql, args...);
  if (!stmt) return fail(stmt.error());
  return first_row<T>(*stmt, from_row, missing);
}

// Inside a transaction: the (text, integer) of the first row `sql` selects with ?1 = name and
// ?2 = version, if any. Names who still refers to a version before a delete.
Result<std::optional<std::pair<std::string, int64_t>>> first_referrer(sql::Connection& db,
                                                                      const std::string& sql,
                                                                      std::string_view name,
                                                                      int64_t version);

}  // namespace aiotops::registry
