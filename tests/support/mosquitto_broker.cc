#include "support/mosquitto_broker.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <thread>
#include <vector>

#include "cli_run.h"
#include "common/files.h"

namespace aiotops::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kPollInterval{10};

std::string errno_text() { return std::generic_category().message(errno); }

sockaddr_in loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  return address;
}

// A port nobody listens on right now: the kernel's pick for a bind to port 0.
Result<uint16_t> free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(ErrorCode::kIo, "socket: {}", errno_text());
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const std::string why = ok ? "" : errno_text();
  ::close(fd);
  if (!ok) return fail(ErrorCode::kIo, "cannot pick a free loopback port: {}", why);
  return ntohs(address.sin_port);
}

bool accepts_connections(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in address = loopback(port);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

Result<std::string> current_user() {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(::geteuid(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found) {
    return fail(ErrorCode::kNotFound, "no passwd entry for uid {}", ::geteuid());
  }
  return std::string(found->pw_name);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("signal {}", WTERMSIG(status));
  return fmt::format("wait status {}", status);
}

}  // namespace

Result<std::unique_ptr<MosquittoBroker>> MosquittoBroker::launch(MosquittoBrokerOptions options) {
  std::error_code error;
  if (!fs::is_regular_file(options.binary, error)) {
    return fail(ErrorCode::kNotFound, "{}: no such file (Debian package mosquitto)",
                options.binary.string());
  }
  std::string pattern = (fs::temp_directory_path() / "aiotops-broker-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return fail(ErrorCode::kIo, "mkdtemp {}: {}", pattern, errno_text());
  }
  const bool tls = options.tls.has_value();
  std::unique_ptr<MosquittoBroker> broker(new MosquittoBroker(std::move(options), pattern));
  auto port = free_port();
  if (!port) return fail(port.error());
  broker->port_ = *port;
  if (tls) {
    auto tls_port = free_port();
    if (!tls_port) return fail(tls_port.error());
    broker->tls_port_ = *tls_port;
  }
  if (auto status = broker->write_config(); !status) return fail(status.error());
  if (auto status = broker->start(); !status) return fail(status.error());
  return broker;
}

MosquittoBroker::~MosquittoBroker() {
  if (running() && !stop()) kill();
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

Status MosquittoBroker::write_config() const {
  auto user = current_user();
  if (!user) return fail(user.error());
  auto access = access_config();
  if (!access) return fail(access.error());
  std::string config = fmt::format(
      "# Generated for one test run.\n"
      "listener {} 127.0.0.1\n"
      "{}"
      "persistence true\n"
      "persistence_location {}/\n"
      "log_dest file {}\n"
      "log_timestamp_format %Y-%m-%dT%H:%M:%S\n"
      // Mosquitto leaves Nagle on by default, which holds a delivery to a subscriber for up to
      // 40 ms now and then; latency measurements need it off.
      "set_tcp_nodelay true\n"
      "{}"
      // Run as whoever runs the test: as root, mosquitto would otherwise switch to the
      // `mosquitto` user, which cannot write this directory.
      "user {}\n",
      port_, *access, dir_.string(), (dir_ / "mosquitto.log").string(),
      options_.verbose_log ? "log_type all\n"
                           : "log_type error\nlog_type warning\nlog_type notice\n"
                             "log_type information\nlog_type subscribe\n",
      *user);
  if (const auto& tls = options_.tls) {
    config += fmt::format(
        "listener {} 127.0.0.1\ncafile {}\ncertfile {}\nkeyfile {}\nrequire_certificate {}\n",
        tls_port_, tls->ca_file.string(), tls->cert_file.string(), tls->key_file.string(),
        tls->require_client_certificate ? "true" : "false");
  }
  config += options_.extra_config;
  if (!config.ends_with('\n')) config += '\n';
  return write_file_atomic(dir_ / "mosquitto.conf", config);
}

// Anonymous access, or a password file with the configured users.
Result<std::string> MosquittoBroker::access_config() const {
  if (options_.users.empty()) return std::string("allow_anonymous true\n");
  const std::filesystem::path passwords = dir_ / "passwords";
  bool create = true;
  for (const auto& [name, password] : options_.users) {
    const CliOutcome outcome = run_cli(
        "mosquitto_passwd",
        fmt::format("{}-b {} {} {}", create ? "-c " : "", passwords.string(), name, password), dir_,
        std::chrono::seconds(30));
    if (outcome.exit_code != 0) {
      return fail(ErrorCode::kIo, "mosquitto_passwd for user {} failed: {}", name, outcome.err);
    }
    create = false;
  }
  return fmt::format("allow_anonymous false\npassword_file {}\n", passwords.string());
}

Status MosquittoBroker::start() {
  if (running()) {
    return fail(ErrorCode::kAlreadyExists, "mosquitto on port {} is already running (pid {})",
                port_, pid_);
  }
  const std::string output = (dir_ / "output.txt").string();
  const std::string binary = options_.binary.string();
  const std::string config = (dir_ / "mosquitto.conf").string();
  std::vector<char*> argv{const_cast<char*>(binary.c_str()), const_cast<char*>("-c"),
                          const_cast<char*>(config.c_str()), nullptr};
  const int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) return fail(ErrorCode::kIo, "open {}: {}", output, errno_text());
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The child of a threaded process: async-signal-safe calls only, until exec.
    // A test that crashes takes its broker with it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    // The test's own sockets must not live on in the broker (a client's close would not close).
    ::close_range(STDERR_FILENO + 1, ~0U, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const std::string why = pid < 0 ? errno_text() : "";
  ::close(out);
  if (pid < 0) return fail(ErrorCode::kIo, "cannot start {}: fork: {}", binary, why);
  pid_ = pid;
  return wait_until_listening();
}

Status MosquittoBroker::wait_until_listening() {
  const Clock::time_point deadline = Clock::now() + options_.start_timeout;
  while (true) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return fail(ErrorCode::kUnavailable,
                  "mosquitto ({}) ended with {} before listening; log:\n{}",
                  (dir_ / "mosquitto.conf").string(), describe_status(status), log());
    }
    if (accepts_connections(port_) && (tls_port_ == 0 || accepts_connections(tls_port_))) {
      return {};
    }
    if (Clock::now() > deadline) {
      kill();
      return fail(ErrorCode::kUnavailable,
                  "mosquitto did not listen on port {} within {}ms; log:\n{}", port_,
                  options_.start_timeout.count(), log());
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

Status MosquittoBroker::reap(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return fail(ErrorCode::kUnavailable, "mosquitto on port {} ended with {}", port_,
                    describe_status(status));
      }
      return {};
    }
    if (done < 0 && errno != EINTR) {
      pid_ = -1;
      return fail(ErrorCode::kInternal, "waitpid for mosquitto on port {}: {}", port_,
                  errno_text());
    }
    if (Clock::now() > deadline) {
      return fail(ErrorCode::kUnavailable, "mosquitto on port {} did not exit within {}ms", port_,
                  timeout.count());
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

Status MosquittoBroker::stop() {
  if (!running()) return {};
  ::kill(pid_, SIGTERM);
  if (auto status = reap(options_.stop_timeout); !status) {
    kill();
    return status;
  }
  return {};
}

void MosquittoBroker::kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::string MosquittoBroker::url() const { return fmt::format("mqtt://127.0.0.1:{}", port_); }

std::string MosquittoBroker::tls_url() const {
  return fmt::format("mqtts://127.0.0.1:{}", tls_port_);
}

std::string MosquittoBroker::log() const {
  std::string text = read_file(dir_ / "mosquitto.log").value_or("");
  const std::string output = read_file(dir_ / "output.txt").value_or("");
  if (!output.empty()) text += "--- stdout/stderr ---\n" + output;
  return text;
}

bool MosquittoBroker::wait_for_log(std::string_view text, std::chrono::milliseconds timeout) const {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    if (log().find(text) != std::string::npos) return true;
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace aiotops::testing
