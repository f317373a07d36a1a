#include "pipeline/process_private_tmp.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "pipeline/process_fd.h"
#include "pipeline/process_group.h"

namespace aiotops::pipeline {
namespace {

namespace fs = std::filesystem;

// What the child was doing when it failed; sent to the parent with errno.
enum Stage : int {
  kUnshare,
  kSetgroups,
  kUidMap,
  kGidMap,
  kMountPrivate,
  kBindTmp,
  kStdin,
  kDup,
  kChdir,
  kExec,
  kStageCount
};
constexpr std::array<const char*, kStageCount> kStageNames{"unshare",
                                                           "write /proc/self/setgroups",
                                                           "write /proc/self/uid_map",
                                                           "write /proc/self/gid_map",
                                                           "make mounts private",
                                                           "bind-mount /tmp",
                                                           "open /dev/null",
                                                           "dup2",
                                                           "chdir",
                                                           "exec"};

struct ChildError {
  int stage = 0;
  int error = 0;
};

// The program as execve wants it: argv0 itself when it has a '/', else the first executable
// regular file of that name in this process's PATH (as posix_spawnp and the shell look it up).
std::optional<std::string> find_program(const std::string& argv0) {
  if (argv0.find('/') != std::string::npos) return argv0;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    const size_t colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / argv0;
    struct stat info {};
    if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
  }
  return std::nullopt;
}

// Between fork and exec only async-signal-safe calls: raw system calls on data prepared before
// the fork (the parent may have other threads holding locks the child would never see freed).
[[noreturn]] void child_fail(int pipe_fd, Stage stage) {
  const ChildError report{stage, errno};
  [[maybe_unused]] ssize_t n = ::write(pipe_fd, &report, sizeof report);
  ::_exit(127);
}

bool write_text(const char* path, const std::string& text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

struct ChildPlan {
  const char* program;
  char* const* argv;
  char* const* envp;
  const char* work_dir;
  const char* tmp;
  int out_fd;
  int err_fd;
  int pipe_fd;
  bool user_namespace;  // not root: a user namespace gives the mount rights
  std::string uid_map;
  std::string gid_map;
};

[[noreturn]] void run_child(const ChildPlan& plan) {
  ::setpgid(0, 0);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &default_action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // The working directory first: it stays reachable after /tmp is covered, even when it lies
  // under the host's /tmp (the cwd refers to the directory itself, not to its path).
  if (::chdir(plan.work_dir) != 0) child_fail(plan.pipe_fd, kChdir);
  const int flags = CLONE_NEWNS | (plan.user_namespace ? CLONE_NEWUSER : 0);
  if (::unshare(flags) != 0) child_fail(plan.pipe_fd, kUnshare);
  if (plan.user_namespace) {
    if (!write_text("/proc/self/setgroups", "deny")) child_fail(plan.pipe_fd, kSetgroups);
    if (!write_text("/proc/self/uid_map", plan.uid_map)) child_fail(plan.pipe_fd, kUidMap);
    if (!write_text("/proc/self/gid_map", plan.gid_map)) child_fail(plan.pipe_fd, kGidMap);
  }
  // Private propagation first, so the bind mount below stays in this namespace.
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    child_fail(plan.pipe_fd, kMountPrivate);
  }
  if (::mount(plan.tmp, "/tmp", nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    child_fail(plan.pipe_fd, kBindTmp);
  }
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0) child_fail(plan.pipe_fd, kStdin);
  if (::dup2(null_fd, 0) < 0 || ::dup2(plan.out_fd, 1) < 0 || ::dup2(plan.err_fd, 2) < 0) {
    child_fail(plan.pipe_fd, kDup);
  }
  // Everything but stdio and the report pipe (close-on-exec) goes.
  if (plan.pipe_fd > 3) ::close_range(3, static_cast<unsigned>(plan.pipe_fd) - 1, 0);
  ::close_range(static_cast<unsigned>(plan.pipe_fd) + 1, ~0U, 0);
  ::execve(plan.program, plan.argv, plan.envp);
  child_fail(plan.pipe_fd, kExec);
}

}  // namespace

Result<pid_t> spawn_with_private_tmp(const ProcessSpec& spec, int out_fd, int err_fd) {
  const auto program = find_program(spec.argv[0]);
  if (!program) {
    return fail(ErrorCode::kNotFound, "cannot run '{}': not found in PATH", spec.argv[0]);
  }
  std::error_code ec;
  fs::create_directories(spec.private_tmp, ec);
  if (ec) return fail(ErrorCode::kIo, "create {}: {}", spec.private_tmp.string(), ec.message());
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    return fail(ErrorCode::kIo, "pipe: {}", std::strerror(errno));
  }
  std::vector<char*> argv = c_string_array(spec.argv);
  std::vector<char*> envp = c_string_array(spec.env);
  const ChildPlan plan{.program = program->c_str(),
                       .argv = argv.data(),
                       .envp = envp.data(),
                       .work_dir = spec.work_dir.c_str(),
                       .tmp = spec.private_tmp.c_str(),
                       .out_fd = out_fd,
                       .err_fd = err_fd,
                       .pipe_fd = report[1],
                       .user_namespace = ::geteuid() != 0,
                       .uid_map = fmt::format("{0} {0} 1", ::geteuid()),
                       .gid_map = fmt::format("{0} {0} 1", ::getegid())};
  const pid_t pid = ::fork();
  if (pid == 0) run_child(plan);
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    return fail(ErrorCode::kIo, "fork: {}", std::strerror(errno));
  }
  ::setpgid(pid, pid);  // also from this side, so the group exists before we signal it
  ChildError child{};
  ssize_t n = -1;
  do {
    n = ::read(report[0], &child, sizeof child);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n <= 0) return pid;  // the pipe closed on exec: the program runs
  ::waitpid(pid, nullptr, 0);
  const char* stage =
      child.stage >= 0 && child.stage < kStageCount ? kStageNames[child.stage] : "start";
  if (child.stage == kExec) {
    return fail(ErrorCode::kNotFound, "cannot run '{}': {}", spec.argv[0],
                std::strerror(child.error));
  }
  const ErrorCode code =
      child.error == EPERM || child.error == EACCES ? ErrorCode::kPermissionDenied : ErrorCode::kIo;
  return fail(code, "private /tmp for '{}': {}: {}", spec.argv[0], stage,
              std::strerror(child.error));
}

}  // namespace aiotops::pipeline
