#include "support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>

#include "common/files.h"

namespace aiotops::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kPollInterval{10};

std::string errno_text(int error = errno) { return std::generic_category().message(error); }

// argv[0] as execv needs it: kept when it names a path, else the first match in PATH. Done
// before fork, since the child may only make async-signal-safe calls.
Result<std::string> resolve(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) != 0) {
      return fail(ErrorCode::kNotFound, "{}: not an executable file: {}", program, errno_text());
    }
    return program;
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const size_t colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    const std::string candidate = fmt::format("{}/{}", dir.empty() ? "." : dir, program);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
  }
  return fail(ErrorCode::kNotFound, "{}: not found in PATH", program);
}

std::optional<std::string> line_containing(const std::string& text, std::string_view needle) {
  const size_t at = text.find(needle);
  if (at == std::string::npos) return std::nullopt;
  const size_t begin = text.rfind('\n', at);
  const size_t first = begin == std::string::npos ? 0 : begin + 1;
  const size_t end = text.find('\n', at);
  return text.substr(first, end == std::string::npos ? std::string::npos : end - first);
}

size_t occurrences(const std::string& text, std::string_view needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

}  // namespace

std::string ExitStatus::describe() const {
  if (signal != 0) return fmt::format("signal {} ({})", signal, ::strsignal(signal));
  return fmt::format("exit status {}", code);
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(std::vector<std::string> argv,
                                                          ChildProcessOptions options) {
  if (argv.empty()) return fail(ErrorCode::kInvalidArgument, "no program to run (empty argv)");
  auto program = resolve(argv[0]);
  if (!program) return fail(program.error());
  argv[0] = *program;
  bool owns_dir = false;
  if (options.output_dir.empty()) {
    std::string pattern = (fs::temp_directory_path() / "aiotops-child-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return fail(ErrorCode::kIo, "mkdtemp {}: {}", pattern, errno_text());
    }
    options.output_dir = pattern;
    owns_dir = true;
  }
  std::unique_ptr<ChildProcess> child(
      new ChildProcess(std::move(argv), options.output_dir, options.name, owns_dir));
  if (auto started = child->start(); !started) return fail(started.error());
  return child;
}

Status ChildProcess::start() {
  const std::string out_path = stdout_path().string();
  const std::string err_path = stderr_path().string();
  const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const auto close_all = [&] {
    for (int fd : {out, err, in}) {
      if (fd >= 0) ::close(fd);
    }
  };
  if (out < 0 || err < 0 || in < 0) {
    const std::string why = errno_text();
    close_all();
    return fail(ErrorCode::kIo, "cannot open the output files in {}: {}", dir_.string(), why);
  }
  std::vector<char*> argv;
  for (std::string& arg : argv_) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The child of a threaded process: async-signal-safe calls only, until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    // The parent's sockets must not live on in the child (a close there would not close).
    ::close_range(STDERR_FILENO + 1, ~0U, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const int fork_error = errno;
  close_all();
  if (pid < 0)
    return fail(ErrorCode::kIo, "cannot start {}: fork: {}", argv_[0], errno_text(fork_error));
  pid_ = pid;
  reaped_ = false;
  return {};
}

ChildProcess::~ChildProcess() {
  kill();
  if (owns_dir_) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

// Collects the exit status if the child has ended (or, with `block`, once it ends). True when
// it is no longer running.
bool ChildProcess::reap(bool block) {
  if (reaped_) return true;
  int status = 0;
  pid_t done;
  do {
    done = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (done < 0 && errno == EINTR);
  if (done == 0) return false;
  if (done == pid_) {
    status_ = WIFSIGNALED(status) ? ExitStatus{.code = -1, .signal = WTERMSIG(status)}
                                  : ExitStatus{.code = WEXITSTATUS(status), .signal = 0};
  }
  reaped_ = true;  // reaped, or not our child any more (ECHILD): either way it is gone
  return true;
}

bool ChildProcess::running() { return !reap(false); }

std::optional<std::string> ChildProcess::wait_for_line(std::string_view text,
                                                       std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    // Read the output after checking the state, so that the last words of an ended process
    // are seen.
    const bool ended = !running();
    if (auto line = line_containing(err(), text)) return line;
    if (auto line = line_containing(out(), text)) return line;
    if (ended || Clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
}

size_t ChildProcess::count_in_output(std::string_view text) const {
  return occurrences(err(), text) + occurrences(out(), text);
}

Status ChildProcess::signal(int signal) {
  if (!running()) {
    return fail(ErrorCode::kUnavailable, "{} (pid {}) is no longer running: {}", argv_[0], pid_,
                status_ ? status_->describe() : "not started");
  }
  if (::kill(pid_, signal) != 0) {
    return fail(ErrorCode::kIo, "kill({}, {}): {}", pid_, signal, errno_text());
  }
  return {};
}

Result<ExitStatus> ChildProcess::wait(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (running()) {
    if (Clock::now() > deadline) {
      return fail(ErrorCode::kUnavailable, "{} (pid {}) still running after {}ms", argv_[0], pid_,
                  timeout.count());
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  if (!status_) return fail(ErrorCode::kInternal, "{}: exit status lost", argv_[0]);
  return *status_;
}

Result<ExitStatus> ChildProcess::terminate(std::chrono::milliseconds timeout) {
  if (running()) ::kill(pid_, SIGTERM);
  auto status = wait(timeout);
  if (!status) {
    kill();
    return fail(ErrorCode::kUnavailable, "{} did not exit within {}ms of SIGTERM (killed)",
                argv_[0], timeout.count());
  }
  return status;
}

void ChildProcess::kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  reap(true);
}

std::string ChildProcess::out() const { return read_file(stdout_path()).value_or(""); }

std::string ChildProcess::err() const { return read_file(stderr_path()).value_or(""); }

std::string ChildProcess::describe() const {
  std::string command;
  for (const std::string& arg : argv_) command += (command.empty() ? "" : " ") + arg;
  return fmt::format("$ {}\n--- {} ---\n--- stderr ---\n{}--- stdout ---\n{}", command,
                     !reaped_  ? fmt::format("running, pid {}", pid_)
                     : status_ ? status_->describe()
                               : std::string("not running"),
                     err(), out());
}

}  // namespace aiotops::testing
