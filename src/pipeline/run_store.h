#pragma once
// Workflow runs persisted in a state directory, for `aiotops pipeline list | show | logs | retry`,
// for resuming a run and for memoization. Layout:
//   <state_dir>/runs.db                  SQLite (WAL): runs and their node records
//   <state_dir>/<run id>/nodes/<node>/<attempt>/   a node attempt's directory (see NodeRunner)
// Every update is one SQLite transaction, so a killed process leaves each record either before
// or after an update, never half-way. A run records the process that owns it (pid and start
// time); a Pending or Running run whose owner is gone is turned into Error, with its unfinished
// nodes, the next time it is read, and can then be retried.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace aiotops::pipeline {

// Argo's node (and workflow) phases, spelled as Argo spells them by to_string().
enum class NodePhase { kPending, kRunning, kSucceeded, kFailed, kError, kSkipped, kOmitted };
std::string_view to_string(NodePhase phase);
// The phase named `text` ("Succeeded", ...); kInvalidArgument naming the text otherwise.
Result<NodePhase> parse_node_phase(std::string_view text);
// Succeeded, Failed, Error, Skipped or Omitted.
bool is_finished(NodePhase phase);

// Ordered name/value pairs (parameters, output parameters, artifact name -> local path).
using NamedValues = std::vector<std::pair<std::string, std::string>>;

struct NodeRecord {
  std::string id;             // unique within the run; chosen by the executor
  std::string name;           // full name, e.g. "<run id>.train" (Argo's `name`)
  std::string display_name;   // e.g. "train" (Argo's `displayName`)
  std::string template_name;  // Argo's `templateName`
  std::string type;           // Argo's node type: Pod, DAG, Steps, Retry, Skipped, ...
  NodePhase phase = NodePhase::kPending;
  std::string message;
  std::optional<int64_t> started_ms;   // Unix time, ms
  std::optional<int64_t> finished_ms;  // Unix time, ms
  std::optional<int> exit_code;
  NamedValues output_parameters;
  std::optional<std::string> result;  // outputs.result (stdout), when the node has one
  NamedValues artifacts;              // artifact name -> local file path
  int attempts = 0;                   // process starts so far (1 + retries)
  std::string memo_key;               // see memo_key(); empty when not memoized
  std::string stdout_path;            // log files of the latest attempt; empty when none
  std::string stderr_path;
};

struct RunRecord {
  std::string id;
  std::string workflow_name;
  std::string workflow_path;              // the file it was read from
  std::string workflow_text;              // the resolved workflow as it runs (empty in list_runs())
  NamedValues parameters;                 // workflow parameters as given (-p)
  NodePhase phase = NodePhase::kPending;  // Pending, Running, Succeeded, Failed or Error
  std::string message;
  int64_t created_ms = 0;  // Unix time, ms
  std::optional<int64_t> started_ms;
  std::optional<int64_t> finished_ms;
  int64_t owner_pid = 0;          // the process running it
  std::vector<NodeRecord> nodes;  // in the order first stored (empty in list_runs())
};

// A succeeded node found by its memo key, and the run it belongs to.
struct MemoHit {
  std::string run_id;
  NodeRecord node;
};

struct RunStoreOptions {
  std::filesystem::path state_dir;                // required; created (with parents) if missing
  std::chrono::milliseconds busy_timeout{10000};  // wait for another process's write
  std::function<int64_t()> now_ms;                // Unix time in ms; default: the system clock
  uint64_t seed = 0;                              // run id suffixes; 0: from std::random_device
};

// $XDG_STATE_HOME/aiotops/runs, else $HOME/.local/state/aiotops/runs (the caller passes the
// two variables; null or empty means unset). kInvalidArgument when both are unset.
Result<std::filesystem::path> default_state_dir(const char* xdg_state_home, const char* home);

// The memoization key of a node: SHA-256 (hex) over the template's text and its resolved input
// parameters, each length-prefixed so that no two different inputs collide by concatenation.
std::string memo_key(std::string_view template_text, const NamedValues& inputs);

class RunStore {
 public:
  // Opens (creating) the state directory and its database. kIo, kCorrupt, or kInvalidArgument
  // for an empty state_dir or a database written by a newer aiotops.
  static Result<std::unique_ptr<RunStore>> open(RunStoreOptions options);
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  // Creates a Pending run owned by this process, with id "<workflow name>-<5 random chars>"
  // (like Argo's generateName; a name ending in '-' gets no second one) and its directory.
  Result<RunRecord> create_run(std::string_view workflow_name, std::string_view workflow_path,
                               std::string_view workflow_text, const NamedValues& parameters);
  // Sets a run's phase and message. Running records started_ms (first time only); a finished
  // phase records finished_ms. kNotFound for an unknown run.
  Status set_run_phase(std::string_view run_id, NodePhase phase, std::string_view message = {});
  // Inserts or replaces the node with node.id. kNotFound for an unknown run.
  Status put_node(std::string_view run_id, const NodeRecord& node);

  // The run with its nodes. kNotFound naming the run and the state directory.
  Result<RunRecord> get_run(std::string_view run_id);
  // Every run, newest first, without nodes and workflow text.
  Result<std::vector<RunRecord>> list_runs();
  // A node of a run by id, full name or display name (in that order). kNotFound naming the run
  // and its nodes; kInvalidArgument when a display name matches several nodes (naming their
  // ids).
  Result<NodeRecord> find_node(std::string_view run_id, std::string_view node);
  // Prepares a finished, unsuccessful run to be run again: keeps Succeeded and Skipped nodes
  // (and the attempts "<id>(n)" of a Succeeded node of type Retry), deletes Failed, Error,
  // Omitted (and interrupted) ones, and makes it Pending, owned by this
  // process, without finished_ms. Returns the run as now stored. kInvalidArgument when it
  // Succeeded, kAlreadyExists while its owner is still running it, kNotFound when unknown.
  Result<RunRecord> retry(std::string_view run_id);
  // Deletes a finished run (or one whose owner died): its record, nodes and directory, for
  // history limits. kNotFound when unknown, kAlreadyExists while its owner still runs it.
  Status delete_run(std::string_view run_id);
  // The most recently finished Succeeded node with this memo key in any run, or nullopt.
  Result<std::optional<MemoHit>> find_memoized(std::string_view memo_key);

  // <state_dir>/<run id>.
  std::filesystem::path run_dir(std::string_view run_id) const;
  // A directory for the next attempt of a node that does not exist yet:
  // <run_dir>/nodes/<node id made file-name safe>/<n> with the smallest n >= 1 not yet used.
  // Not created (NodeRunner creates it). Thread-safe for different nodes.
  std::filesystem::path next_node_dir(std::string_view run_id, std::string_view node_id) const;
  const std::filesystem::path& state_dir() const;

  // All methods are thread-safe (one connection behind a mutex) and safe against other
  // processes using the same state directory (SQLite locking, waiting up to busy_timeout).
 private:
  struct Impl;
  explicit RunStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace aiotops::pipeline
