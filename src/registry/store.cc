#include "registry/store.h"

#include <sodium.h>

#include "registry/store_impl.h"
#include "registry/store_schema.h"

namespace aiotops::registry {
namespace fs = std::filesystem;

namespace {
constexpr std::string_view kDatabaseFile = "registry.db";
constexpr std::string_view kBlobDir = "blobs";
constexpr std::string_view kKeyDir = "keys";
}  // namespace

// ---- Impl -------------------------------------------------------------------------------------

int64_t clock_ms(const StoreOptions& options) {
  if (options.now_ms) return options.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t Store::Impl::now_ms() const { return clock_ms(options); }

Store::Impl::ReadLease::ReadLease(Impl& impl) : impl_(impl) {
  std::unique_lock lock(impl_.pool_mutex);
  impl_.pool_ready.wait(lock, [&] { return !impl_.idle_readers.empty(); });
  connection_ = std::move(impl_.idle_readers.back());
  impl_.idle_readers.pop_back();
}

Store::Impl::ReadLease::~ReadLease() {
  std::lock_guard lock(impl_.pool_mutex);
  impl_.idle_readers.push_back(std::move(connection_));
  impl_.pool_ready.notify_one();
}

// ---- shared helpers ---------------------------------------------------------------------------

Result<int64_t> allocate_version(sql::Connection& db, ArtifactKind kind, std::string_view name,
                                 std::optional<int64_t> requested) {
  std::string_view kind_text = to_string(kind);
  int64_t last = 0;
  {
    auto select =
        db.prepare("SELECT last_version FROM version_counters WHERE kind = ?1 AND name = ?2");
    if (!select) return fail(select.error());
    select->bind(1, kind_text).bind(2, name);
    auto row = select->step();
    if (!row) return fail(row.error());
    if (*row) last = select->int64(0);
  }
  int64_t version = last + 1;
  if (requested && *requested != version) {
    if (*requested >= 1 && *requested <= last) {
      return fail(ErrorCode::kAlreadyExists, "{} {} version {} is taken (the latest is {})",
                  kind_text, name, *requested, last);
    }
    return fail(ErrorCode::kInvalidArgument,
                "{} {} version {} is not the next version ({}): versions have no gaps", kind_text,
                name, *requested, version);
  }
  auto upsert = db.prepare(
      "INSERT INTO version_counters (kind, name, last_version) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (kind, name) DO UPDATE SET last_version = excluded.last_version");
  if (!upsert) return fail(upsert.error());
  if (auto r = upsert->bind(1, kind_text).bind(2, name).bind(3, version).run(); !r) {
    return fail(r.error());
  }
  return version;
}

Result<SealedVersion> seal_version(Store::Impl& impl, sql::Connection& db, Manifest manifest,
                                   std::optional<int64_t> requested) {
  auto version = allocate_version(db, manifest.kind, manifest.name, requested);
  if (!version) return fail(version.error());
  manifest.version = *version;
  manifest.created_ms = impl.now_ms();
  SealedVersion sealed{*version, manifest.created_ms, canonical_manifest(manifest), ""};
  sealed.signature = sign(impl.keys, sealed.manifest);
  return sealed;
}

Status require_version(sql::Connection& db, std::string_view table, const VersionRef& ref,
                       std::string_view what) {
  auto exists =
      row_exists(db, fmt::format("SELECT 1 FROM {} WHERE name = ?1 AND version = ?2", table),
                 ref.name, ref.version);
  if (!exists) return fail(exists.error());
  if (!*exists) {
    return fail(ErrorCode::kNotFound, "{} {} version {} does not exist", what, ref.name,
                ref.version);
  }
  return {};
}

Status require_blob(const BlobStore& blobs, const BlobInfo& blob) {
  auto size = blobs.size_of(blob.sha256);
  if (!size) {
    if (size.error().code() == ErrorCode::kNotFound) {
      return fail(ErrorCode::kNotFound, "blob {} is not in the store (upload it again)",
                  blob.sha256);
    }
    return fail(size.error());
  }
  if (*size != blob.size) {
    return fail(ErrorCode::kInvalidArgument, "blob {} is {} bytes, not {}", blob.sha256, *size,
                blob.size);
  }
  return {};
}

Event version_event(EventType type, const std::string& name, int64_t version,
                    const std::string& sha256, int64_t time_ms) {
  Event event;
  event.type = type;
  event.name = name;
  event.version = version;
  event.sha256 = sha256;
  event.time_ms = time_ms;
  return event;
}

nlohmann::json parse_json_column(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  return json.is_discarded() ? nlohmann::json(nullptr) : json;
}

Result<std::optional<std::pair<std::string, int64_t>>> first_referrer(sql::Connection& db,
                                                                      const std::string& sql,
                                                                      std::string_view name,
                                                                      int64_t version) {
  auto select = bound(db, sql, name, version);
  if (!select) return fail(select.error());
  auto row = select->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<std::pair<std::string, int64_t>>();
  return std::optional(std::pair(select->text(0), select->int64(1)));
}

Result<bool> row_exists(sql::Connection& db, const std::string& sql, std::string_view name,
                        int64_t version) {
  auto select = bound(db, sql, name, version);
  if (!select) return fail(select.error());
  return select->step();
}

// ---- Store ------------------------------------------------------------------------------------

Result<std::unique_ptr<Store>> Store::open(StoreOptions options) {
  if (sodium_init() < 0) return fail(ErrorCode::kInternal, "libsodium failed to initialize");
  if (options.data_dir.empty()) return fail(ErrorCode::kInvalidArgument, "no data directory");
  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec) return fail(ErrorCode::kIo, "create {}: {}", options.data_dir.string(), ec.message());
  auto blobs = BlobStore::open(options.data_dir / kBlobDir);
  if (!blobs) return fail(blobs.error());
  auto keys = load_or_create_keys(options.data_dir / kKeyDir);
  if (!keys) return fail(keys.error());

  // Event ids keep growing across restarts (see EventBusOptions::first_id).
  EventBusOptions event_options;
  event_options.first_id = static_cast<uint64_t>(clock_ms(options)) * 1000;
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*blobs), *keys, event_options);
  sodium_memzero(keys->secret_key.data(), keys->secret_key.size());
  impl->db_path = impl->options.data_dir / kDatabaseFile;

  sql::Connection::Options writer_options;
  writer_options.busy_timeout = impl->options.busy_timeout;
  auto writer = sql::Connection::open(impl->db_path, writer_options);
  if (!writer) return fail(writer.error());
  // WAL: readers never block the writer nor see a half-done transaction; the mode is stored in
  // the database file, so setting it once per open is enough for every connection.
  if (auto s = (*writer)->exec("PRAGMA journal_mode=WAL"); !s) return fail(s.error());
  auto found = migrate(**writer);
  if (!found) return fail(found.error().with_context(impl->db_path.string()));
  impl->schema_version = current_schema_version();
  impl->writer = std::move(*writer);

  sql::Connection::Options reader_options = writer_options;
  reader_options.read_only = true;
  for (size_t i = 0; i < std::max<size_t>(impl->options.read_connections, 1); ++i) {
    auto reader = sql::Connection::open(impl->db_path, reader_options);
    if (!reader) return fail(reader.error());
    impl->idle_readers.push_back(std::move(*reader));
  }
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

uint64_t Store::write_generation() const { return impl_->generation.load(); }

const StoreOptions& Store::options() const { return impl_->options; }
const BlobStore& Store::blobs() const { return impl_->blobs; }
const KeyPair& Store::keys() const { return impl_->keys; }
EventBus& Store::events() { return impl_->events; }
int Store::schema_version() const { return impl_->schema_version; }

Result<BlobWriter> Store::begin_upload() const {
  return impl_->blobs.begin_write(impl_->options.max_upload_bytes);
}

Result<BlobFile> Store::open_blob(std::string_view sha256) const {
  return impl_->blobs.open_blob(sha256);
}

Result<GcReport> Store::gc() {
  Impl::WriteLease db(*impl_);
  // The write transaction keeps any new reference out until the sweep is done; an upload that
  // commits its blob meanwhile finds it gone in require_blob and fails instead of dangling.
  auto transaction = sql::Transaction::begin(*db, sql::Transaction::Kind::kWrite);
  if (!transaction) return fail(transaction.error());
  auto select = db->prepare("SELECT sha256 FROM datasets UNION SELECT sha256 FROM models");
  if (!select) return fail(select.error());
  auto referenced = collect<std::string>(*select, [](sql::Statement& s) { return s.text(0); });
  if (!referenced) return fail(referenced.error());
  std::set<std::string> keep(referenced->begin(), referenced->end());
  auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(impl_->now_ms()));
  return impl_->blobs.gc(keep, impl_->options.gc_grace, now);
}

}  // namespace aiotops::registry
