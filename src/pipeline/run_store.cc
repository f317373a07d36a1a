#include "pipeline/run_store.h"

#include <unistd.h>

#include <mutex>
#include <random>

#include "common/sha256.h"
#include "pipeline/run_store_codec.h"
#include "registry/sql.h"

namespace aiotops::pipeline {
namespace {

namespace fs = std::filesystem;
namespace sql = registry::sql;

// Migration i (1-based) takes the database from user_version i-1 to i. Never edit a released
// migration; append a new one.
constexpr std::string_view kSchemaV1 = R"sql(
-- runs: one row per run. owner_pid/owner_start identify the process running it (start time in
-- clock ticks, so a reused pid is not mistaken for the owner).
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  workflow_name TEXT NOT NULL,
  workflow_path TEXT NOT NULL,
  workflow_text TEXT NOT NULL,
  parameters TEXT NOT NULL,
  phase TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  started_ms INTEGER,
  finished_ms INTEGER,
  owner_pid INTEGER NOT NULL,
  owner_start INTEGER NOT NULL
);
CREATE INDEX runs_created ON runs (created_ms);

-- nodes: one row per node of a run; seq keeps the order in which nodes were first stored.
CREATE TABLE nodes (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  name TEXT NOT NULL,
  display_name TEXT NOT NULL,
  template_name TEXT NOT NULL,
  type TEXT NOT NULL,
  phase TEXT NOT NULL,
  message TEXT NOT NULL,
  started_ms INTEGER,
  finished_ms INTEGER,
  exit_code INTEGER,
  output_parameters TEXT NOT NULL,
  result TEXT,
  artifacts TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  memo_key TEXT NOT NULL,
  stdout_path TEXT NOT NULL,
  stderr_path TEXT NOT NULL,
  PRIMARY KEY (run_id, id)
);
CREATE INDEX nodes_memo ON nodes (memo_key, finished_ms) WHERE memo_key <> '';
)sql";
constexpr int kSchemaVersion = 1;

constexpr std::string_view kRunColumns =
    "id, workflow_name, workflow_path, parameters, phase, message, created_ms, started_ms, "
    "finished_ms, owner_pid, owner_start";
constexpr std::string_view kNodeColumns =
    "id, name, display_name, template_name, type, phase, message, started_ms, finished_ms, "
    "exit_code, output_parameters, result, artifacts, attempts, memo_key, stdout_path, "
    "stderr_path";
// Argo's generateName suffix alphabet (no vowels, no look-alike digits).
constexpr std::string_view kIdAlphabet = "bcdfghjklmnpqrstvwxz2456789";
constexpr int kIdAttempts = 20;

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Letters, digits, '.', '_' and '-' stay; anything else becomes '_'. When something changed,
// a short hash of the original keeps distinct names distinct.
std::string file_name_safe(std::string_view name) {
  std::string safe;
  bool changed = name.empty() || name == "." || name == "..";
  for (char c : name) {
    const bool keep =
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    safe.push_back(keep ? c : '_');
    changed = changed || !keep;
  }
  if (changed) safe += "-" + sha256_hex(name).substr(0, 8);
  return safe;
}

struct Owner {
  int64_t pid = 0;
  int64_t start = 0;
};

bool owner_alive(const Owner& owner) {
  const auto start = process_start_ticks(static_cast<pid_t>(owner.pid));
  return start && *start == owner.start;
}

// A node row as selected with kNodeColumns, starting at column `first`.
Result<NodeRecord> read_node(const sql::Statement& row, int first) {
  int column = first;
  NodeRecord node;
  node.id = row.text(column++);
  node.name = row.text(column++);
  node.display_name = row.text(column++);
  node.template_name = row.text(column++);
  node.type = row.text(column++);
  auto phase = parse_node_phase(row.text(column++));
  if (!phase) return fail(ErrorCode::kCorrupt, "node {}: {}", node.id, phase.error().message());
  node.phase = *phase;
  node.message = row.text(column++);
  node.started_ms = row.optional_int64(column++);
  node.finished_ms = row.optional_int64(column++);
  if (auto code = row.optional_int64(column++)) node.exit_code = static_cast<int>(*code);
  auto outputs = decode_named_values(row.text(column++), "node " + node.id + " output parameters");
  if (!outputs) return fail(outputs.error());
  node.output_parameters = std::move(*outputs);
  if (!row.is_null(column)) node.result = row.text(column);
  ++column;
  auto artifacts = decode_named_values(row.text(column++), "node " + node.id + " artifacts");
  if (!artifacts) return fail(artifacts.error());
  node.artifacts = std::move(*artifacts);
  node.attempts = static_cast<int>(row.int64(column++));
  node.memo_key = row.text(column++);
  node.stdout_path = row.text(column++);
  node.stderr_path = row.text(column++);
  return node;
}

// A run row as selected with kRunColumns, plus its owner.
Result<std::pair<RunRecord, Owner>> read_run(const sql::Statement& row) {
  RunRecord run;
  run.id = row.text(0);
  run.workflow_name = row.text(1);
  run.workflow_path = row.text(2);
  auto parameters = decode_named_values(row.text(3), "run " + run.id + " parameters");
  if (!parameters) return fail(parameters.error());
  run.parameters = std::move(*parameters);
  auto phase = parse_node_phase(row.text(4));
  if (!phase) return fail(ErrorCode::kCorrupt, "run {}: {}", run.id, phase.error().message());
  run.phase = *phase;
  run.message = row.text(5);
  run.created_ms = row.int64(6);
  run.started_ms = row.optional_int64(7);
  run.finished_ms = row.optional_int64(8);
  run.owner_pid = row.int64(9);
  return std::pair{std::move(run), Owner{row.int64(9), row.int64(10)}};
}

}  // namespace

struct RunStore::Impl {
  RunStoreOptions options;
  std::mutex mutex;  // guards db and random
  std::unique_ptr<sql::Connection> db;
  std::mt19937_64 random;
  Owner self;

  Result<sql::Statement> prepare(std::string_view text) { return db->prepare(std::string(text)); }

  // kNotFound naming the run and the state directory unless `run_id` exists.
  Status require_run(std::string_view run_id);
  // Turns a Pending/Running run whose owner has gone into Error (with its unfinished nodes),
  // unless someone else has claimed it meanwhile. Updates `run` to match.
  Status settle_if_orphaned(RunRecord& run, const Owner& owner);
  Result<std::pair<RunRecord, Owner>> load_run(std::string_view run_id);
  Result<std::vector<NodeRecord>> load_nodes(std::string_view run_id);
  std::string new_run_id(std::string_view workflow_name);
};

Status RunStore::Impl::require_run(std::string_view run_id) {
  auto run = load_run(run_id);  // only on error paths: reading the whole row costs nothing there
  if (!run) return fail(run.error());
  return {};
}

Result<std::pair<RunRecord, Owner>> RunStore::Impl::load_run(std::string_view run_id) {
  auto query = prepare(fmt::format("SELECT {}, workflow_text FROM runs WHERE id = ?", kRunColumns));
  if (!query) return fail(query.error());
  query->bind(1, run_id);
  auto found = query->step();
  if (!found) return fail(found.error());
  if (!*found) {
    return fail(ErrorCode::kNotFound, "no run '{}' in {}", run_id, options.state_dir.string());
  }
  auto run = read_run(*query);
  if (run) run->first.workflow_text = query->text(11);
  return run;
}

Result<std::vector<NodeRecord>> RunStore::Impl::load_nodes(std::string_view run_id) {
  auto query =
      prepare(fmt::format("SELECT {} FROM nodes WHERE run_id = ? ORDER BY seq", kNodeColumns));
  if (!query) return fail(query.error());
  query->bind(1, run_id);
  std::vector<NodeRecord> nodes;
  for (;;) {
    auto row = query->step();
    if (!row) return fail(row.error());
    if (!*row) return nodes;
    auto node = read_node(*query, 0);
    if (!node) return fail(node.error());
    nodes.push_back(std::move(*node));
  }
}

Status RunStore::Impl::settle_if_orphaned(RunRecord& run, const Owner& owner) {
  if (is_finished(run.phase) || owner_alive(owner)) return {};
  const std::string message = fmt::format(
      "interrupted: the aiotops process (pid {}) running it ended before the run finished",
      owner.pid);
  const int64_t now = options.now_ms();
  auto tx = sql::Transaction::begin(*db, sql::Transaction::Kind::kWrite);
  if (!tx) return fail(tx.error());
  auto update = prepare(
      "UPDATE runs SET phase = 'Error', message = ?, finished_ms = ? WHERE id = ? AND "
      "owner_pid = ? AND owner_start = ? AND phase IN ('Pending', 'Running')");
  if (!update) return fail(update.error());
  update->bind(1, message).bind(2, now).bind(3, run.id).bind(4, owner.pid).bind(5, owner.start);
  auto changed = update->run();
  if (!changed) return fail(changed.error());
  if (*changed == 0) return {};  // claimed (retried) or finished by someone else meanwhile
  auto nodes = prepare(
      "UPDATE nodes SET phase = 'Error', message = ?, finished_ms = ? WHERE run_id = ? AND "
      "phase IN ('Pending', 'Running')");
  if (!nodes) return fail(nodes.error());
  nodes->bind(1, std::string_view("interrupted: the run's process ended")).bind(2, now);
  nodes->bind(3, run.id);
  if (auto n = nodes->run(); !n) return fail(n.error());
  if (auto s = tx->commit(); !s) return s;
  run.phase = NodePhase::kError;
  run.message = message;
  run.finished_ms = now;
  return {};
}

std::string RunStore::Impl::new_run_id(std::string_view workflow_name) {
  std::string id = workflow_name.empty() ? "workflow" : file_name_safe(workflow_name);
  if (id.back() != '-') id.push_back('-');
  std::uniform_int_distribution<size_t> pick(0, kIdAlphabet.size() - 1);
  for (int i = 0; i < 5; ++i) id.push_back(kIdAlphabet[pick(random)]);
  return id;
}

RunStore::RunStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RunStore::~RunStore() = default;

Result<std::unique_ptr<RunStore>> RunStore::open(RunStoreOptions options) {
  if (options.state_dir.empty()) return fail(ErrorCode::kInvalidArgument, "empty state directory");
  std::error_code ec;
  fs::create_directories(options.state_dir, ec);
  if (ec) {
    return fail(ErrorCode::kIo, "create state directory {}: {}", options.state_dir.string(),
                ec.message());
  }
  auto impl = std::make_unique<Impl>();
  if (!options.now_ms) options.now_ms = system_now_ms;
  impl->random.seed(options.seed != 0 ? options.seed : std::random_device{}());
  impl->self.pid = ::getpid();
  impl->self.start = process_start_ticks(::getpid()).value_or(0);
  const fs::path db_path = options.state_dir / "runs.db";
  auto db = sql::Connection::open(db_path, {.busy_timeout = options.busy_timeout});
  if (!db) return fail(db.error());
  impl->db = std::move(*db);
  impl->options = std::move(options);
  auto& conn = *impl->db;
  // WAL with synchronous=NORMAL: a commit is atomic and survives the process being killed;
  // only a power loss can take back the last few commits (never corrupting the file). For run
  // records that costs at most re-running a node on retry, and it saves an fsync per update
  // (several per node) that would dominate the engine's per-node overhead.
  if (auto s = conn.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"); !s) {
    return fail(s.error());
  }
  auto version = conn.prepare("PRAGMA user_version");
  if (!version) return fail(version.error());
  if (auto row = version->step(); !row) return fail(row.error());
  const int64_t current = version->int64(0);
  if (current > kSchemaVersion) {
    return fail(ErrorCode::kInvalidArgument,
                "{}: schema version {} is newer than this aiotops ({})", db_path.string(), current,
                kSchemaVersion);
  }
  if (current < kSchemaVersion) {
    auto tx = sql::Transaction::begin(conn, sql::Transaction::Kind::kWrite);
    if (!tx) return fail(tx.error());
    // Re-read inside the write lock: another process may have just created the schema.
    auto again = conn.prepare("PRAGMA user_version");
    if (!again) return fail(again.error());
    if (auto row = again->step(); !row) return fail(row.error());
    if (again->int64(0) == 0) {
      if (auto s = conn.exec(kSchemaV1); !s) return fail(s.error());
      if (auto s = conn.exec(fmt::format("PRAGMA user_version={}", kSchemaVersion)); !s) {
        return fail(s.error());
      }
    }
    if (auto s = tx->commit(); !s) return fail(s.error());
  }
  return std::unique_ptr<RunStore>(new RunStore(std::move(impl)));
}

const fs::path& RunStore::state_dir() const { return impl_->options.state_dir; }

fs::path RunStore::run_dir(std::string_view run_id) const {
  return impl_->options.state_dir / file_name_safe(run_id);
}

fs::path RunStore::next_node_dir(std::string_view run_id, std::string_view node_id) const {
  const fs::path node = run_dir(run_id) / "nodes" / file_name_safe(node_id);
  std::error_code ec;
  for (int attempt = 1;; ++attempt) {
    fs::path candidate = node / std::to_string(attempt);
    if (!fs::exists(candidate, ec)) return candidate;
  }
}

Result<RunRecord> RunStore::create_run(std::string_view workflow_name,
                                       std::string_view workflow_path,
                                       std::string_view workflow_text,
                                       const NamedValues& parameters) {
  std::lock_guard lock(impl_->mutex);
  RunRecord run;
  run.workflow_name = std::string(workflow_name);
  run.workflow_path = std::string(workflow_path);
  run.workflow_text = std::string(workflow_text);
  run.parameters = parameters;
  run.created_ms = impl_->options.now_ms();
  run.owner_pid = impl_->self.pid;
  auto insert = impl_->prepare(
      "INSERT INTO runs (id, workflow_name, workflow_path, workflow_text, parameters, phase, "
      "created_ms, owner_pid, owner_start) VALUES (?, ?, ?, ?, ?, 'Pending', ?, ?, ?)");
  if (!insert) return fail(insert.error());
  for (int attempt = 0;; ++attempt) {
    run.id = impl_->new_run_id(workflow_name);
    insert->bind(1, run.id).bind(2, workflow_name).bind(3, workflow_path).bind(4, workflow_text);
    insert->bind(5, encode_named_values(parameters)).bind(6, run.created_ms);
    insert->bind(7, impl_->self.pid).bind(8, impl_->self.start);
    auto inserted = insert->run();
    if (inserted) break;
    // A taken id is a constraint failure; try another suffix.
    if (inserted.error().code() != ErrorCode::kAlreadyExists || attempt + 1 == kIdAttempts) {
      return fail(inserted.error().with_context("create run"));
    }
  }
  std::error_code ec;
  fs::create_directories(run_dir(run.id), ec);
  if (ec) return fail(ErrorCode::kIo, "create {}: {}", run_dir(run.id).string(), ec.message());
  return run;
}

Status RunStore::set_run_phase(std::string_view run_id, NodePhase phase, std::string_view message) {
  std::lock_guard lock(impl_->mutex);
  const int64_t now = impl_->options.now_ms();
  auto update = impl_->prepare(
      "UPDATE runs SET phase = ?, message = ?, "
      "started_ms = CASE WHEN ? AND started_ms IS NULL THEN ? ELSE started_ms END, "
      "finished_ms = CASE WHEN ? THEN ? ELSE NULL END WHERE id = ?");
  if (!update) return fail(update.error());
  update->bind(1, to_string(phase)).bind(2, message);
  update->bind(3, int64_t{phase == NodePhase::kRunning}).bind(4, now);
  update->bind(5, int64_t{is_finished(phase)}).bind(6, now).bind(7, run_id);
  auto changed = update->run();
  if (!changed) return fail(changed.error());
  if (*changed == 0) return impl_->require_run(run_id);
  return {};
}

Status RunStore::put_node(std::string_view run_id, const NodeRecord& node) {
  std::lock_guard lock(impl_->mutex);
  auto upsert = impl_->prepare(fmt::format(
      "INSERT INTO nodes (run_id, seq, {}) VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM "
      "nodes WHERE run_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
      "?16, ?17, ?18) ON CONFLICT (run_id, id) DO UPDATE SET name = excluded.name, "
      "display_name = excluded.display_name, template_name = excluded.template_name, "
      "type = excluded.type, phase = excluded.phase, message = excluded.message, "
      "started_ms = excluded.started_ms, finished_ms = excluded.finished_ms, "
      "exit_code = excluded.exit_code, output_parameters = excluded.output_parameters, "
      "result = excluded.result, artifacts = excluded.artifacts, attempts = excluded.attempts, "
      "memo_key = excluded.memo_key, stdout_path = excluded.stdout_path, "
      "stderr_path = excluded.stderr_path",
      kNodeColumns));
  if (!upsert) return fail(upsert.error());
  upsert->bind(1, run_id).bind(2, node.id).bind(3, node.name).bind(4, node.display_name);
  upsert->bind(5, node.template_name).bind(6, node.type).bind(7, to_string(node.phase));
  upsert->bind(8, node.message).bind(9, node.started_ms).bind(10, node.finished_ms);
  upsert->bind(11, node.exit_code ? std::optional<int64_t>(*node.exit_code) : std::nullopt);
  upsert->bind(12, encode_named_values(node.output_parameters));
  if (node.result) {
    upsert->bind(13, *node.result);
  } else {
    upsert->bind_null(13);
  }
  upsert->bind(14, encode_named_values(node.artifacts)).bind(15, int64_t{node.attempts});
  upsert->bind(16, node.memo_key).bind(17, node.stdout_path).bind(18, node.stderr_path);
  auto changed = upsert->run();
  if (!changed) {
    // The foreign key refuses nodes of unknown runs: say which.
    if (auto known = impl_->require_run(run_id); !known) return known;
    return fail(changed.error().with_context(fmt::format("run {} node {}", run_id, node.id)));
  }
  return {};
}

Result<RunRecord> RunStore::get_run(std::string_view run_id) {
  std::lock_guard lock(impl_->mutex);
  auto loaded = impl_->load_run(run_id);
  if (!loaded) return fail(loaded.error());
  auto& [run, owner] = *loaded;
  if (auto s = impl_->settle_if_orphaned(run, owner); !s) return fail(s.error());
  auto nodes = impl_->load_nodes(run_id);
  if (!nodes) return fail(nodes.error());
  run.nodes = std::move(*nodes);
  return std::move(run);
}

Result<std::vector<RunRecord>> RunStore::list_runs() {
  std::lock_guard lock(impl_->mutex);
  std::vector<std::pair<RunRecord, Owner>> loaded;
  {
    auto query = impl_->prepare(
        fmt::format("SELECT {} FROM runs ORDER BY created_ms DESC, rowid DESC", kRunColumns));
    if (!query) return fail(query.error());
    for (;;) {
      auto row = query->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      auto run = read_run(*query);
      if (!run) return fail(run.error());
      loaded.push_back(std::move(*run));
    }
  }
  std::vector<RunRecord> runs;
  for (auto& [run, owner] : loaded) {
    if (auto s = impl_->settle_if_orphaned(run, owner); !s) return fail(s.error());
    runs.push_back(std::move(run));
  }
  return runs;
}

Result<NodeRecord> RunStore::find_node(std::string_view run_id, std::string_view node) {
  auto run = get_run(run_id);
  if (!run) return fail(run.error());
  for (auto by : {&NodeRecord::id, &NodeRecord::name}) {
    for (const NodeRecord& record : run->nodes) {
      if (record.*by == node) return record;
    }
  }
  std::vector<const NodeRecord*> matches;
  std::string names;
  for (const NodeRecord& record : run->nodes) {
    if (record.display_name == node) matches.push_back(&record);
    names += (names.empty() ? "" : ", ") + record.display_name;
  }
  if (matches.size() == 1) return *matches.front();
  if (matches.empty()) {
    return fail(ErrorCode::kNotFound, "run {} has no node '{}' (its nodes: {})", run_id, node,
                names.empty() ? "none" : names);
  }
  std::string ids;
  for (const NodeRecord* match : matches) ids += (ids.empty() ? "" : ", ") + match->id;
  return fail(ErrorCode::kInvalidArgument, "run {}: '{}' names {} nodes; give one of their ids: {}",
              run_id, node, matches.size(), ids);
}

Result<RunRecord> RunStore::retry(std::string_view run_id) {
  {
    std::lock_guard lock(impl_->mutex);
    auto tx = sql::Transaction::begin(*impl_->db, sql::Transaction::Kind::kWrite);
    if (!tx) return fail(tx.error());
    auto loaded = impl_->load_run(run_id);
    if (!loaded) return fail(loaded.error());
    const auto& [run, owner] = *loaded;
    if (run.phase == NodePhase::kSucceeded) {
      return fail(ErrorCode::kInvalidArgument, "run {} succeeded: nothing to retry", run_id);
    }
    if (!is_finished(run.phase) && owner_alive(owner)) {
      return fail(ErrorCode::kAlreadyExists, "run {} is still {} (pid {})", run_id,
                  to_string(run.phase), owner.pid);
    }
    // The failed attempts "<node>(n)" of a Retry node that succeeded stay with it.
    auto reset = impl_->prepare(
        "DELETE FROM nodes WHERE run_id = ?1 AND phase NOT IN ('Succeeded', 'Skipped') AND NOT "
        "EXISTS (SELECT 1 FROM nodes AS parent WHERE parent.run_id = ?1 AND parent.type = "
        "'Retry' AND parent.phase = 'Succeeded' AND substr(nodes.id, 1, length(parent.id) + 1) "
        "= parent.id || '(')");
    if (!reset) return fail(reset.error());
    reset->bind(1, run_id);
    if (auto n = reset->run(); !n) return fail(n.error());
    auto claim = impl_->prepare(
        "UPDATE runs SET phase = 'Pending', message = '', finished_ms = NULL, owner_pid = ?, "
        "owner_start = ? WHERE id = ?");
    if (!claim) return fail(claim.error());
    claim->bind(1, impl_->self.pid).bind(2, impl_->self.start).bind(3, run_id);
    if (auto n = claim->run(); !n) return fail(n.error());
    if (auto s = tx->commit(); !s) return fail(s.error());
  }
  return get_run(run_id);
}

Status RunStore::delete_run(std::string_view run_id) {
  {
    std::lock_guard lock(impl_->mutex);
    auto tx = sql::Transaction::begin(*impl_->db, sql::Transaction::Kind::kWrite);
    if (!tx) return fail(tx.error());
    auto loaded = impl_->load_run(run_id);
    if (!loaded) return fail(loaded.error());
    const auto& [run, owner] = *loaded;
    if (!is_finished(run.phase) && owner_alive(owner)) {
      return fail(ErrorCode::kAlreadyExists, "run {} is still {} (pid {})", run_id,
                  to_string(run.phase), owner.pid);
    }
    for (const char* statement :
         {"DELETE FROM nodes WHERE run_id = ?", "DELETE FROM runs WHERE id = ?"}) {
      auto remove = impl_->prepare(statement);
      if (!remove) return fail(remove.error());
      remove->bind(1, run_id);
      if (auto n = remove->run(); !n) return fail(n.error());
    }
    if (auto s = tx->commit(); !s) return fail(s.error());
  }
  std::error_code error;
  fs::remove_all(run_dir(run_id), error);
  if (error) {
    return fail(ErrorCode::kIo, "run {}: removing {}: {}", run_id, run_dir(run_id).string(),
                error.message());
  }
  return {};
}

Result<std::optional<MemoHit>> RunStore::find_memoized(std::string_view key) {
  std::lock_guard lock(impl_->mutex);
  if (key.empty()) return std::optional<MemoHit>();
  auto query = impl_->prepare(
      fmt::format("SELECT run_id, {} FROM nodes WHERE memo_key = ? AND phase = 'Succeeded' "
                  "ORDER BY finished_ms DESC LIMIT 1",
                  kNodeColumns));
  if (!query) return fail(query.error());
  query->bind(1, key);
  auto row = query->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<MemoHit>();
  auto node = read_node(*query, 1);
  if (!node) return fail(node.error());
  return std::optional<MemoHit>(MemoHit{query->text(0), std::move(*node)});
}

std::string memo_key(std::string_view template_text, const NamedValues& inputs) {
  Sha256 hash;
  auto field = [&hash](std::string_view bytes) {
    hash.update(fmt::format("{}:", bytes.size()));
    hash.update(bytes);
  };
  field(template_text);
  for (const auto& [name, value] : inputs) {
    field(name);
    field(value);
  }
  return hash.hex_digest();
}

Result<std::filesystem::path> default_state_dir(const char* xdg_state_home, const char* home) {
  if (xdg_state_home != nullptr && *xdg_state_home != '\0') {
    return fs::path(xdg_state_home) / "aiotops" / "runs";
  }
  if (home != nullptr && *home != '\0') {
    return fs::path(home) / ".local" / "state" / "aiotops" / "runs";
  }
  return fail(ErrorCode::kInvalidArgument,
              "no state directory: neither XDG_STATE_HOME nor HOME is set (give --state-dir)");
}

}  // namespace aiotops::pipeline
