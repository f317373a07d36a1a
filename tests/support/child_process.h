#pragma once
// A child process for cross-process tests and benchmarks: runs a program (the aiotops binary, a
// mosquitto tool...) with stdout and stderr captured in files, waits for a line in its output
// with a deadline, signals it and collects its exit status. The child dies with the thread that
// spawned it (PR_SET_PDEATHSIG) and is SIGKILLed by the destructor if it is still running, so no
// test path leaves one behind: spawn it from a thread that outlives it, normally the main thread.
// Not thread-safe; one owner.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace aiotops::testing {

// How a child ended: an exit code, or the signal that killed it.
struct ExitStatus {
  int code = -1;   // exit code; -1 when killed by a signal
  int signal = 0;  // the terminating signal; 0 when it exited
  bool ok() const { return signal == 0 && code == 0; }
  std::string describe() const;  // "exit status 3", "signal 9 (Killed)"
};

struct ChildProcessOptions {
  // Where <name>.stdout and <name>.stderr are written (must exist). Empty: a fresh temporary
  // directory, removed by the destructor.
  std::filesystem::path output_dir;
  std::string name = "child";  // file name stem of the captured output
};

class ChildProcess {
 public:
  // Starts argv[0] (a path, or a name looked up in PATH) with argv, stdin from /dev/null, the
  // environment inherited and no other descriptor of this process. Fails with kInvalidArgument
  // for an empty argv, kNotFound when the program is not found or not executable, kIo when the
  // output files or fork fail.
  static Result<std::unique_ptr<ChildProcess>> spawn(std::vector<std::string> argv,
                                                     ChildProcessOptions options = {});
  // SIGKILL if still running, reap, and remove the output directory if spawn() made it.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Whether it is still running (reaps it if it has just ended).
  bool running();
  // The exit status once it ended and was reaped, else nullopt.
  const std::optional<ExitStatus>& exit_status() const { return status_; }

  // The first line (without its newline) of stderr, then stdout, that contains `text`. Polls
  // every 10 ms; nullopt at the deadline or once the process has ended without writing it.
  std::optional<std::string> wait_for_line(std::string_view text,
                                           std::chrono::milliseconds timeout);
  // How many times `text` occurs in stderr and stdout together, now.
  size_t count_in_output(std::string_view text) const;

  // Sends `signal`. kUnavailable if it is no longer running.
  Status signal(int signal);
  // Waits until it ends. kUnavailable if it is still running at the deadline (it keeps running).
  Result<ExitStatus> wait(std::chrono::milliseconds timeout);
  // SIGTERM, then wait(timeout); if it is still running then, SIGKILL it and fail with
  // kUnavailable ("did not exit within ..."). An already ended process returns its status.
  Result<ExitStatus> terminate(std::chrono::milliseconds timeout);
  // SIGKILL and reap (a crash); no-op when it has ended.
  void kill();

  std::string out() const;  // everything it wrote to stdout so far
  std::string err() const;  // ... and to stderr
  // The command line and the output, for failure messages.
  std::string describe() const;
  const std::filesystem::path& output_dir() const { return dir_; }

 private:
  ChildProcess(std::vector<std::string> argv, std::filesystem::path dir, std::string name,
               bool owns_dir)
      : argv_(std::move(argv)), dir_(std::move(dir)), name_(std::move(name)), owns_dir_(owns_dir) {}
  Status start();
  bool reap(bool block);
  std::filesystem::path stdout_path() const { return dir_ / (name_ + ".stdout"); }
  std::filesystem::path stderr_path() const { return dir_ / (name_ + ".stderr"); }

  std::vector<std::string> argv_;
  std::filesystem::path dir_;
  std::string name_;
  bool owns_dir_ = false;
  pid_t pid_ = -1;
  bool reaped_ = true;  // not running: ended and reaped, or never started
  std::optional<ExitStatus> status_;
};

}  // namespace aiotops::testing
