#pragma once
// Runs one workflow node's process on the host (Argo `container` and `script` templates under
// --host-exec): a fresh directory per node attempt, the environment, stdout and stderr captured
// to files, the deadline (activeDeadlineSeconds) and cancellation, the exit code, stdout as the
// node's `result`, and output parameters read from files (`valueFrom.path`).
//
// Layout of a node attempt directory (`node_dir`, chosen by the caller, see
// RunStore::node_dir()):
//   work/    the process's working directory; relative output paths are resolved here
//   stdout   everything the process wrote to stdout
//   stderr   everything the process wrote to stderr
//   script   a script template's source (absent for containers)
//   tmp/     the process's /tmp, with NodeRunSpec::private_tmp

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "pipeline/process_cancel.h"
#include "pipeline/run_store.h"

namespace aiotops::pipeline {

// An output parameter read from a file after the process ends (`valueFrom.path`).
struct OutputParameterSpec {
  std::string name;
  std::string path;                          // relative to the node's work/ directory, or absolute
  std::optional<std::string> default_value;  // `valueFrom.default`: used when the file is missing
};

// A file or directory copied into the node's directory before it starts (an input artifact).
struct InputFile {
  std::filesystem::path source;  // on the host
  std::string path;              // as the node sees it (see node_host_path())
};

struct NodeRunSpec {
  std::string node_name;             // for messages only, e.g. "wf-x7k2p.train"
  std::vector<std::string> command;  // container `command`, or the script's interpreter
  std::vector<std::string> args;     // container/script `args`
  // A script template's `source`: written to <node_dir>/script, whose path is appended after
  // command and args (as Argo appends its staged script path).
  std::optional<std::string> script_source;
  NamedValues env;                 // `env`: added to (and overriding) the base environment
  std::filesystem::path node_dir;  // must not exist yet; created with its parents
  std::chrono::milliseconds active_deadline{0};  // activeDeadlineSeconds; 0: none
  std::vector<OutputParameterSpec> output_parameters;
  std::vector<InputFile> input_files;  // copied in after node_dir is made; kNotFound if missing
  // Give the node its own /tmp (<node_dir>/tmp bind-mounted over /tmp in a private mount
  // namespace; a user namespace too when not root), so parallel nodes writing /tmp/x do not
  // collide. Costs a mount namespace per node (tens of ms on some kernels, see
  // docs/pipeline.md): worth it only for templates that use /tmp. Where namespaces are not
  // allowed, the node fails with kPermissionDenied.
  bool private_tmp = false;
  // With private_tmp: false when the node needs no mount namespace because the executor already
  // rewrote the /tmp paths it is given to <node_dir>/tmp (built-in steps: aiotops itself, which
  // meets /tmp only through its arguments and AIOTOPS_OUTPUTS_DIR), so the host's /tmp, where a
  // workflow's own files and even the aiotops binary may live, stays visible to it.
  bool tmp_namespace = true;
};

struct NodeRunnerOptions {
  std::chrono::milliseconds kill_grace{10000};  // SIGTERM to SIGKILL on deadline or cancel
  // At most this much of stdout is kept as `result` (the last bytes, as Argo keeps the last
  // 256 kB); the stdout file always has everything. Also the largest output parameter file.
  size_t result_limit_bytes = 256 * 1024;
  bool inherit_environment = true;  // start from this process's environment (PATH, HOME, ...)
};

struct NodeOutcome {
  NodePhase phase = NodePhase::kError;  // kSucceeded, kFailed or kError
  std::string message;                  // empty on success; Argo-style otherwise
  std::optional<int> exit_code;   // the exit code; 128+signal when a signal ended it; none when
                                  // the process never started
  int signal = 0;                 // the signal that ended it, 0 when it exited
  bool timed_out = false;         // stopped at active_deadline
  bool cancelled = false;         // stopped by the cancel token
  std::string result;             // stdout minus one trailing newline, at most the limit
  bool result_truncated = false;  // stdout was longer than result_limit_bytes
  NamedValues output_parameters;  // in the order of the spec; filled only when the files exist
  std::filesystem::path work_dir;
  std::filesystem::path stdout_path;
  std::filesystem::path stderr_path;
};

class NodeRunner {
 public:
  explicit NodeRunner(NodeRunnerOptions options = {}) : options_(std::move(options)) {}

  // Runs the node to completion and describes how it ended. The process's own failures are
  // outcomes, not errors: a non-zero exit is kFailed ("Error (exit code N)"), the deadline and
  // a cancel are kFailed, a missing program or a missing output file without a default is
  // kError naming it. A token already cancelled returns a cancelled outcome without starting
  // anything. Fails (Result error) only when aiotops itself cannot do its part: kAlreadyExists
  // when node_dir exists, kIo for directory/file/poll errors, kInvalidArgument for an empty
  // command. No process of the node is left running or unreaped on any path. Thread-safe: run
  // many nodes at once from different threads (the caller limits them with ProcessSlots).
  Result<NodeOutcome> run(const NodeRunSpec& spec, const CancelToken* cancel) const;

 private:
  NodeRunnerOptions options_;
};

// Where a path as the node's process sees it (an output parameter's or artifact's `path`) is on
// the host: relative paths are under <node_dir>/work, /tmp/... is under <node_dir>/tmp with
// private_tmp, anything else is itself. Pure; thread-safe.
std::filesystem::path node_host_path(const NodeRunSpec& spec, std::string_view path);

}  // namespace aiotops::pipeline
