#pragma once
// One host process started in a process group of its own, so that it and everything it forks
// can be stopped together: on a deadline or a cancel the group gets SIGTERM, then SIGKILL after
// a grace period; when the main process ends, whatever it left running in its group is
// SIGKILLed (as a container's processes die with its main process). Every process of the group
// is reaped before wait() returns: this process makes itself a child subreaper (prctl
// PR_SET_CHILD_SUBREAPER, once, process-wide) so orphaned grandchildren come back to it rather
// than to an init that may not reap them. A process that leaves the group (setsid, setpgid)
// escapes the group kill; that needs a PID namespace or a cgroup, which this does not use.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/error.h"
#include "pipeline/process_cancel.h"

namespace aiotops::pipeline {

struct ProcessSpec {
  std::vector<std::string> argv;      // argv[0]: a path, or a name looked up in this process's PATH
  std::vector<std::string> env;       // the complete environment, "NAME=value" entries
  std::filesystem::path work_dir;     // must exist; the process starts there
  std::filesystem::path stdout_path;  // created or truncated; stdin is /dev/null
  std::filesystem::path stderr_path;  // created or truncated
  // When set: created, and bind-mounted over /tmp in a mount namespace of the process's own
  // (see process_private_tmp.h). Empty: the process shares the host's /tmp.
  std::filesystem::path private_tmp;
};

struct ProcessWaitOptions {
  std::chrono::milliseconds deadline{0};   // stop the group after this long; 0: no deadline
  std::chrono::milliseconds grace{10000};  // SIGTERM to SIGKILL
  const CancelToken* cancel = nullptr;     // stop the group when cancelled; may be null
};

struct ProcessEnd {
  enum class Reason { kExited, kDeadline, kCancelled };
  Reason reason = Reason::kExited;  // why it ended: by itself, or stopped by us
  int exit_code = -1;               // its exit code; -1 when a signal ended it
  int signal = 0;                   // the signal that ended it; 0 when it exited
  bool forced = false;              // SIGKILL was needed after the grace period
};

class ProcessGroup {
 public:
  // Starts the process as the leader of a new process group. Fails with kInvalidArgument for an
  // empty argv, kNotFound when the program is missing or not executable (naming it), kIo when
  // the output files or the spawn fail.
  static Result<ProcessGroup> spawn(const ProcessSpec& spec);
  ProcessGroup(ProcessGroup&& other) noexcept;
  ProcessGroup& operator=(ProcessGroup&&) = delete;
  ProcessGroup(const ProcessGroup&) = delete;
  // If wait() has not returned, SIGKILLs the group and reaps it (error paths leave nothing).
  ~ProcessGroup();

  // Blocks until the main process ends (by itself, or stopped on the deadline or a cancel as
  // described above), then kills and reaps the rest of its group. Call once. Fails with kIo
  // only when poll/waitid fail; the group is killed and reaped on that path too.
  Result<ProcessEnd> wait(const ProcessWaitOptions& options);

  pid_t pid() const { return pid_; }  // also the process group id

 private:
  ProcessGroup(pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd) {}
  // Polls until the leader has exited (left a zombie) or `timeout` passed; -1 waits forever.
  Result<bool> wait_exited(int timeout_ms, const CancelToken* cancel, bool* cancelled);
  void stop(ProcessEnd& end, std::chrono::milliseconds grace);
  Result<ProcessEnd> finish(ProcessEnd end);
  void kill_and_reap_group();

  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool reaped_ = false;
};

}  // namespace aiotops::pipeline
