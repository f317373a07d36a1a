#include "pipeline/process_group.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "pipeline/process_fd.h"
#include "pipeline/process_private_tmp.h"

namespace aiotops::pipeline {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long kill_and_reap_group() keeps looking for group members that are not yet our
// children (their parent is dying and they are about to be reparented to us).
constexpr milliseconds kReapPatience{5000};

std::string errno_text(int error) { return std::strerror(error); }

// Orphans of a node (grandchildren whose parent died) are reparented to the nearest subreaper;
// being one lets us reap them instead of leaving zombies under an init that may not reap.
void become_subreaper() {
  static std::once_flag once;
  std::call_once(once, [] { ::prctl(PR_SET_CHILD_SUBREAPER, 1); });
}

// Parent-side descriptors for the child's stdout/stderr, closed when this goes.
struct OutputFiles {
  int out = -1;
  int err = -1;
  ~OutputFiles() {
    if (out >= 0) ::close(out);
    if (err >= 0) ::close(err);
  }
};

Status open_output(const std::filesystem::path& path, int* fd) {
  *fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (*fd < 0) return fail(ErrorCode::kIo, "create {}: {}", path.string(), errno_text(errno));
  return {};
}

// posix_spawn attributes and file actions, destroyed with the object.
class SpawnSetup {
 public:
  SpawnSetup() {
    ::posix_spawnattr_init(&attr_);
    ::posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnSetup() {
    ::posix_spawnattr_destroy(&attr_);
    ::posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // New process group, no blocked signals, every signal at its default disposition (an ignored
  // SIGPIPE or SIGINT in this process must not leak into the node).
  int configure(const ProcessSpec& spec, const OutputFiles& files) {
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    int rc = ::posix_spawnattr_setflags(
        &attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (rc == 0) rc = ::posix_spawnattr_setpgroup(&attr_, 0);
    if (rc == 0) rc = ::posix_spawnattr_setsigmask(&attr_, &none);
    if (rc == 0) rc = ::posix_spawnattr_setsigdefault(&attr_, &all);
    if (rc == 0) rc = ::posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0) rc = ::posix_spawn_file_actions_adddup2(&actions_, files.out, 1);
    if (rc == 0) rc = ::posix_spawn_file_actions_adddup2(&actions_, files.err, 2);
    if (rc == 0) rc = ::posix_spawn_file_actions_addchdir_np(&actions_, spec.work_dir.c_str());
    if (rc == 0) rc = ::posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
    return rc;
  }
  const posix_spawnattr_t* attr() const { return &attr_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
};

int remaining_ms(Clock::time_point until) {
  const auto left = std::chrono::ceil<milliseconds>(until - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 1 << 30));
}

Result<pid_t> posix_spawn_group(const ProcessSpec& spec, const OutputFiles& files) {
  SpawnSetup setup;
  if (int rc = setup.configure(spec, files); rc != 0) {
    return fail(ErrorCode::kIo, "prepare to run {}: {}", spec.argv[0], errno_text(rc));
  }
  std::vector<char*> argv = c_string_array(spec.argv);
  std::vector<char*> envp = c_string_array(spec.env);
  pid_t pid = -1;
  // glibc reports exec failures (ENOENT, EACCES) as posix_spawnp's result.
  int rc = ::posix_spawnp(&pid, argv[0], setup.actions(), setup.attr(), argv.data(), envp.data());
  if (rc == ENOENT || rc == EACCES || rc == ENOEXEC || rc == ENOTDIR) {
    return fail(ErrorCode::kNotFound, "cannot run '{}': {}", spec.argv[0], errno_text(rc));
  }
  if (rc != 0) return fail(ErrorCode::kIo, "cannot run '{}': {}", spec.argv[0], errno_text(rc));
  return pid;
}

}  // namespace

Result<ProcessGroup> ProcessGroup::spawn(const ProcessSpec& spec) {
  if (spec.argv.empty()) return fail(ErrorCode::kInvalidArgument, "empty command");
  std::error_code ec;
  if (!std::filesystem::is_directory(spec.work_dir, ec)) {
    return fail(ErrorCode::kNotFound, "working directory {} does not exist",
                spec.work_dir.string());
  }
  OutputFiles files;
  if (auto s = open_output(spec.stdout_path, &files.out); !s) return fail(s.error());
  if (auto s = open_output(spec.stderr_path, &files.err); !s) return fail(s.error());
  become_subreaper();
  auto pid = spec.private_tmp.empty() ? posix_spawn_group(spec, files)
                                      : spawn_with_private_tmp(spec, files.out, files.err);
  if (!pid) return fail(pid.error());
  // Through syscall(): glibc 2.36's <sys/pidfd.h> declares pidfd_open without C linkage.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, *pid, 0));
  ProcessGroup group(*pid, pidfd);
  if (pidfd < 0) {
    const int error = errno;
    group.kill_and_reap_group();
    return fail(ErrorCode::kIo, "pidfd_open({}): {}", *pid, errno_text(error));
  }
  return group;
}

ProcessGroup::ProcessGroup(ProcessGroup&& other) noexcept
    : pid_(other.pid_), pidfd_(other.pidfd_), reaped_(other.reaped_) {
  other.pid_ = -1;
  other.pidfd_ = -1;
  other.reaped_ = true;
}

ProcessGroup::~ProcessGroup() {
  if (!reaped_ && pid_ > 0) kill_and_reap_group();
  if (pidfd_ >= 0) ::close(pidfd_);
}

Result<bool> ProcessGroup::wait_exited(int timeout_ms, const CancelToken* cancel, bool* cancelled) {
  pollfd fds[2] = {{pidfd_, POLLIN, 0}, {cancel != nullptr ? cancel->fd() : -1, POLLIN, 0}};
  const int n = ::poll(fds, 2, timeout_ms);
  if (n < 0 && errno != EINTR) return fail(ErrorCode::kIo, "poll: {}", errno_text(errno));
  if (cancelled != nullptr && cancel != nullptr) *cancelled = cancel->cancelled();
  return n > 0 && (fds[0].revents & POLLIN) != 0;
}

Result<ProcessEnd> ProcessGroup::wait(const ProcessWaitOptions& options) {
  const auto deadline =
      options.deadline.count() > 0 ? Clock::now() + options.deadline : Clock::time_point::max();
  ProcessEnd end;
  for (;;) {
    bool cancelled = false;
    const int timeout = deadline == Clock::time_point::max() ? -1 : remaining_ms(deadline);
    auto exited = wait_exited(timeout, options.cancel, &cancelled);
    if (!exited) {
      kill_and_reap_group();
      return fail(exited.error());
    }
    if (*exited) break;
    if (cancelled || Clock::now() >= deadline) {
      end.reason = cancelled ? ProcessEnd::Reason::kCancelled : ProcessEnd::Reason::kDeadline;
      stop(end, options.grace);
      break;
    }
  }
  return finish(end);
}

void ProcessGroup::stop(ProcessEnd& end, milliseconds grace) {
  ::kill(-pid_, SIGTERM);
  const auto until = Clock::now() + grace;
  for (;;) {
    auto exited = wait_exited(remaining_ms(until), nullptr, nullptr);
    if (exited && *exited) return;
    if (Clock::now() >= until) break;
  }
  end.forced = true;
  ::kill(-pid_, SIGKILL);
  // SIGKILL cannot be caught; the leader exits as soon as the kernel delivers it.
  while (true) {
    auto exited = wait_exited(-1, nullptr, nullptr);
    if (!exited || *exited) return;
  }
}

Result<ProcessEnd> ProcessGroup::finish(ProcessEnd end) {
  siginfo_t info{};
  // WNOWAIT leaves the leader a zombie: its pid, the group id, cannot be reused while we still
  // signal the group below.
  if (::waitid(P_PIDFD, pidfd_, &info, WEXITED | WNOWAIT) != 0) {
    const int error = errno;
    kill_and_reap_group();
    return fail(ErrorCode::kIo, "waitid({}): {}", pid_, errno_text(error));
  }
  if (info.si_code == CLD_EXITED) {
    end.exit_code = info.si_status;
  } else {
    end.signal = info.si_status;
  }
  kill_and_reap_group();
  return end;
}

void ProcessGroup::kill_and_reap_group() {
  ::kill(-pid_, SIGKILL);
  const auto give_up = Clock::now() + kReapPatience;
  for (;;) {
    const pid_t reaped = ::waitpid(-pid_, nullptr, 0);
    if (reaped > 0 || (reaped < 0 && errno == EINTR)) continue;
    // No child of ours is left in the group; done once the group itself is gone.
    if (::kill(-pid_, 0) != 0 && errno == ESRCH) break;
    if (Clock::now() >= give_up) break;
    // Members whose parent is dying right now come to us in a moment; look again.
    ::kill(-pid_, SIGKILL);
    std::this_thread::sleep_for(milliseconds(1));
  }
  reaped_ = true;
}

}  // namespace aiotops::pipeline
